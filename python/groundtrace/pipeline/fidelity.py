"""Compare the engine's trace text with the original pipeline's, item by item.

``python -m groundtrace.pipeline.fidelity RUN_FOLDER [--sample N]`` reruns successful items
of a job folder the original's way (fresh interpreter, pasted arguments, same hash seed)
and reports how many texts are equal after normalising addresses and line numbers.
"""

import argparse
import json
import random
import re
import sys
from concurrent.futures import ThreadPoolExecutor

from . import values
from .baseline import normalise, paste_args, run_baseline
from .job_folder import JobFolder
from .jsonl import iter_jsonl

STDERR_WARNING = re.compile(r'^[^ \n][^\n]*Warning: [^\n]*\n(  warnings\.warn\([^\n]*\n)?', re.M)


BIG_INT = re.compile(r'-?\b\d{12,}\b')


def compare_item(record, timeout=5.0):
    """``(verdict, detail)``: ``equal``, ``differs``, ``quoting`` (the original's pasted
    arguments break on this input), or ``baseline_<status>``."""
    kwargs = values.decode(record['input'])  # stored form → the values (PyEdu inputs: JSON as read)
    status, text, line_map = run_baseline(record['refcode'], record['funcname'], kwargs, timeout=timeout)
    if status != 'ok':
        return 'baseline_' + status, text[-500:]
    original = normalise(text, line_map, record['refcode'])
    engine = normalise(record['trace'])
    if original == engine:
        verdict = 'equal'
    elif STDERR_WARNING.sub('', original) == engine:
        # The original's trace is its stderr, so Python warnings (e.g. cheap_repr's
        # ReprSuppressedWarning) land inside it; the engine's trace has only the trace.
        verdict = 'equal_but_original_has_warnings'
    elif BIG_INT.sub('N', original) == BIG_INT.sub('N', engine):
        # Values of id() or of id-based hashes: addresses, different in every run.
        verdict = 'equal_but_address_integers'
    elif 'random' in record['refcode']:
        verdict = 'differs_random'  # draws random numbers (e.g. numpy.random): cannot match
    else:
        verdict = 'differs'
    if paste_args(kwargs, 'original') != paste_args(kwargs, 'repr'):
        # The original would have traced another input (or failed): noted, not hidden.
        return ('quoting_' + verdict), None
    return verdict, (None if verdict.startswith('equal') else _first_difference(original, engine))


def _first_difference(a, b):
    la, lb = a.split('\n'), b.split('\n')
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return 'line {}: original {!r} / engine {!r}'.format(i + 1, x, y)
    return 'lengths differ: original {} lines / engine {} lines'.format(len(la), len(lb))


def check_folder(folder, sample=None, seed=0, workers=2, timeout=5.0, on_verdict=None):
    ok = [r for r in iter_jsonl(JobFolder(folder).traces) if r['status'] == 'ok']
    if sample is not None and sample < len(ok):
        ok = random.Random(seed).sample(ok, sample)
    verdicts = []
    with ThreadPoolExecutor(workers) as pool:
        for verdict in pool.map(lambda r: (r['id'],) + compare_item(r, timeout), ok):
            verdicts.append(verdict)
            if on_verdict:
                on_verdict(verdict)
    return verdicts


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m groundtrace.pipeline.fidelity')
    parser.add_argument('folder', help='a job folder with traces.jsonl')
    parser.add_argument('--sample', type=int, help='check this many successful items (default all)')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--report', help='write every verdict to this JSONL file')
    args = parser.parse_args(argv)
    report = open(args.report, 'w') if args.report else None

    def write(verdict):  # as they come, so a long check can be followed and interrupted
        if report:
            item_id, name, detail = verdict
            report.write(json.dumps({'id': item_id, 'verdict': name, 'detail': detail}) + '\n')
            report.flush()
    verdicts = check_folder(args.folder, args.sample, workers=args.workers, on_verdict=write)
    if report:
        report.close()
    counts = {}
    for _, verdict, _ in verdicts:
        counts[verdict] = counts.get(verdict, 0) + 1
    print(json.dumps({'checked': len(verdicts), 'verdicts': counts}, indent=2))
    for item_id, verdict, detail in verdicts:
        if not verdict.startswith(('equal', 'quoting_equal')) and verdict != 'differs_random':
            print(item_id, verdict, (detail or '')[:300])
    return 0 if all(v.startswith(('equal', 'quoting_equal')) for _, v, _ in verdicts) else 1


if __name__ == '__main__':
    sys.exit(main())
