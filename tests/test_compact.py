"""The compact trace format: folds long loops and repeated calls, invents nothing."""

import json
import multiprocessing
import os
import re
import signal
import statistics
from pathlib import Path

import jsonschema
import pytest

from groundtrace.compact import LEVELS, compact_levels, describe_values
from groundtrace.pipeline.trace_format import (
    EVENTS_PER_LINE,
    RAW_LINES_FACTOR,
    apply_format,
    folding_stats,
    tracer_limits,
)
from groundtrace.pipeline.trace_stage import document_events_cap
from groundtrace.tracer import trace_call
from groundtrace.verify import verify_narration

SCHEMA = json.loads((Path(__file__).parent.parent / 'python/groundtrace/schema/trace.schema.json').read_text())

LOOP = '''
def helper(x):
    return x * x

def main_solution(n):
    total = 0
    for i in range(n):
        j = 0
        while j < 2:
            j += 1
        total += helper(i)
    squares = [helper(k) for k in range(n)]
    return total
'''

NESTED = '''
def main_solution(n):
    count = 0
    for i in range(3):
        for j in range(n):
            count += i * j
    return count
'''


def _compact(source, kwargs, max_lines=300, raw_lines=None):
    raw_lines_of_job, max_events, doc_cap = tracer_limits('compact', max_lines, None)
    raw_lines = raw_lines or raw_lines_of_job
    result = trace_call(source, 'main_solution', kwargs, max_lines=raw_lines, max_events=max_events,
                        max_document_events=doc_cap)
    report = apply_format({'trace': result.text, 'document': result.document}, result, 'compact', max_lines)
    return result, report


# ---------------------------------------------------------------- the checker

_HEADER = re.compile(r'^ *\.{6,} \[(?:loop at line (\d+)|calls to (.+) at line (\d+)): '
                     r'(?:iterations|calls) (\d+) to (\d+) of (\d+) folded\]$')
_DETAIL = re.compile(r'^ *\.{6,} {5}(\S.*)$')
_CALL = re.compile(r'^ *\.{6,} \[call to (.+?) folded \((\d+) lines, (its path shown above|library code)\): '
                   r'(.*) -> returned (.*)\]$')
_RECURSION = re.compile(r'^ *\.{6,} \[recursion into (.+): levels (\d+) to (\d+) of (\d+) folded, the (calls|returns)\]$')
_SUFFIX = re.compile(r', (increasing|decreasing|changing (\d+) times(?: between (.+))?)$')


def _starts(events):
    """Each frame's first event (its call)."""
    return {e['frame']: e for e in events if e['kind'] in ('call', 'enter')}


def _recorded(events, first, end, starts=None):
    """What events [first, end) recorded: the fold's own frame's values by variable name, the
    arguments and returned values of the calls it made by function, and those calls' count."""
    frame = events[first]['frame']
    if events[first]['kind'] == 'call':  # a run of calls whose folded part starts with a call
        frame = events[first]['parent_frame']
    parents = {f: e.get('parent_frame') for f, e in (starts or _starts(events)).items()}
    values, returned, calls = {}, {}, {}
    for event in events[first:end]:
        if event['frame'] == frame:
            for name, value in event['changes']:
                values.setdefault(name, []).append(value)
        elif parents.get(event['frame']) == frame:
            _record_call_event(event, values, returned, calls)
    return values, returned, calls


def _record_call_event(event, values, returned, calls):
    """An event of a call the fold's own frame made: its arguments, count and returned value."""
    if event['kind'] == 'call':
        calls[event['function']] = calls.get(event['function'], 0) + 1
        for name, value in event['changes']:
            values.setdefault((event['function'], name), []).append(value)
    if event['kind'] == 'return' and 'value' in event:
        returned.setdefault(event['function'], []).append(event['value'])


def _recorded_levels(events, first, end, function, starts=None):
    """What events [first, end) of a folded recursion recorded: the levels' (frames of
    ``function`` called by ``function``) own values and arguments, returned values, and the
    arguments, returned values and count of the other calls the levels made."""
    frames = starts or _starts(events)
    levels = {e['frame'] for e in events[first:end] if e['function'] == function
              and frames[e['frame']].get('parent_frame') in frames
              and frames[frames[e['frame']]['parent_frame']]['function'] == function}
    children = {e['frame'] for e in events[first:end] if e['kind'] == 'call' and e.get('parent_frame') in levels}
    values, returned, calls = {}, {}, {}
    for event in events[first:end]:
        if event['frame'] in levels:
            for name, value in event['changes']:
                values.setdefault((function, name) if event['kind'] == 'call' else name, []).append(value)
            if event['kind'] == 'return' and 'value' in event:
                returned.setdefault(function, []).append(event['value'])
        elif event['frame'] in children:
            _record_call_event(event, values, returned, calls)
    return levels, values, returned, calls


