"""Every kept trace reproduces: each ``ok`` item is traced a second time, in another pool.

The second runs happen after the trace stage's own runs, in a second executor started for
them: for the local executor a new bubblewrap sandbox and a new pool process (a new fork
server, so a new address-space layout under ASLR, its own heap history and per-process
state), for Ray new actors. Each gets the same payload (without the structured trace, which
it does not need). An item whose status or normalised trace text (` at 0x…` addresses
removed) differs is ``nondeterministic``; select leaves it out unless asked to keep it.
Results go to ``rechecks.jsonl`` (``{id, nondeterministic, status, detail, cpu_ms}``),
appended as they come, so a killed job resumes (only items not in it yet are run again, and
no second pool is started when there are none).

What this catches: anything that differs between two runs of the same item in two pools —
``numpy.random``/``random`` without a seed, ``time``, ``os.urandom``, ``uuid``, ``id()`` and
address-based hashes or orderings that reach the printed values (a set of plain objects, the
hash of an object or of a ``typing`` alias: the pools' addresses differ), timing-dependent
branches. What it cannot catch: a difference that happens to repeat in both runs (a draw
that gives the same value twice, a clock read that lands in the same second, two addresses
that happen to agree), and anything that depends on the machine, the date or the
environment rather than the run (both pools share them).
"""

import re

from .jsonl import JsonlAppender, iter_jsonl, repair_torn_tail
from .trace_stage import trace_payload

ADDRESS = re.compile(r' at 0x[0-9a-fA-F]+')
# A second run stopped by a limit (a loaded machine's timeout, say) is not a reproduction
# either: such items count as nondeterministic, and are counted apart in the stats.
LIMIT_STATUSES = ('timeout', 'memory', 'crash', 'output_limit')
MAX_DETAIL = 300


def normalised(text):
    return ADDRESS.sub(' at 0x…', text or '')


def difference(first, second):
    """How the second run differs from the first record, or None when it reproduces."""
    if second.get('status') != first['status']:
        return 'status {} then {}'.format(first['status'], second.get('status'))
    a = normalised(first.get('trace')).split('\n')
    b = normalised((second.get('result') or {}).get('trace')).split('\n')
    for n, (x, y) in enumerate(zip(a, b), 1):
        if x != y:
            return 'line {}: {!r} then {!r}'.format(n, x[:120], y[:120])[:MAX_DETAIL]
    if len(a) != len(b):
        return '{} lines then {}'.format(len(a), len(b))
    return None


def recheck_id(item_id):
    return '{}#recheck'.format(item_id)


def recheck_traces(folder, open_executor, cfg, progress=None, counts=None):
    """Trace each ok item of ``traces.jsonl`` not yet in ``rechecks.jsonl`` again, in the
    executor ``open_executor()`` starts (a context manager; not started when nothing is left
    to recheck); append the verdicts; return ``recheck_stats``. ``counts`` (the trace stage's
    progress counts) gets ``rechecked`` and ``nondeterministic``."""
    repair_torn_tail(folder.rechecks)
    done = {rec['id'] for rec in iter_jsonl(folder.rechecks)}

    def to_recheck():
        return (record for record in iter_jsonl(folder.traces) if record['status'] == 'ok' and record['id'] not in done)

    if next(to_recheck(), None) is None:
        return recheck_stats(folder)
    pending = {}

    def tasks():
        for record in to_recheck():
            pending[recheck_id(record['id'])] = {'id': record['id'], 'status': record['status'],
                                                 'trace': record.get('trace')}
            payload = trace_payload(record, record, cfg.max_trace_lines, 'none', getattr(cfg, 'trace_format', None))
            yield recheck_id(record['id']), 'trace', payload, record.get('problem_id')

    counts = counts if counts is not None else {}
    with open_executor() as executor, JsonlAppender(folder.rechecks) as out:
        for report in executor.run(tasks()):
            first = pending.pop(report['id'], None)
            if first is None:
                continue  # a duplicate report
            detail = difference(first, report)
            out.write({'id': first['id'], 'nondeterministic': detail is not None,
                       'status': report.get('status'), 'detail': detail, 'cpu_ms': report.get('cpu_ms')})
            counts['rechecked'] = counts.get('rechecked', 0) + 1
            if detail is not None:
                counts['nondeterministic'] = counts.get('nondeterministic', 0) + 1
            if progress is not None:
                progress.advance(0, counts=dict(counts))
    return recheck_stats(folder)


def nondeterministic_ids(folder):
    return {rec['id'] for rec in iter_jsonl(folder.rechecks) if rec['nondeterministic']}


def recheck_stats(folder):
    """``{checked, nondeterministic, second_run_hit_a_limit, ids, second_run_cpu_s, trace_cpu_s,
    cpu_ratio}``: the
    second runs' CPU against the first runs' (every item's), both as the children's own."""
    checked, found, limited, ids, second_ms = 0, 0, 0, [], 0.0
    for rec in iter_jsonl(folder.rechecks):
        checked += 1
        second_ms += rec.get('cpu_ms') or 0.0
        if rec['nondeterministic']:
            found += 1
            limited += rec.get('status') in LIMIT_STATUSES
            if len(ids) < 1000:
                ids.append(rec['id'])
    first_ms = sum(rec.get('cpu_ms') or 0.0 for rec in iter_jsonl(folder.traces))
    return {'checked': checked, 'nondeterministic': found, 'second_run_hit_a_limit': limited, 'ids': ids, 'second_run_cpu_s': round(second_ms / 1000, 2), 'trace_cpu_s': round(first_ms / 1000, 2),
            'cpu_ratio': round(second_ms / first_ms, 3) if first_ms else None}
