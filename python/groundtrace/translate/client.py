"""An async batch client for chat completions as vLLM serves them.

Built on ``httpx``/``httpcore`` rather than the ``openai`` package: the client needs the
raw stream (vLLM's ``reasoning``/``reasoning_content`` deltas), vLLM's two error-body
shapes, the ``Retry-After`` header, and its own retry and replica policy — all of which
``openai`` wraps or re-implements. Completions go through ``httpcore`` (the transport under
``httpx`` and so under ``openai``) directly, one small pool per worker: httpx's layers above
it, and one shared pool of hundreds of connections, cost more CPU than the request.

* at most ``concurrency`` requests in flight;
* retries with exponential backoff and jitter on 429, 5xx, timeouts and dropped
  connections, ``Retry-After`` honoured, up to ``max_attempts``;
* a prompt over the model's context (vLLM: 400 "maximum context length is N tokens")
  comes back ``skipped`` at once; other 4xx come back ``failed`` at once, marked
  ``rejected``: every item sends the same settings, so the stage stops on the first one
  (``TranslatorRejected``) instead of failing each item;
* ``max_tokens`` over the server's ``max_model_len`` (which vLLM refuses for every
  request) is capped to it, said once (``fit_to_server``);
* several replicas are balanced by requests in flight; one that refuses connections is
  taken out and tried again after a growing pause.
"""

import asyncio
import email.utils
import json
import random
import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore
import httpx

from .errors import TranslatorRejected, TranslatorUnavailable  # noqa: F401 (TranslatorRejected: re-exported)
from .reasoning import Narration, StreamAccumulator, split_message

_OVER_CONTEXT = re.compile(r'maximum context length|context length is|too long|exceeds? the (?:max|context)', re.I)


@dataclass
class Completion:
    status: str  # 'ok' | 'skipped' (will never fit) | 'failed' (gave up; a rerun tries again)
    narration: Narration = None
    usage: dict = None
    error: str = None
    attempts: int = 0
    endpoint: str = None
    elapsed_s: float = 0.0
    rejected: bool = False  # a 4xx about the request's settings, which every item shares


class _Retry(Exception):
    def __init__(self, reason, delay=None, dead=False):
        super().__init__(reason)
        self.reason = reason
        self.delay = delay  # the server's Retry-After, when it gave one
        self.dead = dead  # the replica refused the connection


class _Final(Exception):
    def __init__(self, status, reason, rejected=False):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.rejected = rejected


class Endpoint:
    def __init__(self, url):
        self.url = url  # …/v1
        self.root = url[:-3]  # vLLM serves /health and /tokenize beside /v1
        self.chat_url = (url + '/chat/completions').encode()
        self.host = urlsplit(url).netloc.encode()
        self.in_flight = 0
        self.dead_until = 0.0
        self.failures = 0

    def __repr__(self):
        return 'Endpoint({})'.format(self.url)


def error_message(body):
    """The message of an error body in either of vLLM's shapes, or the start of the text."""
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        return (body.decode('utf-8', 'replace') if isinstance(body, bytes) else str(body))[:500].strip()
    if isinstance(data, dict):
        inner = data.get('error', data)
        if isinstance(inner, dict) and inner.get('message'):
            return str(inner['message'])
        if isinstance(inner, str):
            return inner
    return json.dumps(data)[:500]


def _header(response, name):
    for key, value in response.headers:
        if key.lower() == name:
            return value.decode('latin-1')
    return None


def retry_after_seconds(value):
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time()) if when else None


