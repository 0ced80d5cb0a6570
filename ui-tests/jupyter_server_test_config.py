"""Jupyter server settings for the Galata UI tests (never use them for real work)."""

import os

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 (c is the config object Jupyter provides)

c.ServerApp.allow_root = True  # noqa: F821 (CI runs as root)
c.ServerApp.port = 8899  # noqa: F821 (8888 stays free for the demo)
# Not needed by these tests, and slow to start in a fresh environment.
c.LanguageServerManager.autodetect = False  # noqa: F821
# The translator route goes to the server playwright.config.js starts (the fake vLLM, or the real one).
c.TranslatorProxy.url = 'http://127.0.0.1:{}/v1'.format(os.environ.get('GROUNDTRACE_UI_TRANSLATOR_PORT', '8897'))  # noqa: F821
c.TranslatorProxy.model = os.environ.get('GROUNDTRACE_UI_TRANSLATOR_MODEL', 'fake/Qwen3-toy')  # noqa: F821
# The editable install does not place jupyter-config/; load the server extension here.
c.ServerApp.jpserver_extensions.update({'groundtrace.server': True})  # noqa: F821