class _Calls:
    """What the call-fold check asks of a document's events, computed once: each frame's path
    (the lines it ran) and last event, and per (function, path) the first call of it whose
    text a fold does not hide (so that a trace with thousands of folded calls checks in
    linear time)."""

    def __init__(self, events, folds):
        hidden = bytearray(max((f['snoop_end'] for f in folds), default=0) + 1)
        for f in folds:
            hidden[f['snoop_start']:f['snoop_end']] = b'\x01' * (f['snoop_end'] - f['snoop_start'])
        lines, self.last = {}, {}
        for k, e in enumerate(events):
            lines.setdefault(e['frame'], set()).add(e['line'])
            self.last[e['frame']] = k
        self.paths = {frame: frozenset(ls) for frame, ls in lines.items()}
        self.first_shown = {}
        for k, e in enumerate(events):
            if e['kind'] == 'call' and not (e['text_start'] < len(hidden) and hidden[e['text_start']]):
                self.first_shown.setdefault((e['function'], self.paths[e['frame']]), k)


def check_call_fold(events, fold, line, calls):
    """A folded call: one call, its arguments and returned value as recorded, its line count,
    and a call of the same function with the same path (lines run) shown before it, or code
    other than the traced code's own (the first event's). ``calls``: the document's ``_Calls``."""
    call = _CALL.match(line)
    assert call, line
    function, n_lines, reason, arguments, returned = call.groups()
    first, last = events[fold['first_event']], events[fold['end_event'] - 1]
    assert first['kind'] == 'call' and first['function'] == function, (first, line)
    assert last['kind'] == 'return' and last['frame'] == first['frame'], line
    assert calls.last[first['frame']] < fold['end_event'], line
    assert arguments == (', '.join('{} = {}'.format(n, v) for n, v in first['changes']) or 'no arguments'), line
    assert returned == last['value'], line
    assert int(n_lines) == fold['snoop_end'] - fold['snoop_start'], line
    if reason == 'library code':
        assert first['source'] != events[0]['source'], line
        return
    shown = calls.first_shown.get((function, calls.paths[first['frame']]))
    assert shown is not None and shown < fold['first_event'], \
        'no call of {} with that path shown before: {}'.format(function, line)


def _two_values(text, seen, separator):
    """Split ``text`` at one ``separator`` into two recorded values, or fail."""
    parts = text.split(separator)
    for k in range(1, len(parts)):
        a, b = separator.join(parts[:k]), separator.join(parts[k:])
        if a in seen and b in seen:
            return a, b
    raise AssertionError('{!r} is not two recorded values ({} recorded)'.format(text, len(seen)))


def check_summary_line(body, values, returned, calls):
    """Every value ``body`` prints is one recorded for that name in the fold's events."""
    if body.startswith('calls: '):
        for part in body[len('calls: '):].split(', '):
            function, n, _ = part.rsplit(' ', 2)
            assert calls.get(function) == int(n), (function, n, calls)
        return
    m = re.match(r"^(.+?) (ran through|went from|was set to|changed) (.*)$", body)
    assert m, body
    label, verb, rest = m.groups()
    if label.endswith(' returned values'):
        seen = returned[label[:-len(' returned values')]]
    elif "'s argument " in label:
        seen = values[tuple(label.split("'s argument ", 1))]
    else:
        seen = values[label]
    if verb == 'changed':
        assert re.fullmatch(r'\d+ times', rest)
    elif verb == 'was set to':
        assert rest in seen and set(seen) == {rest}, (body, seen[:5])
    elif verb == 'ran through':
        first, second, last = re.fullmatch(r'(-?\d+), (-?\d+), \.\.\., (-?\d+)', rest).groups()
        numbers = [int(v) for v in seen]
        step = int(second) - int(first)
        assert numbers[0] == int(first) and numbers[-1] == int(last)
        assert numbers == list(range(int(first), int(last) + step, step)), body
    else:
        suffix = _SUFFIX.search(rest)
        assert suffix, body
        first, last = _two_values(rest[:suffix.start()], seen, ' to ')
        assert (seen[0], seen[-1]) == (first, last), (body, seen[0], seen[-1])
        direction = suffix.group(1)
        numbers = [float(v) for v in seen] if direction in ('increasing', 'decreasing') else None
        if direction == 'increasing':
            assert all(a < b for a, b in zip(numbers, numbers[1:])), body
        elif direction == 'decreasing':
            assert all(a > b for a, b in zip(numbers, numbers[1:])), body
        else:
            assert int(suffix.group(2)) == len(seen)
            if suffix.group(3):
                _two_values(suffix.group(3), seen, ' and ')


