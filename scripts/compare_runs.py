"""Do two job folders of the same input agree? (The reproducibility check of issue 11.)

    python scripts/compare_runs.py RUN_A RUN_B [--show 20]

Prints, as JSON: the ids each run selected and whether the sets are identical; among the ids
both selected, how many traces are byte-identical and how many are equal once ` at 0x…`
addresses are removed (the recheck's own normalisation); the items whose status differs
between the runs (by pair of statuses); each run's recheck figures from stats.json (checked,
nondeterministic, second-run CPU as a ratio of the trace stage's). Exit status 0 when the
selected ids and their normalised traces are identical, else 1.
"""

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'python'))

from groundtrace.pipeline.jsonl import iter_jsonl  # noqa: E402
from groundtrace.pipeline.recheck import normalised  # noqa: E402


def by_id(path, fields):
    return {rec['id']: {k: rec.get(k) for k in fields} for rec in iter_jsonl(str(path))}


def recheck_figures(folder):
    stats = json.loads((folder / 'stats.json').read_text())
    trace = stats['stages']['trace']
    figures = {k: v for k, v in (trace.get('recheck') or {}).items() if k != 'ids'}
    figures['statuses'] = trace.get('reasons')
    figures['trace_stage_wall_s'] = stats.get('timings_s', {}).get('trace')
    return figures


def compare(a, b, show=20):
    sel_a, sel_b = by_id(a / 'selected.jsonl', ('trace',)), by_id(b / 'selected.jsonl', ('trace',))
    both = sorted(set(sel_a) & set(sel_b))
    raw_same = sum(sel_a[i]['trace'] == sel_b[i]['trace'] for i in both)
    differing = [i for i in both if normalised(sel_a[i]['trace']) != normalised(sel_b[i]['trace'])]
    tr_a = by_id(a / 'traces.jsonl', ('status', 'error', 'cpu_ms'))
    tr_b = by_id(b / 'traces.jsonl', ('status', 'error', 'cpu_ms'))
    status_diff = [i for i in tr_a if i in tr_b and tr_a[i]['status'] != tr_b[i]['status']]
    return {
        'selected': [len(sel_a), len(sel_b)],
        'selected_ids_identical': set(sel_a) == set(sel_b),
        'only_in_a': sorted(set(sel_a) - set(sel_b))[:show],
        'only_in_b': sorted(set(sel_b) - set(sel_a))[:show],
        'traces_compared': len(both),
        'traces_byte_identical': raw_same,
        'traces_identical_without_addresses': len(both) - len(differing),
        'traces_differing': differing[:show],
        'items_in_both': sum(i in tr_b for i in tr_a),
        'status_differs': len(status_diff),
        'status_differs_by_pair': dict(Counter('{} / {}'.format(tr_a[i]['status'], tr_b[i]['status'])
                                               for i in status_diff)),
        'status_differs_examples': [dict(id=i, a=tr_a[i], b=tr_b[i]) for i in status_diff[:show]],
        'recheck': {'a': recheck_figures(a), 'b': recheck_figures(b)},
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('a', type=Path)
    parser.add_argument('b', type=Path)
    parser.add_argument('--show', type=int, default=20, help='list at most this many ids per kind')
    args = parser.parse_args(argv)
    result = compare(args.a, args.b, args.show)
    print(json.dumps(result, indent=2))
    agree = result['selected_ids_identical'] and not result['traces_differing']
    return 0 if agree else 1


if __name__ == '__main__':
    sys.exit(main())
