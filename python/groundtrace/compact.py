"""The compact trace format: snoop's text with long loops and repeated calls folded.

Built from the recorder's events (every event of the run, with the range of snoop text
lines it printed), so it is deterministic and needs no parsing of text. A loop that runs
many iterations keeps its first ``head`` and last ``tail`` iterations as snoop printed them
and folds the ones between into a few summary lines: which iterations, then one line per
variable of the frame that changed in them — a loop counter as a range (``i ran through 2,
3, ..., 97``), any other value by its first and last value and, for numbers, its direction.
Runs of calls to the same function from the same line (a comprehension calling a helper)
fold the same way. A linear recursion (each level the only call of its function that the
level above made) shows its first ``head`` and last levels in full and folds the middle
levels twice, their calls going in and their returns coming out, with the levels below
shown between the two at their own depth. When the text is still too long, a call whose
path (the lines it ran) was already shown ``head`` times folds into one line: its arguments
and its returned value; at the last level so does every call into library code. Shown iterations and calls keep their nesting: a loop inside them
folds by the same rule. Every other line is snoop's line, unchanged.

Each fold says which events (``first_event``..``end_event``) and which snoop lines it
covers, so a viewer can expand it; every value a summary line prints is a value those
events recorded (``tests/test_compact.py`` checks this over the toy data).
"""

import ast
import re
from dataclasses import dataclass, field

# (head, tail, fold_calls): iterations (calls, recursion levels) shown around a fold, and
# which calls fold into one line: None, 'repeated' (a call whose path was shown ``head``
# times), 'library' (those and every call into code other than the traced code's own, the
# standard library's); tried in order until the text fits the limit.
LEVELS = ((3, 2, None), (3, 2, 'repeated'), (2, 1, 'repeated'), (1, 1, 'repeated'), (1, 0, 'repeated'),
          (1, 0, 'library'))
REASONS = {'repeated': 'its path shown above', 'library': 'library code'}
MIN_FOLDED = 2  # fold only two iterations or more (one is cheaper to show)
MAX_UNIT_EVENTS = 50  # own events before a call for it to count as one of a run of calls

_INT = re.compile(r'-?\d+')
_FLOAT = re.compile(r'-?\d+\.\d*(?:[eE][-+]?\d+)?|-?\d+[eE][-+]?\d+')


@dataclass
class Loop:
    header: int  # the line of the for/while statement
    end: int  # its last line (body and else clause)
    dots: str  # snoop's dots for variables of the body


@dataclass
class Frame:
    """One traced call: its own events (ints) and the frames it called, in order."""
    id: int
    parent: object  # the calling Frame, or None
    depth: int
    source: str
    function: str
    items: list = field(default_factory=list)

    def last_event(self):
        last = self.items[-1]
        while isinstance(last, Frame):
            last = last.items[-1]
        return last


@dataclass
class CompactTrace:
    text: str
    folds: list
    head: int
    tail: int

    @property
    def n_lines(self):
        return self.text.count('\n')

    def record(self):
        """The document's ``compact`` field (schema ``CompactTrace``)."""
        return {'text': self.text, 'folds': self.folds, 'head': self.head, 'tail': self.tail}


def compact_trace(events, lines, sources, max_lines=None):
    """The compact text of a recorded trace: the most detailed level of ``LEVELS`` whose
    text has fewer than ``max_lines`` lines (the last level when none has)."""
    result = None
    for result in compact_levels(events, lines, sources):
        if max_lines is None or result.n_lines < max_lines:
            break
    return result


def compact_levels(events, lines, sources):
    """The compact text at each level of ``LEVELS`` in turn (built only as far as asked)."""
    roots = _frames(events)
    loops = {name: _loops_of(text) for name, text in sources.items()}
    for head, tail, fold_calls in LEVELS:
        yield _Compactor(events, lines, loops, head, tail, fold_calls).run(roots)


