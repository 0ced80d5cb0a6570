"""The kernel helper: ``%%groundtrace``, ``groundtrace.trace(fn, ...)`` and the display bundle."""

import os

from IPython.core.magic import Magics, cell_magic, magics_class

from . import tracer

MIME_TYPE = 'application/vnd.groundtrace.trace+json'


def trace_bundle(result):
    """The display bundle of a trace: the interactive view, with the snoop text as fallback."""
    doc = result.document
    summary = '[groundtrace] {} events, {} lines'.format(len(doc['events']), len(result.text.splitlines()))
    if doc['truncated']:
        summary += ' — ' + doc['truncated']['message']
    return {MIME_TYPE: doc, 'text/plain': result.text + summary}


def _display(result):
    from IPython.display import display
    display(trace_bundle(result), raw=True)


def _cell_source_names(shell):
    """Friendly names (``cell[N]``) for IPython's compiled-cell filenames."""
    filename_map = getattr(shell.compile, '_filename_map', {}) or {}
    return {filename: 'cell[{}]'.format(count) for filename, count in filename_map.items()}


@magics_class
class GroundtraceMagics(Magics):
    @cell_magic
    def groundtrace(self, line, cell):
        """Run the cell in the notebook's namespace and display its step-by-step trace."""
        shell = self.shell
        count = shell.execution_count - 1  # IPython counts the running cell already
        filename = shell.compile.cache(cell, count)  # registers the source with linecache
        result = tracer.trace_cell(
            cell, shell.user_ns,
            filename=filename,
            source_name='cell[{}]'.format(count),
            source_names=_cell_source_names(shell),
        )
        _display(result)
        if result.raised is not None:
            raise result.raised


def trace(fn, *args, **kwargs):
    """Call ``fn(*args, **kwargs)`` under the tracer, display the trace, and return its result."""
    result = tracer.trace_function(fn, args, kwargs)
    _display(result)
    if result.raised is not None:
        raise result.raised
    return result.returned


def load_ipython_extension(ipython):
    ipython.register_magics(GroundtraceMagics)
    if getattr(ipython, 'kernel', None) is not None:  # the side panel talks over a comm
        from .jobs_comm import register_comm_target
        register_comm_target()


def helper_version():
    """What the frontend asks to confirm the helper is importable in this kernel."""
    from . import __version__
    return {'version': __version__, 'pid': os.getpid()}