class BatchClient:
    def __init__(self, config, *, rng=None):
        if not config.urls:
            raise TranslatorUnavailable('no translator URL: pass --translator-url or set GROUNDTRACE_TRANSLATOR_URL')
        if not config.model:
            raise TranslatorUnavailable('no model: pass --model or set GROUNDTRACE_TRANSLATOR_MODEL')
        self.config = config
        self.endpoints = [Endpoint(u) for u in config.urls]
        self._rng = rng or random.Random()
        self._http = None
        self._tls = None
        key = config.resolve_key()
        self._headers = {'Authorization': 'Bearer ' + key} if key else {}
        self._raw_headers = [(k.encode(), v.encode()) for k, v in self._headers.items()]
        self.tokenizer = None  # 'server /tokenize' once a count succeeded
        self.max_model_len = None  # as /v1/models reports it

    def _new_pool(self, connections):
        """A small httpcore pool for completions: httpx's layers above it cost more CPU than
        the request itself at hundreds of requests a second."""
        return httpcore.AsyncConnectionPool(ssl_context=self._tls, max_connections=connections,
                                            max_keepalive_connections=connections)

    async def __aenter__(self):
        import ssl
        self._tls = ssl.create_default_context()  # one for all pools: making one costs milliseconds
        c = self.config
        self._timeouts = {'connect': c.connect_timeout, 'read': c.read_timeout, 'write': 60.0, 'pool': None}
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(c.connect_timeout, read=c.read_timeout),
                                       headers=self._headers, verify=self._tls)  # checks, token counts
        self._pool = self._new_pool(16)  # completions outside ``run``
        return self

    async def __aexit__(self, *exc):
        await self._http.aclose()
        await self._pool.aclose()

    # ---- start-up ------------------------------------------------------------------------

    async def check(self):
        """Check every replica's /health and /v1/models; take out those that fail.

        Raises ``TranslatorUnavailable`` with a clear message when none can serve the model.
        Returns ``{url: problem or None}``.
        """
        problems = {}
        for endpoint in self.endpoints:
            problems[endpoint.url] = await self._check_one(endpoint)
            if problems[endpoint.url]:
                endpoint.dead_until = time.monotonic() + self.config.dead_cooldown
        if all(problems.values()):
            raise TranslatorUnavailable('; '.join(problems.values()))
        return problems

    async def _check_one(self, endpoint):
        try:
            health = await self._http.get(endpoint.root + '/health', timeout=self.config.connect_timeout)
        except httpx.TransportError as exc:
            return 'translator {} is unreachable ({}): is vLLM running there?'.format(
                endpoint.root, type(exc).__name__)
        if health.status_code != 200:
            return 'translator {} is not healthy: /health answered {}'.format(endpoint.root, health.status_code)
        try:
            models = await self._http.get(endpoint.url + '/models', timeout=self.config.connect_timeout)
        except httpx.TransportError as exc:
            return 'translator {}: /v1/models failed ({})'.format(endpoint.url, type(exc).__name__)
        if models.status_code == 401:
            return 'translator {} refused the API key (401): check {} or the key file'.format(
                endpoint.url, self.config.api_key_env)
        if models.status_code != 200:
            return 'translator {}: /v1/models answered {}: {}'.format(
                endpoint.url, models.status_code, error_message(models.content))
        data = models.json().get('data', [])
        served = [m.get('id') for m in data]
        for m in data:
            if m.get('id') == self.config.model and m.get('max_model_len'):
                self.max_model_len = m['max_model_len']
        if self.config.model not in served:
            return 'translator {} serves {}, not {}: pass --model with one of these'.format(
                endpoint.url, ', '.join(map(str, served)) or 'no model', self.config.model)
        return None

    def fit_to_server(self):
        """Cap ``max_tokens`` at the server's ``max_model_len``: vLLM answers 400 ("max_tokens=…
        cannot be greater than max_model_len=…") to every request that asks for more. Returns
        ``{'asked', 'max_model_len', 'sent'}`` when it capped, else None."""
        asked = self.config.sampling.get('max_tokens')
        if not (self.max_model_len and asked and asked > self.max_model_len):
            return None
        self.config.sampling = dict(self.config.sampling, max_tokens=self.max_model_len)
        return {'asked': asked, 'max_model_len': self.max_model_len, 'sent': self.max_model_len}

    async def count_tokens(self, messages):
        """The prompt's length in tokens from the server's ``/tokenize``, or None when unavailable."""
        endpoint = self._pick_now()
        try:
            response = await self._http.post(endpoint.root + '/tokenize', json={
                'model': self.config.model, 'messages': messages,
                'chat_template_kwargs': {'enable_thinking': self.config.enable_thinking}})
        except httpx.TransportError:
            return None
        if response.status_code != 200:
            return None
        self.tokenizer = 'server /tokenize'
        return response.json().get('count')

    # ---- completions ---------------------------------------------------------------------

    def _pick_now(self):
        now = time.monotonic()
        alive = [e for e in self.endpoints if e.dead_until <= now]
        return min(alive or self.endpoints, key=lambda e: (e.in_flight, e.dead_until))

    async def _pick(self):
        while True:
            now = time.monotonic()
            alive = [e for e in self.endpoints if e.dead_until <= now]
            if alive:
                return min(alive, key=lambda e: e.in_flight)
            await asyncio.sleep(min(e.dead_until for e in self.endpoints) - now)

    def _backoff(self, attempt):
        cap = min(self.config.backoff_max, self.config.backoff_base * 2 ** (attempt - 1))
        return cap / 2 + self._rng.uniform(0, cap / 2)

    async def complete(self, messages, http=None):
        """One chat completion with retries; never raises for the server's behaviour."""
        start = time.monotonic()
        reason = None
        for attempt in range(1, self.config.max_attempts + 1):
            endpoint = await self._pick()
            endpoint.in_flight += 1
            try:
                narration, usage = await self._attempt(http or self._pool, endpoint, messages)
            except _Final as final:
                return Completion(final.status, error=final.reason, attempts=attempt, endpoint=endpoint.url,
                                  elapsed_s=time.monotonic() - start, rejected=final.rejected)
            except _Retry as retry:
                reason = retry.reason
                if retry.dead and endpoint.dead_until <= time.monotonic():
                    # The first request to find it down takes it out; the pause grows per outage,
                    # not per request that was in flight.
                    endpoint.failures += 1
                    endpoint.dead_until = time.monotonic() + min(
                        300.0, self.config.dead_cooldown * 2 ** (endpoint.failures - 1))
                if retry.dead and any(e.dead_until <= time.monotonic() for e in self.endpoints):
                    continue  # another replica is up: go there without waiting
                delay = retry.delay if retry.delay is not None else self._backoff(attempt)
                if attempt < self.config.max_attempts:
                    await asyncio.sleep(delay * self._rng.uniform(1.0, 1.1))
                continue
            finally:
                endpoint.in_flight -= 1
            endpoint.failures = 0
            return Completion('ok', narration, usage, attempts=attempt, endpoint=endpoint.url,
                              elapsed_s=time.monotonic() - start)
        return Completion('failed', error='gave up after {} attempts: {}'.format(self.config.max_attempts, reason),
                          attempts=self.config.max_attempts, elapsed_s=time.monotonic() - start)

    def _refusal(self, status, body, retry_after=None):
        message = error_message(body)
        if status == 429:
            return _Retry('429: ' + message, retry_after_seconds(retry_after))
        if status >= 500 or status == 408:
            return _Retry('{}: {}'.format(status, message))
        if status == 400 and _OVER_CONTEXT.search(message):
            return _Final('skipped', 'over_context: ' + message)
        return _Final('failed', '{}: {}'.format(status, message), rejected=400 <= status < 500)

    async def _attempt(self, pool, endpoint, messages):
        body = self.config.request_body(messages)
        content = json.dumps(body, ensure_ascii=False).encode('utf-8', 'surrogatepass')
        headers = [(b'Host', endpoint.host), (b'Content-Type', b'application/json'),
                   (b'Content-Length', b'%d' % len(content))] + self._raw_headers
        try:
            async with pool.stream(b'POST', endpoint.chat_url, headers=headers, content=content,
                                   extensions={'timeout': self._timeouts}) as response:
                if response.status != 200:
                    raise self._refusal(response.status, await response.aread(), _header(response, b'retry-after'))
                if not body.get('stream'):
                    data = json.loads(await response.aread())
                    choice = data['choices'][0]
                    return split_message(choice.get('message') or {}, choice.get('finish_reason')), data.get('usage')
                stream = StreamAccumulator()
                done = False
                pending = b''
                async for piece in response.aiter_stream():
                    pending += piece
                    *lines, pending = pending.split(b'\n')
                    for line in lines:
                        if done or not line.startswith(b'data:'):
                            continue  # read to the end, so the connection can be reused
                        data = line[5:].strip()
                        if data == b'[DONE]':
                            done = True
                            continue
                        chunk = json.loads(data)
                        if 'error' in chunk or chunk.get('object') == 'error':
                            # vLLM reports a failure after the 200 inside the stream.
                            inner = chunk.get('error', chunk)
                            code = inner.get('code') if isinstance(inner, dict) else None
                            raise self._refusal(code if isinstance(code, int) else 500, data)
                        stream.add(chunk)
                if not done:
                    raise _Retry('stream ended before [DONE]')
                return stream.narration(), stream.usage
        except httpcore.ConnectError as exc:
            raise _Retry('cannot connect to {} ({})'.format(endpoint.root, exc), dead=True)
        except httpcore.TimeoutException as exc:
            raise _Retry('timeout ({})'.format(type(exc).__name__))
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise _Retry('connection dropped ({}: {})'.format(type(exc).__name__, exc))
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise _Retry('malformed response ({}: {})'.format(type(exc).__name__, exc))

    async def run(self, keys, on_result, work=None):
        """Run ``work(key, http)`` (default: ``complete(key, http)``, the key being the
        messages) for every key with ``concurrency`` workers, calling ``on_result(key,
        result)`` as each finishes (in finishing order). Keys are drawn lazily, so memory
        stays flat with their number.

        Each worker has its own small connection pool: one shared pool of hundreds of
        connections costs httpcore time quadratic in their number."""
        work = work or self.complete
        keys = iter(keys)

        async def worker():
            async with self._new_pool(len(self.endpoints)) as http:
                for key in keys:  # shared: each key goes to one worker
                    on_result(key, await work(key, http))

        workers = [asyncio.ensure_future(worker()) for _ in range(self.config.concurrency)]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