def check_compact_document(document):
    """The compact text is snoop's lines with each fold's summary in place of the lines it
    covers, and every value a summary prints is one the full trace recorded there."""
    snoop = document['text'].split('\n')[:-1]
    compact = document['compact']
    text = compact['text'].split('\n')[:-1]
    events = document['events']
    rebuilt, at = [], 0
    call_index, starts = _Calls(events, compact['folds']), _starts(events)
    for fold in compact['folds']:
        assert fold['snoop_start'] == events[fold['first_event']]['text_start']
        assert fold['snoop_end'] == events[fold['end_event'] - 1]['text_end']
        rebuilt += snoop[at:fold['snoop_start']]
        assert len(rebuilt) == fold['text_start']
        summary = text[fold['text_start']:fold['text_end']]
        rebuilt += summary
        at = fold['snoop_end']
        if fold['kind'] == 'call':
            assert len(summary) == 1
            check_call_fold(events, fold, summary[0], call_index)
            continue
        if fold['kind'] in ('recursion', 'returns'):
            header = _RECURSION.match(summary[0])
            assert header, summary[0]
            function, a, b, total, part = header.groups()
            assert part == {'recursion': 'calls', 'returns': 'returns'}[fold['kind']], summary[0]
            first, last = (int(a), int(b)) if part == 'calls' else (int(b), int(a))
            levels, values, returned, calls = _recorded_levels(events, fold['first_event'], fold['end_event'], function, starts)
            assert len(levels) == last - first + 1, (summary[0], len(levels))
        else:
            header = _HEADER.match(summary[0])
            assert header, summary[0]
            first, last, total = (int(header.group(k)) for k in (4, 5, 6))
            values, returned, calls = _recorded(events, fold['first_event'], fold['end_event'], starts)
        assert (fold['first'], fold['count'], fold['total']) == (first, last - first + 1, int(total))
        for line in summary[1:]:
            detail = _DETAIL.match(line)
            assert detail, line
            check_summary_line(detail.group(1), values, returned, calls)
    rebuilt += snoop[at:]
    assert rebuilt == text


# ---------------------------------------------------------------- behaviour

def test_a_long_loop_shows_its_first_and_last_iterations_and_folds_the_rest():
    result, report = _compact(LOOP, {'n': 30})
    document = report['document']
    folds = document['compact']['folds']
    loop_folds = [f for f in folds if f['kind'] == 'loop']
    assert len(loop_folds) == 1
    head, tail, _ = LEVELS[0]
    assert (loop_folds[0]['first'], loop_folds[0]['count'], loop_folds[0]['total']) == (head + 1, 30 - head - tail, 30)
    text = report['trace']
    assert ' [loop at line 7: iterations 4 to 28 of 30 folded]' in text
    assert 'i ran through 3, 4, ..., 27' in text
    # the change a header event carries is the previous iteration's: 0+1+4 before i=3, up to i=26
    assert 'total went from 5 to 6201, increasing' in text
    assert 'calls: helper 25 times' in text
    # the shown iterations are snoop's own lines, and the trace still ends with the return
    assert '.......... i = 29' in text and text.rstrip().endswith('<<< Return value from main_solution: 8555')
    assert report['n_lines'] < result.text.count('\n') / 3
    check_compact_document(document)
    jsonschema.validate(document, SCHEMA)


def test_a_comprehension_calling_a_helper_folds_the_repeated_calls():
    _, report = _compact(LOOP, {'n': 30})
    calls = [f for f in report['document']['compact']['folds'] if f['kind'] == 'calls']
    assert len(calls) == 1 and calls[0]['line'] == 12 and calls[0]['total'] == 30
    assert "helper's argument x ran through 3, 4, ..., 27" in report['trace']
    assert 'helper returned values went from 9 to 729, increasing' in report['trace']


