"""A snoop formatter that builds the snoop text and the structured trace in one pass.

snoop calls ``format(event)`` (and ``format_line_only(event)``) for everything it
prints; this subclass keeps snoop's text exactly as it is, except for the call
header rules of the original pipeline, and records one structured event per call
with the range of text lines it produced.
"""

import sys

from snoop.formatting import Colors, DefaultFormatter
from snoop.utils import my_cheap_repr

TRACE_SCHEMA_VERSION = 1


class TraceLimitReached(BaseException):
    """Raised inside the traced code to stop tracing once a size limit is passed.

    A BaseException so that ``except Exception`` in traced code does not swallow it.
    """


class TraceLimits:
    """How much a trace may grow before the recorder stops it (None: no limit)."""

    def __init__(self, max_events=None, max_lines=None, max_bytes=None, stop_code=True,
                 max_document_events=None):
        self.max_events = max_events
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        # Past this many events the structured trace stops growing but the text (and its
        # limits) go on: a comprehension over a long range prints a few lines of summary
        # from one event per iteration, which would make the document, not the text, huge.
        self.max_document_events = max_document_events
        # True: stop the traced code too (a dataset item is rejected anyway);
        # False: only stop tracing and let the code finish (a notebook cell).
        self.stop_code = stop_code


class _NoColors:
    """snoop's ``NoColors`` answers every attribute through ``__getattr__``, a Python call
    per colour per printed line (a tenth of tracing time); plain attributes cost nothing."""


for _name in vars(Colors):
    if not _name.startswith('_'):
        setattr(_NoColors, _name, '')


class TraceRecorder(DefaultFormatter):
    """snoop formatter with the original pipeline's call headers, recording events.

    Call headers read ``>>> Call to NAME`` with no file name or line number (likewise
    ``Start generator``, ``Re-enter generator``, ``Enter with block in``);
    comprehensions keep snoop's own header.
    """

    # Set by the tracer before use (snoop constructs formatters itself).
    limits = TraceLimits()
    source_names = None  # filename -> source name, filled in as frames appear

    def __init__(self, prefix, columns, color):
        super().__init__(prefix, columns, color)
        if not color:
            self.c = _NoColors()
        self.lines = []
        self.events = []
        self.sources = {}
        self.n_bytes = 0
        self.truncated = None
        self.events_left_out = 0
        self._next_frame = 0
        self._live = {}
        self._stack = []

    # -- snoop's formatter interface -------------------------------------------------

    def format_start(self, event):
        if event.frame_info.is_ipython_cell:
            return []
        if event.comprehension_type:
            return ['{type}:'.format(type=event.comprehension_type)]
        if event.event == 'enter':
            description = 'Enter with block in'
        elif event.frame_info.is_generator:
            description = 'Re-enter generator' if event.is_yield_value else 'Start generator'
        else:
            description = 'Call to'
        return ['{c.cyan}>>> {description} {name}'.format(
            c=self.c, description=description, name=event.code_qualname())]

    def format(self, event):
        text = super().format(event)
        self._record(event, event.event, text)
        return text

    def format_line_only(self, event):
        # snoop repeats a frame's current line when control comes back to it
        text = super().format_line_only(event)
        self._record(event, 'resume', text)
        return text

    # -- recording -------------------------------------------------------------------

    def _record(self, event, kind, text):
        if self.truncated:
            if self.limits.stop_code:
                raise TraceLimitReached(self.truncated['message'])
            return
        new_lines = text.splitlines()
        cap = self.limits.max_document_events
        if cap is None or len(self.events) < cap:
            self.events.append(self._event_record(event, kind, len(self.lines), len(new_lines)))
        else:
            self.events_left_out += 1
        self.lines.extend(new_lines)
        self.n_bytes += len(text)
        self._check_limits()

    def _event_record(self, event, kind, text_start, n_lines):
        frame_id, parent = self._frame_of(event, kind)
        record = {
            'kind': kind,
            'frame': frame_id,
            'parent_frame': parent,
            'depth': event.depth,
            'function': event.code_qualname(),
            'source': self._source_name(event),
            'line': event.line_no,
            'changes': [[name, value] for name, value in event.variables],
            'text_start': text_start,
            'text_end': text_start + n_lines,
        }
        if event.comprehension_type:
            record['comprehension'] = event.comprehension_type
        if kind == 'return':
            record['value'] = _safe_cheap_repr(event.arg)
        elif kind == 'exception':
            record['value'] = _exception_text(event.arg)
        return record

    def _frame_of(self, event, kind):
        """Number frames in order of appearance; a call's parent is the running frame."""
        key = id(event.frame_info)
        if kind in ('call', 'enter') or key not in self._live:
            parent = self._stack[-1] if self._stack else None
            frame_id = self._next_frame
            self._next_frame += 1
            # holding the FrameInfo keeps its id from being reused while the frame runs
            self._live[key] = (event.frame_info, frame_id)
            self._stack.append(frame_id)
        else:
            parent = None
            frame_id = self._live[key][1]
        if kind in ('return', 'exit'):
            del self._live[key]
            self._stack.remove(frame_id)
        return frame_id, parent

    def _source_name(self, event):
        filename = event.code.co_filename
        name = (self.source_names or {}).get(filename, filename)
        if name not in self.sources:
            self.sources[name] = event.source.text or ''
        return name

    def _check_limits(self):
        limits = self.limits
        reason = None
        if limits.max_events is not None and len(self.events) > limits.max_events:
            reason, limit = 'max_events', limits.max_events
        elif limits.max_lines is not None and len(self.lines) > limits.max_lines:
            reason, limit = 'max_lines', limits.max_lines
        elif limits.max_bytes is not None and self.n_bytes > limits.max_bytes:
            reason, limit = 'max_bytes', limits.max_bytes
        if reason:
            at_event = len(self.events)
            self.truncated = {
                'reason': reason,
                'at_event': at_event,
                'message': 'trace truncated at {} events ({} > {})'.format(
                    at_event, reason.replace('max_', ''), limit),
            }
            if self.limits.stop_code:
                raise TraceLimitReached(self.truncated['message'])
            sys.settrace(None)  # events already under way are ignored by _record

    # -- result ------------------------------------------------------------------------

    @property
    def text(self):
        return ''.join(line + '\n' for line in self.lines)

    def document(self, title=None, return_value=None, error=None):
        truncated = self.truncated
        if truncated is None and self.events_left_out:
            truncated = {
                'reason': 'max_events',
                'at_event': len(self.events),
                'message': 'steps recorded for the first {} events only; the snoop text covers all {}'.format(
                    len(self.events), len(self.events) + self.events_left_out),
            }
        doc = {
            'version': TRACE_SCHEMA_VERSION,
            'sources': dict(self.sources),
            'events': list(self.events),
            'text': self.text,
            'truncated': truncated,
            'return_value': return_value,
            'error': error,
        }
        if title is not None:
            doc['title'] = title
        return doc


def _safe_cheap_repr(value):
    try:
        return my_cheap_repr(value)
    except Exception as exc:  # a repr that raises must not end the trace
        return '<repr failed: {}>'.format(type(exc).__name__)


def _exception_text(arg):
    try:
        exc_type, exc_value = arg[0], arg[1]
        return '{}: {}'.format(exc_type.__name__, exc_value)
    except Exception:
        return '<exception>'
