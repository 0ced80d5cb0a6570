import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import OpenAI from 'openai';

/**
 * The browser's seam to the Python side for narrations: the prompt (rendered from the
 * Python template), the streamed completion (the `openai` client against the Jupyter
 * server's translator route, so the GPU host and its key stay on the server), and the
 * verification (verify.py). No rule of the data is re-implemented here.
 */

/** Sampling overrides sent with a completion (unset ones: the server's defaults). */
export interface ISampling {
  temperature?: number;
  top_p?: number;
  top_k?: number;
  min_p?: number;
  max_tokens?: number;
}

export interface IChatMessage {
  role: 'user' | 'system' | 'assistant';
  content: string;
}

/** A value the narration states, at a character offset of the final text. */
export interface IStatedValue {
  value: string;
  at: number;
}

/** What POST /groundtrace/viewer/verify answers (verify.verify_narration and more). */
export interface IVerification {
  verdict: string;
  evidence: {
    answer?: string | null;
    expected?: string;
    answer_matches?: boolean | null;
    ungrounded?: IStatedValue[];
    values_stated?: number;
    values_grounded?: number;
    mentions_trace?: string[];
    code?: string[];
    [key: string]: unknown;
  };
  final: string;
  thinking: string | null;
  thinking_closed: boolean;
  grounded: IStatedValue[];
}

/** One streamed delta. */
export interface INarrationDelta {
  content?: string;
  reasoning?: string;
  finishReason?: string;
}

const VIEWER_ROUTE = 'groundtrace/viewer';
const TRANSLATOR_ROUTE = 'groundtrace/translator/v1';

async function postJSON<T>(
  path: string,
  body: unknown,
  settings: ServerConnection.ISettings
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, VIEWER_ROUTE, path);
  const response = await ServerConnection.makeRequest(
    url,
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
  if (!response.ok) {
    throw new ServerConnection.ResponseError(
      response,
      `${path}: the Jupyter server answered ${response.status}` +
        (response.status === 404
          ? ' (is the groundtrace server extension enabled?)'
          : '')
    );
  }
  return (await response.json()) as T;
}

/** The translation prompt for a record, rendered by the Python template. */
export function fetchPrompt(
  record: Record<string, unknown>,
  settings = ServerConnection.makeSettings()
): Promise<{ messages: IChatMessage[]; prompt_chars: number }> {
  return postJSON('prompt', { record }, settings);
}

/** The verdict of a narration (raw content, with its thinking) for a record. */
export function verifyNarration(
  record: Record<string, unknown>,
  narration: {
    content: string;
    reasoning?: string | null;
    finishReason?: string | null;
  },
  settings = ServerConnection.makeSettings()
): Promise<IVerification> {
  return postJSON(
    'verify',
    {
      record,
      content: narration.content,
      reasoning: narration.reasoning ?? null,
      finish_reason: narration.finishReason ?? null
    },
    settings
  );
}

/**
 * An `openai` client whose requests go to the Jupyter server's translator route with
 * Jupyter's own credentials (token or XSRF cookie), never a key of the endpoint.
 */
export function translatorClient(
  settings = ServerConnection.makeSettings()
): OpenAI {
  const jupyterFetch = (input: unknown, init?: RequestInit) => {
    const headers = new Headers(init?.headers ?? {});
    headers.delete('Authorization');
    if (settings.token) {
      headers.set('Authorization', `token ${settings.token}`);
    }
    const xsrf = document.cookie.match('\\b_xsrf=([^;]*)\\b');
    if (xsrf) {
      headers.set('X-XSRFToken', decodeURIComponent(xsrf[1]));
    }
    return settings.fetch.call(null, String(input), {
      ...settings.init,
      ...init,
      headers
    });
  };
  return new OpenAI({
    apiKey: 'jupyter-session',
    baseURL: URLExt.join(settings.baseUrl, TRANSLATOR_ROUTE),
    dangerouslyAllowBrowser: true,
    maxRetries: 0,
    fetch: jupyterFetch as unknown as typeof fetch
  });
}

/** Streams a completion's deltas until it ends or `signal` aborts. */
export async function* streamNarration(options: {
  messages: IChatMessage[];
  model?: string;
  sampling?: ISampling;
  signal?: AbortSignal;
  client?: OpenAI;
}): AsyncGenerator<INarrationDelta> {
  const client = options.client ?? translatorClient();
  // top_k and min_p are vLLM's extensions of the OpenAI body; they pass through the route.
  const body = {
    model: options.model ?? '',
    messages: options.messages,
    stream: true as const,
    ...(options.sampling ?? {})
  };
  const stream = await client.chat.completions.create(
    body as OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming,
    { signal: options.signal }
  );
  for await (const chunk of stream) {
    const choice = chunk.choices?.[0];
    if (!choice) {
      continue;
    }
    const delta = choice.delta as {
      content?: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
    };
    yield {
      content: delta?.content ?? undefined,
      reasoning: delta?.reasoning_content ?? delta?.reasoning ?? undefined,
      finishReason: choice.finish_reason ?? undefined
    };
  }
}
