"""The compact format's figures (issue 14) from job folders of the same input, one per format.

    python scripts/compact_figures.py COMPACT_JOB [SNOOP_JOB] [--lost FILE]

For each folder, as JSON: problems with pairs, select's groups (one per problem description)
and how many have a selected trace; item statuses; ok traces under the line limit; lines of
the selected traces (median, p90 by nearest rank); the trace stage's CPU (the items' own, from
traces.jsonl, and the recheck's, from stats.json); the compact job's folding counts
(stats.json stages.trace.folding); and the groups without a selected trace by the best reason
any of their items was not usable (select's own reasons, in the order ``LOSS_ORDER``: the
closest to usable first). ``--lost FILE`` writes, per lost group of the first folder, its
items' ids and reasons (JSONL), to rerun them.
"""

import argparse
import json
import math
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'python'))

from groundtrace.pipeline.job_folder import JobFolder  # noqa: E402
from groundtrace.pipeline.jsonl import iter_jsonl  # noqa: E402
from groundtrace.pipeline.recheck import nondeterministic_ids  # noqa: E402
from groundtrace.pipeline.selection import group_key, reject_reason  # noqa: E402
from groundtrace.pipeline.trace_format import RAW_LINES_FACTOR  # noqa: E402

# A lost group counts under the first of these that one of its items was rejected for.
LOSS_ORDER = ('nondeterministic', 'too_long', 'no_final_return', 'exception_line', 'status_too_long',
              'status_timeout', 'status_memory', 'status_error')
LOSS_WORDS = {
    'nondeterministic': 'usable but nondeterministic (recheck)',
    'too_long': 'ok, still at or over the line limit (after folding)',
    'no_final_return': 'ok, no final return line',
    'exception_line': 'ok, an exception shown (!!!)',
    'status_too_long': "stopped at the tracer's line cap (too_long: the limit in snoop, {} x it in compact)".format(
        RAW_LINES_FACTOR),
    'status_timeout': 'over the CPU limit (timeout)',
    'status_memory': 'over the memory limit',
    'status_error': 'error',
}


def nearest_rank(values, q):
    values = sorted(values)
    return values[max(0, math.ceil(q * len(values)) - 1)] if values else None


def figures(root, lost_path=None):
    folder = JobFolder(str(root))
    job = json.loads(Path(folder.job).read_text())
    max_lines = job['max_trace_lines']
    stats = json.loads(Path(folder.stats).read_text())
    problems = [p for p in iter_jsonl(folder.filtered) if p.get('input_output')]
    nondeterministic = nondeterministic_ids(folder)
    statuses, reasons = Counter(), Counter()
    groups = defaultdict(list)  # group -> [(id, reason)]
    ok = under = 0
    cpu_ms = 0.0
    for record in iter_jsonl(folder.traces):
        statuses[record['status']] += 1
        cpu_ms += record.get('cpu_ms') or 0
        if record['status'] == 'ok':
            ok += 1
            under += record['n_lines'] < max_lines
        reason = reject_reason(record, max_lines)
        if reason is None and record['id'] in nondeterministic and not job.get('keep_nondeterministic'):
            reason = 'nondeterministic'
        reasons[reason or 'usable'] += 1
        groups[group_key(record)].append((record['id'], reason))
    selected = list(iter_jsonl(folder.selected))
    chosen = {group_key(record) for record in selected}
    kept_lines = [record['n_lines'] for record in selected]
    lost = {key: items for key, items in groups.items() if key not in chosen}
    by_best = Counter()
    for items in lost.values():
        found = {reason for _, reason in items}
        by_best[next((r for r in LOSS_ORDER if r in found), 'other: ' + ','.join(sorted(map(str, found))))] += 1
    if lost_path:
        with open(lost_path, 'w') as f:
            for items in lost.values():
                f.write(json.dumps({'items': [{'id': i, 'reason': r} for i, r in items]}) + '\n')
    trace_stats = stats['stages'].get('trace', {})
    recheck = trace_stats.get('recheck') or {}
    return {
        'folder': str(root), 'trace_format': job.get('trace_format', 'snoop'), 'max_trace_lines': max_lines,
        'problems_with_pairs': len(problems), 'groups': len(groups), 'selected': len(selected),
        'items': sum(statuses.values()), 'statuses': dict(statuses.most_common()),
        'ok_traces': ok, 'ok_under_limit': under,
        'selected_lines': {'median': statistics.median(kept_lines) if kept_lines else None,
                           'p90': nearest_rank(kept_lines, 0.9), 'max': max(kept_lines, default=None)},
        'reasons': dict(reasons.most_common()),
        'lost_groups': len(lost),
        'lost_by_best_reason': {LOSS_WORDS.get(k, k): v for k, v in by_best.most_common()},
        'items_cpu_s': round(cpu_ms / 1000, 1),
        'recheck': {k: v for k, v in recheck.items() if k != 'ids'},
        'timings_s': stats.get('timings_s'),
        'folding': trace_stats.get('folding'),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('folders', nargs='+', type=Path)
    parser.add_argument('--lost', help='write the lost groups of the first folder here (JSONL)')
    args = parser.parse_args(argv)
    out = [figures(root, args.lost if k == 0 else None) for k, root in enumerate(args.folders)]
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == '__main__':
    main()
