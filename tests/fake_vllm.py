"""A local OpenAI-compatible server that answers as vLLM does, for tests and benchmarks.

Serves ``/health``, ``/v1/models``, ``/tokenize`` and ``/v1/chat/completions`` (streamed as
SSE chunks with a final usage chunk when ``stream_options.include_usage``, or whole) on
127.0.0.1 only. The narration is derived from the snoop trace inside the prompt, so a
verifier can pass or fail it on purpose: each prompt gets a *mode* (pass, wrong_answer,
no_answer, mentions_trace, contains_code, ungrounded, unfinished) chosen by seeded rates.
Faults (429 with Retry-After, 500, dropped connections) are drawn per (prompt, attempt),
so a run is deterministic for a seed and a retrying client eventually gets through.

Use in-process (``with FakeVLLM(...) as server: server.url``) or as a process:
``python tests/fake_vllm.py --latency 0.5`` prints ``READY <url>`` once listening.
"""

import argparse
import asyncio
import collections
import hashlib
import json
import random
import re
import threading
import time

MODES = ('pass', 'wrong_answer', 'no_answer', 'mentions_trace', 'contains_code', 'ungrounded', 'unfinished')
_VAR_LINE = re.compile(r'^\s*\.{6,} (\w+) = (.*)$', re.M)
_RETURN = re.compile(r'<<< Return value from [\w.<>]+: (.*)$', re.M)
_REASONS = {200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found',
            429: 'Too Many Requests', 500: 'Internal Server Error'}


