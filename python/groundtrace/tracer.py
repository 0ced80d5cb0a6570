"""Trace Python code under snoop, producing the snoop text and the structured trace at once.

Two entry points:

* ``trace_call`` runs a dataset problem's entry function on keyword arguments with the
  original pipeline's rules (depth = number of ``def`` statements, standard call headers,
  site-packages untraced). It runs in the current process: sandboxing is the caller's job.
* ``trace_cell`` runs a notebook cell's code in a namespace, stepping into the user's own
  functions (from any cell or file) but not into the standard library or site-packages,
  and without the ``<module>`` call/return lines that snoop's ``%%snoop`` prints.
"""

import ast
import hashlib
import linecache
import os
import pprint
import re
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import snoop
import snoop.tracer
from snoop.tracer import FrameInfo
from snoop.utils import ArgDefaultDict

from .cell_code import compile_cell, take_result
from .pipeline.values import value_record
from .recorder import TraceLimitReached, TraceLimits, TraceRecorder

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_SNOOP_DIR = os.path.dirname(snoop.tracer.__file__)
_STDLIB_DIR = sysconfig.get_paths()['stdlib']

# Like the original: nothing under site-packages is traced (nor is groundtrace itself). Our
# tracers use this; snoop's own module state is left alone, so a user's snoop is unchanged.
INTERNAL_DIRECTORIES = tuple(dict.fromkeys(
    snoop.tracer.internal_directories
    + tuple(str(p) for p in Path(_SNOOP_DIR).parent.glob('*'))
    + (_PACKAGE_DIR,)
))

_DEF_PATTERN = re.compile(r'\bdef\s+\w+\s*\(.*?\)')

# Cells trace deep into user code; the limit only guards against runaway recursion.
CELL_DEPTH = 100
DEFAULT_CELL_LIMITS = TraceLimits(max_events=20_000, max_bytes=4_000_000, stop_code=False)


def count_functions(code):
    """The original pipeline's depth rule: how many ``def name(...)`` the code has
    (a signature split over lines does not count, as in the original)."""
    return len(_DEF_PATTERN.findall(code))


@dataclass
class TraceResult:
    text: str
    document: dict
    returned: object = None
    raised: BaseException = None
    truncated: str = None  # the limit that stopped the trace, if any

    @property
    def ok(self):
        return self.raised is None and self.truncated is None


def _error_text(exc):
    return '{}: {}'.format(type(exc).__name__, exc)


def _register_source(kind, text):
    """Make the source visible to linecache (and so to snoop) under a fake filename.

    The name is unique to the text: snoop (through ``executing``) caches sources by
    filename, so two different sources must never share one.
    """
    digest = hashlib.sha1(text.encode('utf-8', 'surrogatepass')).hexdigest()[:16]
    filename = '<groundtrace:{}:{}>'.format(kind, digest)
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    return filename


class DatasetTracer(snoop.tracer.Tracer):
    """snoop's tracer that never steps into ``INTERNAL_DIRECTORIES`` (the original's rule)."""

    def _is_internal_frame(self, frame):
        return frame.f_code.co_filename.startswith(INTERNAL_DIRECTORIES)


class UserCodeTracer(snoop.tracer.Tracer):
    """A tracer that follows calls into the user's own code (cells, scripts) only: in a
    notebook, the standard library and installed packages are noise."""

    frame_info_class = FrameInfo

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.frame_infos = ArgDefaultDict(self.frame_info_class)

    def _is_internal_frame(self, frame):
        return not _is_user_code(frame.f_code.co_filename)


class TraceConfig(snoop.Config):
    """A snoop configuration whose recorder is built with its limits and source names and whose
    ``snoop`` is ``tracer_class`` bound to it."""

    def __init__(self, limits, source_names, tracer_class=DatasetTracer, **tracer_attrs):
        recorder_class = type('TraceRecorder', (TraceRecorder,), {'limits': limits, 'source_names': source_names})
        super().__init__(
            # snoop asks whether ``out`` is a path (``isinstance(out, os.PathLike)``), which puts
            # the answer in the ABC's cache; it asked that of None at its import, as in the original,
            # so None leaves the caches as a fresh interpreter has them. The recorder keeps the text.
            out=None,
            columns='',
            color=False,
            replace_watch_extras=(),
            formatter_class=recorder_class,
            pformat=pprint.pformat,  # else every Config retries importing prettyprinter/pprintpp
        )
        self.write = _discard
        self.snoop = type('ConfiguredTracer', (tracer_class,), dict(tracer_attrs, config=self))
        self.thread_local.depth = -1  # snoop's __enter__ sets this; trace_cell skips it


def _discard(_text):
    pass


def _run_traced(run, recorder):
    """Run ``run()`` under an installed tracer, turning a limit stop into a result."""
    previous = sys.gettrace()
    returned, raised, truncated = None, None, None
    try:
        returned = run()
    except TraceLimitReached:
        truncated = recorder.truncated['reason']
    except BaseException as exc:  # the traced code's own failure, including SystemExit
        raised = exc
    finally:
        sys.settrace(previous)
    if recorder.truncated and not truncated:
        truncated = recorder.truncated['reason']
        if recorder.limits.stop_code:  # the code swallowed the stop; what followed is moot
            raised = None
    return returned, raised, truncated


