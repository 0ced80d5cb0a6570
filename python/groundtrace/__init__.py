"""groundtrace: code execution as verified step-by-step reasoning data, inside JupyterLab."""

__version__ = '0.1.0'


def _jupyter_labextension_paths():
    return [{'src': 'labextension', 'dest': 'groundtrace'}]


def load_ipython_extension(ipython):
    """``%load_ext groundtrace``: registers the ``%%groundtrace`` cell magic."""
    from .kernel import load_ipython_extension as load
    load(ipython)


def trace(fn, *args, **kwargs):
    """Call ``fn(*args, **kwargs)``, display its step-by-step trace, and return its result."""
    from .kernel import trace as trace_and_display
    return trace_and_display(fn, *args, **kwargs)