class FakeVLLM:
    def __init__(self, *, model='fake/Qwen3-toy', seed=0, latency=0.0, rate_429=0.0, rate_500=0.0,
                 rate_drop=0.0, retry_after=0.05, reasoning='reasoning_content', error_shape='flat',
                 max_model_len=32768, chars_per_token=4, modes=None, api_key=None, words_per_chunk=6,
                 chunk_delay=0.0, port=0, report_max_model_len=True):
        self.model = model
        self.report_max_model_len = report_max_model_len  # False: /v1/models leaves it out
        self.seed = seed
        self.latency = latency
        self.rate_429, self.rate_500, self.rate_drop = rate_429, rate_500, rate_drop
        self.retry_after = retry_after
        self.reasoning = reasoning  # 'reasoning_content' | 'reasoning' | 'think' (inline tags)
        self.error_shape = error_shape  # 'flat' {"object": "error", …} | 'nested' {"error": {…}}
        self.max_model_len = max_model_len
        self.chars_per_token = chars_per_token
        self.modes = modes or {}  # mode -> rate; the rest is 'pass'
        self.api_key = api_key
        self.words_per_chunk = words_per_chunk
        self.chunk_delay = chunk_delay  # pause between streamed chunks, as a GPU generating
        self.port = port
        self.counts = collections.Counter()  # requests, faults, completions by kind
        self.completed = collections.Counter()  # prompt digest -> completions delivered in full
        self.attempts = collections.Counter()  # prompt digest -> chat requests seen
        self.bodies = collections.deque(maxlen=200)  # the last chat request bodies
        self._loop = None
        self._thread = None
        self._server = None

    # ---- running -------------------------------------------------------------------------

    @property
    def base(self):
        return 'http://127.0.0.1:{}'.format(self.port)

    @property
    def url(self):
        return self.base + '/v1'

    async def start_async(self):
        self._server = await asyncio.start_server(self._connection, '127.0.0.1', self.port, backlog=2048)
        self.port = self._server.sockets[0].getsockname()[1]

    def start(self):
        """Serve from a background thread; returns self."""
        ready = threading.Event()

        def run():
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self.start_async())
            ready.set()
            self._loop.run_forever()
            self._loop.close()

        self._thread = threading.Thread(target=run, name='fake-vllm', daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError('fake vLLM server did not start')
        return self

    def stop(self):
        if self._loop is None:
            return

        async def shutdown():
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- HTTP ----------------------------------------------------------------------------

    async def _connection(self, reader, writer):
        try:
            while True:
                try:
                    head = await reader.readuntil(b'\r\n\r\n')
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode('latin-1').split('\r\n')
                method, path, _ = lines[0].split(' ', 2)
                headers = {}
                for line in lines[1:]:
                    if ':' in line:
                        k, v = line.split(':', 1)
                        headers[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(headers.get('content-length', 0) or 0))
                keep = await self._route(method, path.split('?', 1)[0], headers, body, writer)
                if not keep or headers.get('connection', '').lower() == 'close':
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            return  # the server is stopping
        finally:
            try:
                writer.close()
            except Exception:
                pass

    async def _send(self, writer, status, payload=None, headers=()):
        data = b'' if payload is None else json.dumps(payload).encode()
        head = ['HTTP/1.1 {} {}'.format(status, _REASONS.get(status, 'Status')),
                'Content-Type: application/json', 'Content-Length: {}'.format(len(data))]
        head += ['{}: {}'.format(k, v) for k, v in headers]
        writer.write(('\r\n'.join(head) + '\r\n\r\n').encode() + data)
        await writer.drain()
        return True

    def _error(self, status, message, kind):
        inner = {'message': message, 'type': kind, 'param': None, 'code': status}
        if self.error_shape == 'nested':
            return {'error': inner}
        return dict(inner, object='error')

    async def _route(self, method, path, headers, body, writer):
        self.counts['requests'] += 1
        if path == '/health':
            return await self._send(writer, 200)
        if self.api_key and headers.get('authorization') != 'Bearer ' + self.api_key:
            return await self._send(writer, 401, self._error(401, 'Unauthorized', 'Unauthorized'))
        if path == '/v1/models' and method == 'GET':
            return await self._send(writer, 200, {'object': 'list', 'data': [{
                'id': self.model, 'object': 'model', 'created': 0, 'owned_by': 'vllm', 'root': self.model,
                'parent': None, **({'max_model_len': self.max_model_len} if self.report_max_model_len else {})}]})
        if path == '/tokenize' and method == 'POST':
            request = json.loads(body or b'{}')
            count = self._tokens(self._prompt_text(request))
            return await self._send(writer, 200, {'count': count, 'max_model_len': self.max_model_len,
                                                  'tokens': list(range(count))})
        if path == '/v1/chat/completions' and method == 'POST':
            return await self._chat(json.loads(body or b'{}'), writer)
        return await self._send(writer, 404, self._error(404, 'Not Found', 'NotFoundError'))

    # ---- chat ----------------------------------------------------------------------------

    @staticmethod
    def _prompt_text(request):
        if 'prompt' in request:
            return request['prompt']
        return '\n'.join(str(m.get('content') or '') for m in request.get('messages', ()))

    def _tokens(self, text):
        return -(-len(text) // self.chars_per_token)

    def _rng(self, *parts):
        return random.Random('{}:{}'.format(self.seed, ':'.join(map(str, parts))))

    async def _chat(self, request, writer):
        self.bodies.append(request)
        if request.get('model') != self.model:
            return await self._send(writer, 404, self._error(
                404, 'The model `{}` does not exist.'.format(request.get('model')), 'NotFoundError'))
        prompt = self._prompt_text(request)
        digest = hashlib.sha1(prompt.encode('utf-8', 'surrogatepass')).hexdigest()
        attempt = self.attempts[digest]
        self.attempts[digest] += 1
        prompt_tokens = self._tokens(prompt)
        max_tokens = request.get('max_tokens') or request.get('max_completion_tokens') or 16
        # vLLM 0.32: max_tokens over the context is refused outright; a prompt that fits has its
        # completion cut to the room left; a prompt over the context is refused with its size.
        if max_tokens > self.max_model_len:
            self.counts['max_tokens_refused'] += 1
            return await self._send(writer, 400, self._error(400, (
                'max_tokens={} cannot be greater than max_model_len={}. Please request fewer output tokens. '
                '(parameter=max_tokens, value={})').format(max_tokens, self.max_model_len, max_tokens),
                'BadRequestError'))
        if prompt_tokens > self.max_model_len:
            self.counts['over_context'] += 1
            return await self._send(writer, 400, self._error(400, (
                "This model's maximum context length is {} tokens. However, your prompt contains at least {} "
                "input tokens, which exceeds this limit even without any output tokens. Please reduce the "
                "length of the input prompt. (parameter=input_tokens, value={})").format(
                    self.max_model_len, prompt_tokens, prompt_tokens), 'BadRequestError'))
        fault = self._rng(digest, attempt).random()
        thinking, final, finish = self.narrate(prompt, digest)  # before the wait: L is the whole added time
        if self.latency:
            await asyncio.sleep(self.latency)
        if fault < self.rate_429:
            self.counts['fault_429'] += 1
            return await self._send(writer, 429, self._error(429, 'Too many requests', 'RateLimitError'),
                                    headers=[('Retry-After', self.retry_after)])
        fault -= self.rate_429
        if fault < self.rate_500:
            self.counts['fault_500'] += 1
            return await self._send(writer, 500, self._error(500, 'Internal server error', 'InternalServerError'))
        fault -= self.rate_500
        drop = fault < self.rate_drop
        usage = {'prompt_tokens': prompt_tokens, 'completion_tokens': self._tokens(thinking + final),
                 'total_tokens': prompt_tokens + self._tokens(thinking + final)}
        if not drop:  # counted before the last byte goes out: the client may be done right after
            self.completed[digest] += 1
            self.counts['completed'] += 1
        if request.get('stream'):
            include_usage = bool((request.get('stream_options') or {}).get('include_usage'))
            ok = await self._stream(writer, thinking, final, finish, usage if include_usage else None, drop)
        elif drop:
            ok = False
        else:
            ok = await self._send(writer, 200, self._completion(thinking, final, finish, usage))
        if drop:
            self.counts['fault_drop'] += 1
            writer.transport.abort()
            return False
        return ok

    def _message_fields(self, thinking, final, finish):
        """How this server's reasoning setting spells a thought and its answer."""
        if self.reasoning == 'think':
            closed = '' if finish == 'length' else '</think>\n\n'
            return {'content': '<think>\n' + thinking + '\n' + closed + final}
        return {self.reasoning: thinking, 'content': final or None}

    def _completion(self, thinking, final, finish, usage):
        message = dict(role='assistant', tool_calls=[], **self._message_fields(thinking, final, finish))
        return {'id': 'chatcmpl-fake', 'object': 'chat.completion', 'created': int(time.time()),
                'model': self.model, 'choices': [{'index': 0, 'message': message, 'logprobs': None,
                                                  'finish_reason': finish, 'stop_reason': None}],
                'usage': usage}

    async def _stream(self, writer, thinking, final, finish, usage, drop):
        writer.write(b'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n'
                     b'Transfer-Encoding: chunked\r\n\r\n')
        created = int(time.time())

        def event(choices, usage=None):
            chunk = {'id': 'chatcmpl-fake', 'object': 'chat.completion.chunk', 'created': created,
                     'model': self.model, 'choices': choices}
            if usage is not None:
                chunk['usage'] = usage
            data = 'data: {}\n\n'.format(json.dumps(chunk)).encode()
            return b'%x\r\n%s\r\n' % (len(data), data)

        def delta(d, finish_reason=None):
            return event([{'index': 0, 'delta': d, 'logprobs': None, 'finish_reason': finish_reason}])

        parts = [delta({'role': 'assistant', 'content': ''})]
        if self.reasoning == 'think':
            pieces = [('content', p) for p in self._pieces(self._message_fields(thinking, final, finish)['content'])]
        else:
            pieces = [(self.reasoning, p) for p in self._pieces(thinking)]
            pieces += [('content', p) for p in self._pieces(final)]
        parts += [delta({field: text}) for field, text in pieces]
        parts.append(delta({}, finish))
        if drop:
            parts = parts[:max(1, len(parts) // 2)]
        elif usage is not None:
            parts.append(event([], usage))
        if not drop:
            data = b'data: [DONE]\n\n'
            parts.append(b'%x\r\n%s\r\n0\r\n\r\n' % (len(data), data))
        if self.chunk_delay:
            for part in parts:
                writer.write(part)
                await writer.drain()
                await asyncio.sleep(self.chunk_delay)
        else:
            writer.write(b''.join(parts))
            await writer.drain()
        return True

    def _pieces(self, text):
        words = re.findall(r'\S+\s*|\s+', text)
        n = self.words_per_chunk
        return [''.join(words[i:i + n]) for i in range(0, len(words), n)]

    # ---- narration -----------------------------------------------------------------------

    def mode_of(self, digest):
        r = self._rng(digest, 'mode').random()
        for mode in MODES[1:]:
            rate = self.modes.get(mode, 0.0)
            if r < rate:
                return mode
            r -= rate
        return 'pass'

    def narrate(self, prompt, digest):
        """``(thinking, final, finish_reason)`` built from the trace inside the prompt."""
        mode = self.mode_of(digest)
        self.counts['mode_' + mode] += 1
        changes = _VAR_LINE.findall(prompt)[:12]
        returned = _RETURN.findall(prompt)
        answer = returned[-1].strip() if returned else 'None'
        steps = ['Next, {} becomes {}.'.format(name, value.strip()) for name, value in changes]
        thinking = 'Let me follow the code on this input. ' + ' '.join(steps)
        if mode == 'unfinished':
            return thinking + ' Then I keep going and', '', 'length'
        lines = ['We start from the given input and follow the solution step by step.'] + steps
        if mode == 'mentions_trace':
            lines.insert(1, 'As the execution trace shows, the function is called once.')
        if mode == 'contains_code':
            lines.append('```python\ndef main_solution(x):\n    return x\n```')
        if mode == 'ungrounded':
            lines.append('Along the way we also add 987654 and 123457.25 to get 1111111.25, then 424242.')
        if mode == 'wrong_answer':
            answer = json.dumps('definitely not {}'.format(answer))
        if mode == 'no_answer':
            lines.append('That completes the computation.')
        else:
            lines.append('Final answer: {}'.format(answer))
        return thinking, '\n'.join(lines), 'stop'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--model', default='fake/Qwen3-toy')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--latency', type=float, default=0.0)
    parser.add_argument('--rate-429', type=float, default=0.0)
    parser.add_argument('--rate-500', type=float, default=0.0)
    parser.add_argument('--rate-drop', type=float, default=0.0)
    parser.add_argument('--reasoning', default='reasoning_content', choices=('reasoning_content', 'reasoning', 'think'))
    parser.add_argument('--error-shape', default='flat', choices=('flat', 'nested'))
    parser.add_argument('--max-model-len', type=int, default=32768)
    parser.add_argument('--api-key')
    parser.add_argument('--chunk-delay', type=float, default=0.0, help='seconds between streamed chunks')
    parser.add_argument('--words-per-chunk', type=int, default=6)
    parser.add_argument('--mode', action='append', default=[], metavar='NAME=RATE',
                        help='narrations of this kind at this rate, e.g. wrong_answer=0.1; kinds: ' + ', '.join(MODES[1:]))
    args = parser.parse_args()
    modes = {name: float(rate) for name, rate in (m.split('=') for m in args.mode)}
    server = FakeVLLM(model=args.model, seed=args.seed, latency=args.latency, rate_429=args.rate_429,
                      rate_500=args.rate_500, rate_drop=args.rate_drop, reasoning=args.reasoning,
                      error_shape=args.error_shape, max_model_len=args.max_model_len, api_key=args.api_key,
                      modes=modes, port=args.port, chunk_delay=args.chunk_delay,
                      words_per_chunk=args.words_per_chunk)

    async def serve():
        await server.start_async()
        print('READY', server.url, flush=True)
        await asyncio.Event().wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    main()