def _frames(events):
    frames, roots = {}, []
    for index, event in enumerate(events):
        frame = frames.get(event['frame'])
        if frame is None:
            parent = frames.get(event.get('parent_frame'))
            frame = frames[event['frame']] = Frame(event['frame'], parent, event['depth'], event['source'],
                                                   event['function'])
            (parent.items if parent is not None else roots).append(frame)
        frame.items.append(index)
    return roots


def _loops_of(source):
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    lines = source.splitlines()
    loops = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)) and node.body:
            body_line = lines[node.body[0].lineno - 1] if node.body[0].lineno <= len(lines) else ''
            leading = body_line[:len(body_line) - len(body_line.lstrip())]
            loops[node.lineno] = Loop(node.lineno, node.end_lineno, leading.replace(' ', '.').replace('\t', '....'))
    return loops


class _Compactor:
    def __init__(self, events, lines, loops, head, tail, fold_calls):
        self.events, self.lines, self.loops = events, lines, loops
        self.head, self.tail, self.fold_calls = head, tail, fold_calls
        self.deepest = max(1, tail)  # a recursion's levels shown at the bottom (its base case at least)
        self.out = []
        self.folds = []
        self.shown_paths = {}  # (function, path) -> calls shown in full so far
        self.folded_paths = {}  # (function, path) -> calls folded so far
        self.recursions = {}  # id of a chain's first folded level -> the chain
        self.keep_whole = set()  # ids of a chain's last levels (shown in full whatever their path)

    def run(self, roots):
        self.own_source = roots[0].source if roots else None
        for frame in roots:
            self._frame(frame)
        return CompactTrace(''.join(line + '\n' for line in self.out), self.folds, self.head, self.tail)

    # -- walking -------------------------------------------------------------------

    def _own(self, item):
        return None if isinstance(item, Frame) else self.events[item]

    def _sequence(self, frame, items, inside):
        """Emit ``items`` of ``frame``; ``inside`` is the loop whose iteration they are."""
        loops = self.loops.get(frame.source, {})
        i = 0
        while i < len(items):
            event = self._own(items[i])
            loop = loops.get(event['line']) if event is not None and event['kind'] == 'line' else None
            if loop is not None and loop is not inside and (
                    inside is None or inside.header < loop.header <= inside.end):
                end = self._loop_end(items, i, loop)
                self._loop(frame, items[i:end], loop)
                i = end
                continue
            run_end = self._call_run_end(items, i)
            if run_end is not None:
                self._call_run(frame, items, i, run_end)
                i = run_end
                continue
            self._item(items[i])
            i += 1

    def _item(self, item):
        if isinstance(item, Frame):
            self._frame(item)
        else:
            event = self.events[item]
            self.out.extend(self.lines[event['text_start']:event['text_end']])

    def _frame(self, frame):
        """Emit one call: a recursion's folded levels, a folded body (a path already shown
        ``head`` times), or in full (a recursion starting here marks its levels to fold)."""
        chain = self.recursions.pop(id(frame), None)
        if chain is not None:
            self._recursion(chain)
            return
        key = (frame.function, self._path(frame))
        if self.fold_calls and frame.id not in self.keep_whole:
            reason = 'library' if self.fold_calls == 'library' and frame.source != self.own_source else 'repeated'
            if (reason == 'library' or self.shown_paths.get(key, 0) >= self.head) and self._call_fold(frame, key, reason):
                return
        self.shown_paths[key] = self.shown_paths.get(key, 0) + 1
        if frame.parent is None or frame.parent.function != frame.function:
            chain = self._chain(frame)
            if len(chain) - self.head - self.deepest >= MIN_FOLDED:
                self.recursions[id(chain[self.head])] = chain
                self.keep_whole.update(level.id for level in chain[len(chain) - self.deepest:])
        self._sequence(frame, frame.items, None)

    def _path(self, frame):
        return frozenset(self.events[item]['line'] for item in frame.items if not isinstance(item, Frame))

    def _loop_end(self, items, start, loop):
        for k in range(start + 1, len(items)):
            event = self._own(items[k])
            if event is None:
                continue
            if event['kind'] == 'return' or not loop.header <= event['line'] <= loop.end:
                return k
        return len(items)

    def _loop(self, frame, items, loop):
        segments = []
        for item in items:
            event = self._own(item)
            if event is not None and event['kind'] == 'line' and event['line'] == loop.header:
                segments.append([])
            segments[-1].append(item)
        # The last check of the condition (or of the iterator) runs no body.
        exit_segment = []
        if len(segments) > 1 and all(self._own(it) is not None and self._own(it)['line'] == loop.header
                                     for it in segments[-1]):
            exit_segment = segments.pop()
        n = len(segments)
        head, tail = self.head, self.tail
        if n - head - tail >= MIN_FOLDED:
            folded = segments[head:n - tail]
            shown_before, shown_after = segments[:head], segments[n - tail:]
        else:
            folded, shown_before, shown_after = [], segments, []
        for segment in shown_before:
            self._sequence(frame, segment, loop)
        if folded:
            flat = [it for segment in folded for it in segment]
            summary = self._summary(frame, flat, loop.dots, '[loop at line {}: iterations {} to {} of {} folded]'.format(
                loop.header, head + 1, n - tail, n))
            self._fold('loop', flat, summary, line=loop.header, count=len(folded), total=n, first=head + 1)
        for segment in shown_after:
            self._sequence(frame, segment, loop)
        if exit_segment:
            self._sequence(frame, exit_segment, loop)

    # -- repeated calls -------------------------------------------------------------

    def _units(self, items, start):
        """Split ``items[start:]`` into units, each some own events and then one frame they
        called (own events after the last frame end the units)."""
        unit = []
        for k in range(start, len(items)):
            unit.append(k)
            if isinstance(items[k], Frame):
                yield unit
                unit = []
            elif len(unit) > MAX_UNIT_EVENTS:  # not a repeated call's shape (and keeps this linear)
                return

    def _signature(self, items, unit):
        lines = tuple(self.events[items[k]]['line'] for k in unit[:-1])
        return lines, self.events[items[unit[-1]].items[0]]['function']

    def _call_run_end(self, items, start):
        """End of a run of same-shape units starting at ``start`` that is worth folding."""
        count, first, end = 0, None, None
        for unit in self._units(items, start):
            signature = self._signature(items, unit)
            if first is not None and signature != first:
                break
            first = signature
            count += 1
            end = unit[-1] + 1
        if count - self.head - self.tail >= MIN_FOLDED:
            return end
        return None

    def _call_run(self, frame, items, start, end):
        run = items[start:end]
        units = list(self._units(run, 0))
        n = len(units)
        head, tail = self.head, self.tail
        before = [run[k] for unit in units[:head] for k in unit]
        flat = [run[k] for unit in units[head:n - tail] for k in unit]
        after = [run[k] for unit in units[n - tail:] for k in unit]
        for item in before:
            self._item(item)
        function = self.events[flat[-1].items[0]]['function']
        # the line the calls come from: the last own event printed before the folded ones
        own = [it for it in items[:start] + before + flat if not isinstance(it, Frame)]
        line = self.events[own[-1]]['line'] if own else self.events[flat[-1].items[0]]['line']
        summary = self._summary(frame, flat, _dots_of(self.lines, self.events, own[::-1]),
                                '[calls to {} at line {}: calls {} to {} of {} folded]'.format(
                                    function, line, head + 1, n - tail, n))
        self._fold('calls', flat, summary, line=line, count=n - head - tail, total=n, first=head + 1)
        for item in after:
            self._item(item)

    # -- repeated calls of one path, recursion ----------------------------------------

    def _call_fold(self, frame, key, reason):
        """Fold a whole call (its path, the lines it ran, shown ``head`` times, or library
        code) into one line: its arguments and its returned value. False for a call that did
        not return."""
        first, last = frame.items[0], frame.items[-1]
        if isinstance(first, Frame) or isinstance(last, Frame) or self.events[last]['kind'] != 'return' \
                or 'value' not in self.events[last]:
            return False
        end = self.events[last]
        # its last line: the changes its last line made come first (snoop prints a line's
        # changes with the next event)
        if end['text_end'] <= end['text_start'] or \
                not self.lines[end['text_end'] - 1].lstrip().startswith('<<< Return value from '):
            return False  # a generator's yield, or an exception
        start = self.events[first]
        if '\n' in end['value'] or any('\n' in value for _, value in start['changes']):
            return False  # a multi-line repr (an array) would not make one line
        n_lines = end['text_end'] - start['text_start']
        number = self.shown_paths.get(key, 0) + self.folded_paths.get(key, 0) + 1
        self.folded_paths[key] = self.folded_paths.get(key, 0) + 1
        self._fold('call', frame.items, [self._prefix(frame.depth) + call_line(
            frame.function, n_lines, start['changes'], end['value'], reason)], line=start['line'],
            count=1, total=number, first=number)
        return True

    def _chain(self, frame):
        """The levels of a linear recursion from ``frame``: each the only call of the
        function that the level above made."""
        chain = [frame]
        while True:
            inner = [item for item in chain[-1].items if isinstance(item, Frame) and item.function == frame.function
                     and item.source == frame.source]
            if len(inner) != 1:
                return chain
            chain.append(inner[0])

    def _recursion(self, chain):
        """Levels ``head``.. of a recursion up to its last ``tail``: their calls going in fold
        into one summary, the levels below are shown, and their returns fold into another."""
        n, head, tail = len(chain), self.head, self.deepest
        top, bottom = chain[head], chain[n - tail]
        levels = {level.id for level in chain[head:n - tail]}
        function, depth = top.function, top.depth
        caller = [it for it in chain[head - 1].items[:chain[head - 1].items.index(top)] if not isinstance(it, Frame)]
        line = self.events[caller[-1]]['line'] if caller else self.events[top.items[0]]['line']
        going_in = list(range(top.items[0], bottom.items[0]))
        self._fold('recursion', going_in, self._levels_summary(
            going_in, levels, depth, '[recursion into {}: levels {} to {} of {} folded, the calls]'.format(
                function, head + 1, n - tail, n)), line=line, count=n - tail - head, total=n, first=head + 1)
        self._frame(bottom)
        coming_out = list(range(bottom.last_event() + 1, top.last_event() + 1))
        self._fold('returns', coming_out, self._levels_summary(
            coming_out, levels, depth, '[recursion into {}: levels {} to {} of {} folded, the returns]'.format(
                function, n - tail, head + 1, n)), line=line, count=n - tail - head, total=n, first=head + 1)

    def _levels_summary(self, events, levels, depth, title):
        """Summary lines of a recursion's folded events: the levels' arguments, own values and
        returned values, and the arguments, returned values and count of the other calls they made."""
        children = {self.events[index]['frame'] for index in events
                    if self.events[index]['kind'] == 'call' and self.events[index].get('parent_frame') in levels}
        values, calls, returned = {}, {}, {}
        for index in events:
            event = self.events[index]
            if event['frame'] in levels:
                function = event['function'] if event['kind'] == 'call' else None
                for name, value in event['changes']:
                    values.setdefault((function, name), []).append(value)
                if event['kind'] == 'return' and 'value' in event:
                    returned.setdefault(event['function'], []).append(event['value'])
            elif event['frame'] in children:
                if event['kind'] == 'call':
                    calls[event['function']] = calls.get(event['function'], 0) + 1
                    for name, value in event['changes']:
                        values.setdefault((event['function'], name), []).append(value)
                elif event['kind'] == 'return' and 'value' in event:
                    returned.setdefault(event['function'], []).append(event['value'])
        return self._summary_lines(self._prefix(depth), title, values, calls, returned)

    # -- folds -----------------------------------------------------------------------

    def _span(self, items):
        first = items[0] if not isinstance(items[0], Frame) else items[0].items[0]
        last = items[-1]
        while isinstance(last, Frame):
            last = last.items[-1]
        return first, last + 1

    def _fold(self, kind, items, summary, **counts):
        first_event, end_event = self._span(items)
        start = len(self.out)
        self.out.extend(summary)
        self.folds.append(dict(
            kind=kind, first_event=first_event, end_event=end_event,
            snoop_start=self.events[first_event]['text_start'], snoop_end=self.events[end_event - 1]['text_end'],
            text_start=start, text_end=len(self.out), **counts))

    @staticmethod
    def _prefix(depth, dots=''):
        return '    ' * depth + ' ......' + dots + ' '

    def _summary(self, frame, items, dots, title):
        values, calls, returned = {}, {}, {}
        for item in items:
            if isinstance(item, Frame):
                call = self.events[item.items[0]]
                calls[call['function']] = calls.get(call['function'], 0) + 1
                for name, value in call['changes']:
                    values.setdefault((call['function'], name), []).append(value)
                end = self.events[item.items[-1]]
                if end['kind'] == 'return' and 'value' in end:
                    returned.setdefault(call['function'], []).append(end['value'])
            else:
                for name, value in self.events[item]['changes']:
                    values.setdefault((None, name), []).append(value)
        return self._summary_lines(self._prefix(frame.depth, dots), title, values, calls, returned)

    @staticmethod
    def _summary_lines(prefix, title, values, calls, returned):
        lines = [prefix + title]
        for (function, name), seen in values.items():
            label = name if function is None else "{}'s argument {}".format(function, name)
            lines.append(prefix + '    ' + describe_values(label, seen))
        for function, seen in returned.items():
            lines.append(prefix + '    ' + describe_values('{} returned values'.format(function), seen))
        if calls:
            lines.append(prefix + '    calls: ' + ', '.join(
                '{} {} {}'.format(function, n, 'time' if n == 1 else 'times') for function, n in calls.items()))
        return lines