def trace_call(source, funcname, kwargs, *, source_name='problem',
               max_lines=None, max_events=None, max_bytes=None, max_document_events=None):
    """Run ``funcname(**kwargs)`` from ``source`` under snoop, as the original pipeline does.

    ``kwargs`` may be a callable taking the problem's module namespace (after its code ran) and
    returning the arguments: argument expressions may name what the problem's module defines."""
    filename = _register_source(source_name, source)
    limits = TraceLimits(max_events, max_lines, max_bytes, max_document_events=max_document_events)
    config = TraceConfig(limits, {filename: source_name})
    recorder = config.formatter
    depth = count_functions(source)
    namespace = {'__name__': '__main__', '__file__': filename, '__builtins__': __builtins__}

    def run():
        exec(compile(source, filename, 'exec'), namespace)
        # The original decorates every function whose name starts with the entry name.
        for name, value in list(namespace.items()):
            code = getattr(value, '__code__', None)
            if name.startswith(funcname) and code is not None and code.co_filename == filename:
                namespace[name] = config.snoop(depth=depth)(value)
        arguments.update(kwargs(namespace) if callable(kwargs) else kwargs)
        return namespace[funcname](**arguments)

    arguments = {}
    if depth < 1:
        returned, raised, truncated = None, ValueError('no function definition found'), None
    else:
        returned, raised, truncated = _run_traced(run, recorder)
    title = '{}({})'.format(funcname, ', '.join(
        '{}={}'.format(k, _short_repr(v)) for k, v in arguments.items()))
    document = recorder.document(
        title=title,
        return_value=value_record(returned) if raised is None and not truncated else None,
        error=_error_text(raised) if raised is not None else None,
    )
    return TraceResult(recorder.text, document, returned, raised, truncated)


def _short_repr(value, limit=60):
    text = value_record(value)['repr']
    return text if len(text) <= limit else text[:limit - 1] + '…'


class _CellFrameInfo(FrameInfo):
    """FrameInfo that treats the traced cell like snoop treats an IPython cell (no
    call/return lines) and shows only the cell's own variable names in its frame."""

    cell_code = None
    cell_names = frozenset()

    def __init__(self, frame):
        super().__init__(frame)
        self.is_ipython_cell = frame.f_code is self.cell_code

    def get_local_reprs(self, watch, watch_extras, whitelist):
        if not self.is_ipython_cell:
            return super().get_local_reprs(watch, watch_extras, whitelist)
        return ((name, value) for name, value
                in super().get_local_reprs(watch, watch_extras, self.cell_names)
                if not _is_definition(value))


def _is_definition(value):
    """Modules, functions and classes: names a cell uses, not values it computes."""
    return isinstance(value, type(ast)) or callable(value)


def _cell_variable_names(cell_source):
    """Names the cell reads or writes (snoop's ``%%snoop`` whitelist rule)."""
    return frozenset(node.id for node in ast.walk(ast.parse(cell_source)) if isinstance(node, ast.Name))


def _is_user_code(filename):
    return not filename.startswith(INTERNAL_DIRECTORIES + (_STDLIB_DIR,))


def trace_function(fn, args=(), kwargs=None, *, source_names=None, limits=DEFAULT_CELL_LIMITS):
    """Call a live function under the tracer (``groundtrace.trace`` in a notebook)."""
    kwargs = kwargs or {}
    config = TraceConfig(limits, dict(source_names or {}), UserCodeTracer)
    recorder = config.formatter
    traced = config.snoop(depth=CELL_DEPTH)(fn)
    returned, raised, truncated = _run_traced(lambda: traced(*args, **kwargs), recorder)
    call_text = ', '.join([_short_repr(a) for a in args]
                          + ['{}={}'.format(k, _short_repr(v)) for k, v in kwargs.items()])
    document = recorder.document(
        title='{}({})'.format(getattr(fn, '__qualname__', repr(fn)), call_text),
        return_value=value_record(returned) if raised is None and not truncated else None,
        error=_error_text(raised) if raised is not None else None,
    )
    return TraceResult(recorder.text, document, returned, raised, truncated)


def trace_cell(cell_source, namespace, *, filename=None, source_name='cell',
               source_names=None, limits=DEFAULT_CELL_LIMITS):
    """Execute a cell's code in ``namespace`` under snoop and return the trace.

    ``filename`` is the cell's name in linecache when the caller has its own compile
    cache (IPython's, unique per cell text); otherwise a unique one is registered here.
    """
    if filename is None:
        filename = _register_source('cell', cell_source)
    code = compile_cell(cell_source, filename)
    names = dict(source_names or {})
    names[filename] = source_name
    frame_info_class = type('CellFrameInfo', (_CellFrameInfo,), {
        'cell_code': code,
        'cell_names': _cell_variable_names(cell_source),
    })
    config = TraceConfig(limits, names, UserCodeTracer, frame_info_class=frame_info_class)
    recorder = config.formatter
    tracer = config.snoop(depth=CELL_DEPTH)
    tracer.target_codes.add(code)

    def run():
        sys.settrace(tracer.trace)
        try:
            exec(code, namespace)
        finally:
            sys.settrace(None)
        return take_result(namespace)

    returned, raised, truncated = _run_traced(run, recorder)
    take_result(namespace)  # a limit stop or an error after the last line leaves nothing behind
    ok = raised is None and not truncated
    document = recorder.document(
        title=source_name,
        return_value=value_record(returned) if ok and returned is not None else None,
        error=_error_text(raised) if raised is not None else None,
    )
    return TraceResult(recorder.text, document, returned if ok else None, raised, truncated)
