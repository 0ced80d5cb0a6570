"""Jupyter server extension: an authenticated route to the configured translator.

``/groundtrace/translator/v1/chat/completions`` (POST, streaming passed through) and
``/groundtrace/translator/v1/models`` (GET) forward to the OpenAI-compatible endpoint set by
``GROUNDTRACE_TRANSLATOR_URL`` / ``_MODEL`` / ``_API_KEY`` / ``_API_KEY_FILE`` or the
``TranslatorProxy`` traitlets; the browser never reaches the GPU host or sees the key.
Enabled by ``jupyter-config/server-config/groundtrace.json`` (module ``groundtrace.server``).
"""


def _jupyter_server_extension_points():
    return [{'module': 'groundtrace.server'}]


def _load_jupyter_server_extension(serverapp):
    from .handlers import setup_handlers
    from .viewer import setup_viewer_handlers
    setup_handlers(serverapp)
    setup_viewer_handlers(serverapp.web_app)


load_jupyter_server_extension = _load_jupyter_server_extension  # older jupyter_server / notebook