def _dots_of(lines, events, items):
    """snoop's dots for the source line the first printed own event of ``items`` shows."""
    text = ''
    for item in items:
        if not isinstance(item, Frame) and events[item]['text_end'] > events[item]['text_start']:
            text = lines[events[item]['text_end'] - 1]
            break
    source_part = text.split(' | ', 1)[1] if ' | ' in text else ''
    leading = source_part[:len(source_part) - len(source_part.lstrip())]
    return leading.replace(' ', '.').replace('\t', '....')


def _number(text):
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    return None


def call_line(function, n_lines, arguments, returned, reason):
    """The one line of a folded call: the function, the lines folded and why, its arguments
    (as its call event recorded them) and the value it returned."""
    return '[call to {} folded ({} lines, {}): {} -> returned {}]'.format(
        function, n_lines, REASONS[reason], ', '.join('{} = {}'.format(name, value) for name, value in arguments) or 'no arguments',
        returned)


def describe_values(name, values):
    """One summary line for the values a variable took, in order (reprs as recorded)."""
    if any('\n' in v for v in values):
        return '{} changed {} times'.format(name, len(values))
    distinct = list(dict.fromkeys(values))
    if len(distinct) == 1:
        return '{} was set to {}'.format(name, values[0])
    numbers = [_number(v) for v in values]
    if all(n is not None for n in numbers):
        steps = {b - a for a, b in zip(numbers, numbers[1:])}
        if len(values) >= 3 and all(isinstance(n, int) for n in numbers) and len(steps) == 1 and 0 not in steps:
            return '{} ran through {}, {}, ..., {}'.format(name, values[0], values[1], values[-1])
        if all(s > 0 for s in steps):
            return '{} went from {} to {}, increasing'.format(name, values[0], values[-1])
        if all(s < 0 for s in steps):
            return '{} went from {} to {}, decreasing'.format(name, values[0], values[-1])
        low = values[numbers.index(min(numbers))]
        high = values[numbers.index(max(numbers))]
        return '{} went from {} to {}, changing {} times between {} and {}'.format(
            name, values[0], values[-1], len(values), low, high)
    return '{} went from {} to {}, changing {} times'.format(name, values[0], values[-1], len(values))
