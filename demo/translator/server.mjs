// DEMO translator: serves a small CPU model behind the OpenAI chat-completions API the
// way vLLM does (/health, /v1/models, /tokenize, streaming SSE with a usage chunk), so the
// README demo produces real, if demo-quality, narrations without a GPU.
// Usage: node server.mjs --model PATH.gguf [--port 8011] [--host 127.0.0.1]
import http from 'node:http';
import { parseArgs } from 'node:util';
import { getLlama, LlamaChatSession } from 'node-llama-cpp';

const { values: options } = parseArgs({
  options: {
    model: { type: 'string' },
    port: { type: 'string', default: '8011' },
    host: { type: 'string', default: '127.0.0.1' },
    'model-id': { type: 'string', default: 'smollm2-135m-instruct-demo' },
    'context-size': { type: 'string', default: '8192' },
    threads: { type: 'string', default: '1' },
    // A 135M model rambles; capping the answer keeps a demo narration to seconds.
    'max-tokens-cap': { type: 'string', default: '768' }
  }
});
if (!options.model) {
  console.error('usage: node server.mjs --model PATH.gguf [--port 8011]');
  process.exit(2);
}
const MODEL_ID = options['model-id'];
const CONTEXT_SIZE = Number(options['context-size']);

const llama = await getLlama({ gpu: false, build: 'never' });
const model = await llama.loadModel({ modelPath: options.model });
const context = await model.createContext({
  contextSize: CONTEXT_SIZE,
  threads: Number(options.threads)
});
const sequence = context.getSequence();

// One sequence, so requests take turns; vLLM batches, a demo on 2 cores need not.
let queue = Promise.resolve();
function inTurn(task) {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

function vllmError(res, status, message, type = 'BadRequestError') {
  sendJson(res, status, { object: 'error', message, type, param: null, code: status });
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) {
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

function toChatHistory(messages) {
  return messages.slice(0, -1).map(message =>
    message.role === 'assistant'
      ? { type: 'model', response: [String(message.content ?? '')] }
      : { type: message.role === 'system' ? 'system' : 'user', text: String(message.content ?? '') }
  );
}

function promptTokenCount(messages) {
  return model.tokenize(messages.map(m => String(m.content ?? '')).join('\n')).length;
}

async function complete(req, res, body) {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'user') {
    return vllmError(res, 400, 'messages must end with a user message');
  }
  const promptTokens = promptTokenCount(messages);
  const maxTokens = Math.min(Number(body.max_tokens ?? 512), Number(options['max-tokens-cap']), CONTEXT_SIZE);
  if (promptTokens + maxTokens > CONTEXT_SIZE) {
    return vllmError(
      res,
      400,
      `This model's maximum context length is ${CONTEXT_SIZE} tokens. However, you requested ` +
        `${promptTokens + maxTokens} tokens (${promptTokens} in the messages, ${maxTokens} in the completion). ` +
        'Please reduce the length of the messages or completion.'
    );
  }
  const id = `chatcmpl-demo-${Date.now().toString(36)}`;
  const created = Math.floor(Date.now() / 1000);
  const stream = Boolean(body.stream);
  const abort = new AbortController();
  res.on('close', () => abort.abort());

  const chunk = (delta, finishReason = null) => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model: MODEL_ID,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }]
  });
  if (stream) {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: '' }))}\n\n`);
  }

  let completionTokens = 0;
  const { responseText, stopReason } = await inTurn(async () => {
    const session = new LlamaChatSession({ contextSequence: sequence, autoDisposeSequence: false });
    try {
      session.setChatHistory(toChatHistory(messages));
      return await session.promptWithMeta(String(last.content ?? ''), {
        maxTokens,
        temperature: Number(body.temperature ?? 0.6),
        topP: body.top_p === undefined ? undefined : Number(body.top_p),
        topK: body.top_k === undefined || body.top_k < 1 ? undefined : Number(body.top_k),
        minP: body.min_p === undefined ? undefined : Number(body.min_p),
        signal: abort.signal,
        stopOnAbortSignal: true,
        onTextChunk(text) {
          completionTokens += 1;
          if (stream && !res.writableEnded) {
            res.write(`data: ${JSON.stringify(chunk({ content: text }))}\n\n`);
          }
        }
      });
    } finally {
      session.dispose({ disposeSequence: false });
      await sequence.clearHistory();
    }
  });
  const finishReason = stopReason === 'maxTokens' ? 'length' : 'stop';
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens
  };
  if (res.writableEnded) {
    return;
  }
  if (stream) {
    res.write(`data: ${JSON.stringify(chunk({}, finishReason))}\n\n`);
    if (body.stream_options?.include_usage) {
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: MODEL_ID, choices: [], usage })}\n\n`);
    }
    res.end('data: [DONE]\n\n');
  } else {
    sendJson(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model: MODEL_ID,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: responseText, reasoning_content: null },
          logprobs: null,
          finish_reason: finishReason
        }
      ],
      usage
    });
  }
}

const server = http.createServer(async (req, res) => {
  const path = new URL(req.url, 'http://localhost').pathname;
  try {
    if (req.method === 'GET' && path === '/health') {
      res.writeHead(200);
      return res.end();
    }
    if (req.method === 'GET' && path === '/v1/models') {
      return sendJson(res, 200, {
        object: 'list',
        data: [{ id: MODEL_ID, object: 'model', owned_by: 'groundtrace-demo', max_model_len: CONTEXT_SIZE }]
      });
    }
    if (req.method === 'POST' && path === '/tokenize') {
      const body = await readJson(req);
      const text = body.prompt ?? (body.messages ?? []).map(m => String(m.content ?? '')).join('\n');
      const tokens = Array.from(model.tokenize(String(text)));
      return sendJson(res, 200, { count: tokens.length, max_model_len: CONTEXT_SIZE, tokens });
    }
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      return await complete(req, res, await readJson(req));
    }
    vllmError(res, 404, `no route ${req.method} ${path}`, 'NotFoundError');
  } catch (error) {
    if (!res.headersSent) {
      vllmError(res, 500, String(error?.message ?? error), 'InternalServerError');
    } else {
      res.destroy(error);
    }
  }
});

server.listen(Number(options.port), options.host, () => {
  console.log(`groundtrace DEMO translator (${MODEL_ID}) on http://${options.host}:${options.port}/v1`);
});