def test_a_short_loop_is_left_as_snoop_printed_it():
    result, report = _compact(LOOP, {'n': 3})
    assert report['document']['compact']['folds'] == []
    assert report['trace'] == result.text
    assert report['folding']['folds'] == 0


def test_loops_inside_shown_iterations_fold_by_the_same_rule():
    _, report = _compact(NESTED, {'n': 20})
    folds = report['document']['compact']['folds']
    assert [f['line'] for f in folds] == [5, 5, 5]  # the outer loop runs 3 times: shown, inner folded
    assert 'j ran through 3, 4, ..., 17' in report['trace']
    check_compact_document(report['document'])


def test_a_trace_over_the_limit_at_first_is_folded_harder():
    result, _ = _compact(LOOP, {'n': 40})
    document = result.document
    snoop_lines = result.text.split('\n')[:-1]
    sizes = [c.n_lines for c in compact_levels(document['events'], snoop_lines, document['sources'])]
    assert len(snoop_lines) > 900 and sizes == sorted(sizes, reverse=True) and len(set(sizes)) > 2
    chosen = []
    for max_lines in sorted(set(sizes) | {sizes[-1] - 1}, reverse=True):
        _, report = _compact(LOOP, {'n': 40}, max_lines=max_lines, raw_lines=len(snoop_lines) + 1)
        check_compact_document(report['document'])
        fits = [k for k, n in enumerate(sizes) if n < max_lines]
        level = fits[0] if fits else len(LEVELS) - 1  # the last level, though it does not fit
        assert report['n_lines'] == sizes[level]
        compact = report['document']['compact']
        assert (compact['head'], compact['tail']) == LEVELS[level][:2]
        assert any(f['kind'] == 'call' for f in compact['folds']) == (LEVELS[level][2] is not None)
        chosen.append(level)
    assert chosen[0] > 0 and chosen[-1] == len(LEVELS) - 1


def test_a_call_whose_path_was_shown_folds_into_its_arguments_and_returned_value():
    _, report = _compact(LOOP, {'n': 40}, max_lines=100)
    calls = [f for f in report['document']['compact']['folds'] if f['kind'] == 'call']
    assert calls and report['document']['compact']['head'] < len(calls)
    text = report['trace'].split('\n')
    line = text[calls[-1]['text_start']]
    assert line.endswith('[call to helper folded (5 lines, its path shown above): x = 39 -> returned 1521]')
    assert '>>> Call to helper' in report['trace']  # the first calls are shown in full
    check_compact_document(report['document'])


PUSH = '''
def push(stack, x):
    stack.append(x)

def main_solution(a, b, c):
    stack = []
    push(stack, a)
    push(stack, b)
    push(stack, c)
    return stack
'''


def test_a_call_whose_last_line_changed_a_variable_folds_too():
    # snoop prints ``stack = [1, 2]`` (the change push's last line made) with the return
    # event, before its ``<<< Return value`` line; the caller's next line shows it again
    result, report = _compact(PUSH, {'a': 1, 'b': 2, 'c': 3}, max_lines=30)
    lines = report['trace'].split('\n')
    assert '     ...... [call to push folded (7 lines, its path shown above): stack = [1], x = 2 -> returned None]' in lines
    assert '     ...... [call to push folded (7 lines, its path shown above): stack = [1, 2], x = 3 -> returned None]' in lines
    assert ' .......... stack = [1, 2]' in lines and report['n_lines'] < result.text.count('\n')
    check_compact_document(report['document'])


# Nine helper definitions: snoop traces as many levels deep as the code has ``def``s (the
# original's depth rule), so a recursion shows only when there are enough of them.
RECURSION = '''
def fact(n):
    if n <= 1:
        return 1
    rest = fact(n - 1)
    return n * rest
''' + ''.join('\ndef unused_{}():\n    pass\n'.format(k) for k in range(9)) + '''
def main_solution(n):
    return fact(n)
'''


