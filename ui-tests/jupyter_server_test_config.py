"""Jupyter server settings for the Galata UI tests (never use them for real work)."""

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 (c is the config object Jupyter provides)

c.ServerApp.allow_root = True  # noqa: F821 (CI runs as root)
c.ServerApp.port = 8899  # noqa: F821 (8888 stays free for the demo)
# Not needed by these tests, and slow to start in a fresh environment.
c.LanguageServerManager.autodetect = False  # noqa: F821
