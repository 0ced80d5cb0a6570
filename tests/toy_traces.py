"""Trace records of toy problems, as the trace/select stages write them, for translation tests."""

import json
import signal

from groundtrace.tracer import trace_call


def _json_or_repr(value):
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError):
        return repr(value)


def trace_record(problem, pair_index=0, max_lines=300, time_limit=2.0):
    """Run in this process (main thread): toy code is trusted here, and time-limited."""
    pair = problem['ios'][pair_index]

    def too_slow(*_):
        raise TimeoutError('trace took too long')

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.setitimer(signal.ITIMER_REAL, time_limit, 0.05)  # again and again: code may swallow one
    try:
        result = trace_call(problem['refcode'], problem.get('funcname', 'main_solution'), pair['input'],
                            max_lines=max_lines)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    problem_id = problem['meta']['msgidx']
    record = {k: problem[k] for k in ('problem_description', 'io_requirements', 'refcode', 'funcname',
                                      'source', 'category', 'meta') if k in problem}
    record.update(id='{}_{}'.format(problem_id, pair_index), problem_id=problem_id, pair_index=pair_index,
                  input=pair['input'], expected_output=pair['output'],
                  status='ok' if result.ok else 'error', trace=result.text,
                  return_value=_json_or_repr(result.returned), n_lines=result.text.count('\n'))
    return record


# Toy problems whose first pair traces in well under a second into a short trace, no exception.
TOY_IDS = (849, 194, 413, 164, 393, 635, 77, 391, 780, 270, 403, 231, 439, 883, 848, 747, 789, 566, 535,
           619, 296, 851, 473, 178, 622, 693, 748, 658, 1026, 298)


def selected_records(toy_problems, n, ids=TOY_IDS):
    """Trace records of the first ``n`` of ``ids``, as ``selected.jsonl`` holds them."""
    records = [trace_record(toy_problems[i]) for i in ids[:n]]
    assert all(r['status'] == 'ok' for r in records), [r['id'] for r in records if r['status'] != 'ok']
    return records


def write_selected(folder, records):
    path = folder / 'selected.jsonl'
    with open(path, 'w') as f:
        for record in records:
            f.write(json.dumps(record) + '\n')
    return path