def test_a_deep_recursion_shows_its_first_and_last_levels_and_folds_the_middle():
    result, report = _compact(RECURSION, {'n': 10})
    folds = report['document']['compact']['folds']
    assert [f['kind'] for f in folds] == ['recursion', 'returns']
    head, tail, _ = LEVELS[0]
    assert all((f['first'], f['count'], f['total']) == (head + 1, 10 - head - tail, 10) for f in folds)
    text = report['trace']
    assert '[recursion into fact: levels 4 to 8 of 10 folded, the calls]' in text
    assert "fact's argument n ran through 7, 6, ..., 3" in text
    assert '[recursion into fact: levels 8 to 4 of 10 folded, the returns]' in text
    assert 'fact returned values went from 6 to 5040, increasing' in text
    # the levels below the fold are shown with their nesting, down to the base case
    assert '        ...... n = 2' in text and '        <<< Return value from fact: 1' in text
    assert report['n_lines'] < 0.6 * result.text.count('\n')
    check_compact_document(report['document'])
    jsonschema.validate(report['document'], SCHEMA)


def test_the_snoop_format_is_unchanged():
    raw_lines, max_events, doc_cap = tracer_limits('snoop', 300, 3000)
    assert (raw_lines, max_events, doc_cap) == (300, None, 3000)
    result = trace_call(LOOP, 'main_solution', {'n': 30}, max_lines=raw_lines)
    report = apply_format({'trace': result.text, 'document': result.document}, result, 'snoop', 300)
    assert report == {'trace': result.text, 'document': result.document}


def test_a_compact_trace_runs_past_the_line_limit_and_one_past_its_cap_keeps_a_snoop_sized_document():
    raw_lines, max_events, doc_cap = tracer_limits('compact', 300, 3000)
    assert (raw_lines, max_events, doc_cap) == (300 * RAW_LINES_FACTOR, 300 * RAW_LINES_FACTOR * EVENTS_PER_LINE, None)
    result, report = _compact(LOOP, {'n': 400}, max_lines=20)  # stops past 20 x RAW_LINES_FACTOR lines
    assert result.truncated and len(result.document['events']) > document_events_cap(20)
    document = report['document']
    assert document['events'] == result.document['events'][:document_events_cap(20)]
    assert document['text'] == ''.join(line + '\n' for line in result.text.split('\n')[:document['events'][-1]['text_end']])
    assert document['truncated'] == result.document['truncated'] and 'compact' not in document
    jsonschema.validate(document, SCHEMA)


def test_describe_values_says_only_what_the_values_show():
    assert describe_values('i', ['2', '4', '6']) == 'i ran through 2, 4, ..., 6'
    assert describe_values('s', ["'a'", "'ab'"]) == "s went from 'a' to 'ab', changing 2 times"
    assert describe_values('x', ['1.5', '0.5']) == 'x went from 1.5 to 0.5, decreasing'
    assert describe_values('x', ['3', '1', '2']) == 'x went from 3 to 2, changing 3 times between 1 and 3'
    assert describe_values('a', ['array([1,\n 2])', 'array([2])']) == 'a changed 2 times'
    assert describe_values('f', ['True', 'True']) == 'f was set to True'


def test_folding_stats_count_folded_traces_and_lines():
    records = [
        {'status': 'ok', 'n_lines': 40, 'folding': {'folds': 2, 'snoop_lines': 900}},
        {'status': 'ok', 'n_lines': 20, 'folding': {'folds': 0, 'snoop_lines': 20}},
        {'status': 'too_long', 'n_lines': 0},
    ]
    stats = folding_stats(records, max_lines=300)
    assert stats['traces'] == 2 and stats['folded'] == 1
    assert stats['under_limit'] == {'snoop': 1, 'compact': 2}
    assert stats['snoop_lines']['sum'] == 920 and stats['compact_lines']['sum'] == 60


def _compact_record(n):
    result, report = _compact(LOOP, {'n': n})
    return {'problem_description': 'Sum of squares.', 'io_requirements': 'n: int', 'refcode': LOOP,
            'funcname': 'main_solution', 'input': {'n': n}, 'status': 'ok',
            'return_value': {'repr': repr(result.returned), 'json': result.returned},
            'trace': report['trace'], 'snoop_trace': report['snoop_trace']}


def test_a_value_only_inside_a_fold_is_grounded_by_the_full_trace():
    record = _compact_record(30)
    assert 'total = 1015' not in record['trace'] and 'total = 1015' in record['snoop_trace']
    narration = 'After i = 14 the total is 1015, and at the end it is 8555.\nFinal answer: 8555'
    verdict = verify_narration(narration, record)
    assert verdict['verdict'] == 'pass'
    assert verdict['evidence']['values_grounded'] == 4 and verdict['evidence']['ungrounded'] == []  # 14, 1015, 8555 twice
    without_full_trace = dict(record, snoop_trace='')
    assert [u['value'] for u in verify_narration(narration, without_full_trace)['evidence']['ungrounded']] == ['14', '1015']


