"""Translator settings: defaults (the paper's sampling), a TOML/JSON file, environment, options.

Later sources win: defaults < environment < config file (named explicitly) < command-line
options. The API
key is read from an environment variable or a file and lives only in memory: it is not
part of ``public()`` (what stats and logs show) and not in ``repr``.
"""

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

ENV_URL = 'GROUNDTRACE_TRANSLATOR_URL'
ENV_MODEL = 'GROUNDTRACE_TRANSLATOR_MODEL'
ENV_KEY = 'GROUNDTRACE_TRANSLATOR_API_KEY'
ENV_KEY_FILE = 'GROUNDTRACE_TRANSLATOR_API_KEY_FILE'

# "Code Execution as Grounded Supervision": Qwen3-32B, thinking on.
PAPER_SAMPLING = {'temperature': 0.6, 'top_p': 0.95, 'top_k': 20, 'min_p': 0.0, 'max_tokens': 16384}


@dataclass
class TranslatorConfig:
    urls: list = field(default_factory=list)  # base URLs ending in /v1, one per replica
    model: str = None
    api_key_env: str = ENV_KEY
    api_key_file: str = None
    concurrency: int = 128
    connect_timeout: float = 10.0
    read_timeout: float = 3600.0  # longest silence: a whole completion when not streamed
    max_attempts: int = 8
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    dead_cooldown: float = 10.0  # first pause before an unreachable replica is tried again
    stream: bool = False  # whole completions: vLLM streams a chunk per token, costly to parse at scale
    sampling: dict = field(default_factory=lambda: dict(PAPER_SAMPLING))
    enable_thinking: bool = True
    extra_body: dict = field(default_factory=dict)  # merged into every request body
    template: str = None  # path of a translation template; None = the packaged one
    prompt_budget: int = None  # None = 40,960 characters, or the model's context in tokens
    budget_unit: str = 'chars'  # 'chars' | 'tokens' (counted by the server's /tokenize)
    api_key: str = field(default=None, repr=False)

    def resolve_key(self):
        """Read the key from its file or environment variable (never from the config file)."""
        if self.api_key:
            return self.api_key
        path = self.api_key_file or os.environ.get(ENV_KEY_FILE)
        if path:
            self.api_key = Path(path).expanduser().read_text(encoding='utf-8').strip()
        elif self.api_key_env and os.environ.get(self.api_key_env):
            self.api_key = os.environ[self.api_key_env].strip()
        return self.api_key

    def request_body(self, messages, *, stream=None):
        stream = self.stream if stream is None else stream
        body = {'model': self.model, 'messages': messages, **self.sampling,
                'chat_template_kwargs': {'enable_thinking': self.enable_thinking}}
        body.update(self.extra_body)
        if stream:
            body['stream'] = True
            body['stream_options'] = {'include_usage': True}
        return body

    def public(self):
        """The settings as stats may record them: no key, no key file contents."""
        out = asdict(self)
        out.pop('api_key')
        out['api_key_set'] = bool(self.api_key)
        return out


def normalise_url(url):
    """``http://host:8000``, ``…/v1`` or ``…/v1/`` → ``http://host:8000/v1``."""
    url = url.strip().rstrip('/')
    if url.endswith('/chat/completions'):
        url = url[:-len('/chat/completions')]
    return url if url.endswith('/v1') else url + '/v1'


def load_file(path):
    """Settings from a ``.toml`` or ``.json`` file (a ``[translator]`` table may wrap them)."""
    path = Path(path)
    if path.suffix == '.toml':
        try:
            import tomllib
        except ImportError:  # Python 3.10
            try:
                import tomli as tomllib
            except ImportError:
                raise ValueError('{}: reading TOML needs Python 3.11 or the tomli package; '
                                 'or write the settings as JSON'.format(path))
        data = tomllib.loads(path.read_text(encoding='utf-8'))
    else:
        data = json.loads(path.read_text(encoding='utf-8'))
    data = data.get('translator', data)
    if 'api_key' in data:
        raise ValueError('{}: put the API key in an environment variable (api_key_env) or a file '
                         '(api_key_file), not in the config file'.format(path))
    return data


def build_config(file=None, **options):
    """A ``TranslatorConfig`` from an optional file, the environment, and options (None = unset)."""
    config = TranslatorConfig()
    settings = load_file(file) if file else {}
    if os.environ.get(ENV_URL):
        settings.setdefault('urls', os.environ[ENV_URL])
    if os.environ.get(ENV_MODEL):
        settings.setdefault('model', os.environ[ENV_MODEL])
    settings.update({k: v for k, v in options.items() if v is not None})
    if 'url' in settings:
        settings.setdefault('urls', settings.pop('url'))
    known = {f.name for f in fields(TranslatorConfig)}
    sampling = dict(config.sampling)
    for key in list(settings):
        if key in PAPER_SAMPLING:
            sampling[key] = settings.pop(key)
    sampling.update(settings.pop('sampling', {}))
    unknown = set(settings) - known
    if unknown:
        raise ValueError('unknown translator settings: {}'.format(', '.join(sorted(unknown))))
    for key, value in settings.items():
        setattr(config, key, value)
    config.sampling = sampling
    urls = config.urls
    if isinstance(urls, str):
        urls = urls.split(',')
    config.urls = [normalise_url(u) for u in urls if u.strip()]
    if config.budget_unit not in ('chars', 'tokens'):
        raise ValueError("budget_unit must be 'chars' or 'tokens'")
    return config
