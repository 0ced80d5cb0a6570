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
            _report_cell_error(shell, result.raised, filename)
            return None
        if _ends_with_semicolon(shell, cell):
            return None  # `x;` hides the result, as it does in the untraced cell
        return result.returned  # IPython shows it as the cell's Out[n], as for the cell itself


def _ends_with_semicolon(shell, cell):
    # IPython checks the parsed input, which for a cell magic is the magic's call.
    check = getattr(shell.displayhook, 'semicolon_at_end_of_expression', None)
    return bool(check and check(cell))


def _report_cell_error(shell, exc, filename):
    """Show the traced cell's exception as IPython shows the cell's own: from the cell's
    frame down (not from the magic's call on line 1), and fail the execution so that
    "run all" stops here as it would for the untraced cell."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    shell.showtraceback((type(exc), exc, tb or exc.__traceback__), tb_offset=0)
    execution = getattr(shell.displayhook, 'exec_result', None)  # the running cell's ExecutionResult
    if execution is not None:
        execution.error_in_exec = exc


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
