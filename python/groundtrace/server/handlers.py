"""The translator route: authenticated requests of the browser, forwarded to the endpoint."""

import json
import os
from pathlib import Path
from urllib.parse import urlparse

import httpx
import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado.iostream import StreamClosedError
from traitlets import Float, Unicode, default
from traitlets.config import Configurable

from ..translate.config import ENV_KEY, ENV_KEY_FILE, ENV_MODEL, ENV_URL, normalise_url

ROUTE = 'groundtrace/translator'
# Only these of the browser's headers go on: never its Authorization (the Jupyter token).
FORWARDED_HEADERS = ('Accept',)


class TranslatorProxy(Configurable):
    """Where the translator route forwards to (``c.TranslatorProxy.url = …`` or the environment)."""

    url = Unicode(help='OpenAI-compatible base URL, e.g. http://gpu-node:8000/v1 (env {})'.format(ENV_URL)).tag(
        config=True)
    model = Unicode(help='default model when a request names none (env {})'.format(ENV_MODEL)).tag(config=True)
    api_key = Unicode(help='API key of the endpoint (env {}); stays on the server'.format(ENV_KEY)).tag(config=True)
    api_key_file = Unicode(help='file holding the API key (env {})'.format(ENV_KEY_FILE)).tag(config=True)
    timeout = Float(600.0, help='longest silence from the endpoint, in seconds').tag(config=True)

    @default('url')
    def _url(self):
        return os.environ.get(ENV_URL, '')

    @default('model')
    def _model(self):
        return os.environ.get(ENV_MODEL, '')

    @default('api_key')
    def _api_key(self):
        return os.environ.get(ENV_KEY, '')

    @default('api_key_file')
    def _api_key_file(self):
        return os.environ.get(ENV_KEY_FILE, '')

    def key(self):
        if self.api_key_file:
            return Path(self.api_key_file).expanduser().read_text(encoding='utf-8').strip()
        return self.api_key or None

    def base(self):
        # Several replicas may be configured for batch jobs; the interactive route uses the first.
        return normalise_url(self.url.split(',')[0]) if self.url else None

    async def max_model_len(self, http, base, headers):
        """The endpoint's context length as its /v1/models reports it (asked once), or None."""
        known = getattr(self, '_max_model_len', {})
        if base not in known:
            try:
                response = await http.get(base + '/models', headers=headers, timeout=10.0)
                lengths = [m.get('max_model_len') for m in response.json().get('data', [])]
                known[base] = min((n for n in lengths if isinstance(n, int)), default=None)
            except (httpx.HTTPError, ValueError, AttributeError):
                return None  # asked again next time
            self._max_model_len = known
        return known[base]


def _error(status, message, kind):
    return {'error': {'message': message, 'type': kind, 'param': None, 'code': status}}


class _TranslatorHandler(APIHandler):
    @property
    def proxy(self):
        return self.settings['groundtrace_translator']

    @property
    def http(self):
        return self.settings['groundtrace_http']

    def upstream_headers(self):
        headers = {k: self.request.headers[k] for k in FORWARDED_HEADERS if k in self.request.headers}
        key = self.proxy.key()
        if key:
            headers['Authorization'] = 'Bearer ' + key
        return headers

    def refuse(self, status, message, kind):
        self.set_status(status)
        self.set_header('Content-Type', 'application/json')
        self.finish(json.dumps(_error(status, message, kind)))

    def not_configured(self):
        self.refuse(503, 'no translator configured on the Jupyter server: set {} (and {}) before starting '
                         'it, or c.TranslatorProxy.url'.format(ENV_URL, ENV_MODEL), 'not_configured')


class ChatCompletionsHandler(_TranslatorHandler):
    @tornado.web.authenticated
    async def post(self):
        base = self.proxy.base()
        if not base:
            return self.not_configured()
        try:
            body = json.loads(self.request.body or b'{}')
        except ValueError:
            return self.refuse(400, 'the request body is not JSON', 'invalid_request_error')
        if not body.get('model') and self.proxy.model:
            body['model'] = self.proxy.model
        # vLLM refuses a max_tokens over its context (400 for every request): cap it there.
        if isinstance(body.get('max_tokens'), int):
            limit = await self.proxy.max_model_len(self.http, base, self.upstream_headers())
            if limit and body['max_tokens'] > limit:
                body['max_tokens'] = limit
        request = self.http.build_request('POST', base + '/chat/completions', json=body,
                                          headers=self.upstream_headers(),
                                          timeout=httpx.Timeout(self.proxy.timeout, connect=10.0))
        try:
            response = await self.http.send(request, stream=True)
        except httpx.TransportError as exc:
            return self.refuse(502, 'translator {} unreachable ({})'.format(urlparse(base).netloc,
                                                                           type(exc).__name__), 'bad_gateway')
        try:
            self.set_status(response.status_code)
            self.set_header('Content-Type', response.headers.get('content-type', 'application/json'))
            if 'text/event-stream' in response.headers.get('content-type', ''):
                self.set_header('Cache-Control', 'no-cache')
                self.set_header('X-Accel-Buffering', 'no')  # no buffering in a reverse proxy in front
            async for chunk in response.aiter_raw():
                self.write(chunk)
                await self.flush()  # each SSE chunk reaches the browser as it comes
            self.finish()
        except StreamClosedError:
            pass  # the browser went away: closing the upstream response stops generation
        except httpx.TransportError as exc:
            self.log.warning('groundtrace translator stream broke: %s', exc)
            if not self._headers_written:
                self.refuse(502, 'translator stream broke ({})'.format(type(exc).__name__), 'bad_gateway')
            else:
                self.finish()
        finally:
            await response.aclose()


class ModelsHandler(_TranslatorHandler):
    @tornado.web.authenticated
    async def get(self):
        base = self.proxy.base()
        if not base:
            return self.not_configured()
        try:
            response = await self.http.get(base + '/models', headers=self.upstream_headers(), timeout=10.0)
        except httpx.TransportError as exc:
            return self.refuse(502, 'translator {} unreachable ({})'.format(urlparse(base).netloc,
                                                                           type(exc).__name__), 'bad_gateway')
        self.set_status(response.status_code)
        self.set_header('Content-Type', response.headers.get('content-type', 'application/json'))
        self.finish(response.content)


class SettingsHandler(_TranslatorHandler):
    """What the UI may know: whether a translator is set, its host and model — not the key."""

    @tornado.web.authenticated
    def get(self):
        base = self.proxy.base()
        self.finish(json.dumps({'configured': bool(base), 'host': urlparse(base).netloc if base else None,
                                'model': self.proxy.model or None, 'api_key_set': bool(self.proxy.key())}))


def setup_handlers(serverapp):
    web_app = serverapp.web_app
    web_app.settings['groundtrace_translator'] = TranslatorProxy(parent=serverapp)
    web_app.settings['groundtrace_http'] = httpx.AsyncClient(
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=16))
    base = url_path_join(web_app.settings['base_url'], ROUTE)
    web_app.add_handlers('.*$', [
        (url_path_join(base, 'v1/chat/completions'), ChatCompletionsHandler),
        (url_path_join(base, 'v1/models'), ModelsHandler),
        (url_path_join(base, 'settings'), SettingsHandler),
    ])
    serverapp.log.info('groundtrace: translator route at %s (%s)', base,
                       web_app.settings['groundtrace_translator'].base() or 'no translator configured')
