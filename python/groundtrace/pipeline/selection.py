"""Stage 3, select: the original's trace filter and per-problem sampling (SPEC §3.3)."""

import hashlib
import heapq
import json
from collections import Counter

from .jsonl import AtomicJsonlWriter
from .run_options import DEFAULTS
from .trace_stage import RETURN_MARK


def reject_reason(record, max_lines):
    """Why a trace record is not usable for training, or None if it is."""
    if record['status'] != 'ok':
        return 'status_' + record['status']
    trace = record['trace']  # the format the job writes: its lines are what the limit counts
    if '!!!' in record.get('snoop_trace', trace):  # a folded iteration's exception counts too
        return 'exception_line'
    lines = trace.strip().split('\n')
    if not lines[-1].strip().startswith(RETURN_MARK.format(record.get('funcname', 'main_solution'))):
        return 'no_final_return'
    if len(lines) >= max_lines:
        return 'too_long'
    return None


def _rank(seed, item_id):
    return hashlib.sha256('{}:{}'.format(seed, item_id).encode()).digest()[:8]


def group_key(record):
    """What ``per_problem`` counts per: PyEdu's problem description (as the original), the
    problem id for other sources (their descriptions may be one generic question)."""
    if record.get('format', 'pyedu') == 'pyedu':
        text = record['problem_description']
    else:
        text = '{}\0{}'.format(record.get('format'), record.get('problem_id'))
    return hashlib.sha256(text.encode('utf-8', 'surrogatepass')).digest()


def select_traces(traces_path, selected_path, *, per_problem=DEFAULTS['traces_per_problem'],
                  max_lines=DEFAULTS['max_trace_lines'], seed=DEFAULTS['seed'],
                  require_output_match=False, progress=None, nondeterministic=frozenset(),
                  keep_nondeterministic=False):
    """Write ``selected.jsonl``: per problem (``group_key``), ``per_problem`` usable traces chosen
    by a seeded rank. Items in ``nondeterministic`` (ids, see ``recheck``) are left out unless
    ``keep_nondeterministic``. Memory holds one small heap per problem, not the traces."""
    reasons = Counter()
    groups = {}
    n_in = 0
    mismatched_kept = 0
    with open(traces_path, 'rb') as f:
        offset = 0
        for raw in f:
            start, offset = offset, offset + len(raw)
            if not raw.endswith(b'\n') or not raw.strip():
                continue
            record = json.loads(raw)
            n_in += 1
            reason = reject_reason(record, max_lines)
            if reason is None and record['id'] in nondeterministic and not keep_nondeterministic:
                reason = 'nondeterministic'
            if reason is None and record.get('output_matches') is False:
                if require_output_match:
                    reason = 'output_mismatch'
                else:
                    mismatched_kept += 1
            if progress:
                progress.advance()
            if reason:
                reasons[reason] += 1
                continue
            key = group_key(record)
            heap = groups.setdefault(key, [])
            entry = (_negate(_rank(seed, record['id'])), start, record.get('output_matches') is False)
            if len(heap) < per_problem:
                heapq.heappush(heap, entry)
            else:
                dropped = heapq.heappushpop(heap, entry)
                reasons['sampled_out'] += 1
                mismatched_kept -= dropped[2]
    chosen = sorted(start for heap in groups.values() for _, start, _ in heap)
    writer = AtomicJsonlWriter(selected_path)
    with open(traces_path, 'rb') as f:
        for start in chosen:
            f.seek(start)
            record = json.loads(f.readline())
            if record['id'] in nondeterministic:
                record['nondeterministic'] = True  # kept on request (keep_nondeterministic)
            writer.write(record)
    writer.commit()
    return {'in': n_in, 'out': len(chosen), 'reasons': dict(reasons),
            'kept_with_output_mismatch': mismatched_kept}


def _negate(rank):
    # heapq is a min-heap; keeping the smallest ranks means evicting the largest first.
    return bytes(255 - b for b in rank)