def test_a_value_the_execution_never_held_is_not_grounded_in_the_compact_format():
    record = _compact_record(30)
    narration = 'After i = 14 the total is 1016; after i = 15 it is 1241; then 1457.\nFinal answer: 8555'
    verdict = verify_narration(narration, record)
    assert [u['value'] for u in verdict['evidence']['ungrounded']] == ['1016', '1241', '1457']
    assert verdict['verdict'] == 'ungrounded'


def test_the_answer_is_checked_against_the_executed_value_not_the_text():
    record = _compact_record(30)
    assert verify_narration('So the sum is 8554.\nFinal answer: 8554', record)['verdict'] == 'wrong_answer'


# ---------------------------------------------------------------- the whole toy file

# The toy pass stops traces at this many snoop lines (the job allows 30,000) to keep its CPU
# cost in CI to about a minute; the folds of longer traces follow the same rules.
TOY_RAW_LINES = 1500


def _check_one(problem):
    """In a forked child (a timeout inside a repr makes cheap_repr suppress that type for
    good, so no item may change the process the next one runs in): trace the problem's first
    pair in the compact format and check it; a short summary comes back."""
    stopped = []

    def too_slow(*_):
        if not stopped:
            raise TimeoutError

    # CPU time, not wall time (a loaded machine must not time items out), again and again
    # (code may swallow one); inert once the item is done or stopped.
    signal.signal(signal.SIGVTALRM, too_slow)
    signal.setitimer(signal.ITIMER_VIRTUAL, 2.0, 0.05)
    try:
        result, report = _compact(problem['refcode'], problem['ios'][0]['input'], raw_lines=TOY_RAW_LINES)
        stopped.append('done')
    except BaseException:  # the time limit, wherever it struck
        stopped.append('timeout')
        return 'timeout', None
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
    if result.truncated or 'folding' not in report:
        return 'not_finished', None
    if not report['document']['compact']['folds']:
        return 'no_fold', None
    try:
        check_compact_document(report['document'])
    except AssertionError as exc:
        return 'invented', '{}: {}'.format(problem['meta']['msgidx'], str(exc)[:500])
    return 'folded', (report['folding']['snoop_lines'], report['n_lines'])


def _documents_of_run(folder):
    with open(Path(folder) / 'documents.jsonl') as f:
        for line in f:
            if line.endswith('\n'):  # a running job's last line may be torn
                yield json.loads(line)


@pytest.mark.timeout(900)
def test_every_value_a_folded_toy_trace_prints_is_in_its_full_trace(toy_problems):
    """For every toy trace with a fold, each printed line is snoop's, or a summary whose values
    the fold's events recorded. The first pair of every toy problem is traced here (up to
    TOY_RAW_LINES); GROUNDTRACE_COMPACT_RUN=<job folder> checks that job's documents instead."""
    outcomes = {}
    lines = []
    run = os.environ.get('GROUNDTRACE_COMPACT_RUN')
    if run:
        for record in _documents_of_run(run):
            document = record['document']
            if not (document.get('compact') or {}).get('folds'):
                continue
            try:
                check_compact_document(document)
                outcomes.setdefault('folded', []).append(record['id'])
            except AssertionError as exc:
                outcomes.setdefault('invented', []).append('{}: {}'.format(record['id'], str(exc)[:500]))
    else:
        problems = [p for p in toy_problems.values() if p['ios'] and 'random' not in p['refcode']]
        with multiprocessing.get_context('fork').Pool(2, maxtasksperchild=1) as pool:
            for outcome, detail in pool.imap_unordered(_check_one, problems, chunksize=1):
                outcomes.setdefault(outcome, []).append(detail)
                if outcome == 'folded':
                    lines.append(detail)
    counts = {k: len(v) for k, v in outcomes.items()}
    print('compact toy check:', counts, 'median lines snoop → compact:',
          statistics.median(a for a, _ in lines) if lines else '-',
          statistics.median(b for _, b in lines) if lines else '-')
    assert not outcomes.get('invented'), outcomes['invented'][:5]
    assert counts.get('folded', 0) > 200
