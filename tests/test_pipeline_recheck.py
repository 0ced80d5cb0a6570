"""Every kept trace reproduces: a second run in a fresh child marks the items that differ."""

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from groundtrace.pipeline import recheck
from groundtrace.pipeline.job_folder import JobFolder
from groundtrace.pipeline.sandbox import Limits, WorkerPool
from groundtrace.pipeline.selection import select_traces

REPO = Path(__file__).resolve().parent.parent
ENV = dict(os.environ, PYTHONPATH=str(REPO / 'python'))

PROBLEMS = {
    'steady': 'def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total\n',
    'urandom': 'import os\ndef f(xs):\n    salt = os.urandom(4).hex()\n    return len(salt) + len(xs)\n',
    'numpy_random': 'import numpy as np\ndef f(xs):\n    noise = np.random.rand()\n    return round(noise * 0, 3) + len(xs)\n',
}


def test_items_whose_second_run_differs_are_marked_and_left_out_by_select(tmp_path):
    data = tmp_path / 'in.jsonl'
    data.write_text(''.join(json.dumps({'id': name, 'code': code, 'input': '[1, 2]', 'output': '3'}) + '\n'
                            for name, code in PROBLEMS.items()))
    out = tmp_path / 'job'
    proc = subprocess.run([sys.executable, '-m', 'groundtrace.cli', 'run', '--input', str(data), '--output',
                           str(out), '--quiet', '--workers', '2', '--stages', 'filter,trace'],
                          env=ENV, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    folder = JobFolder(str(out))
    folder.rechecks = str(out / 'rechecks.jsonl')
    cfg = SimpleNamespace(max_trace_lines=300, trace_format=None)
    with WorkerPool(2, Limits()) as pool:
        stats = recheck.recheck_traces(folder, pool, cfg)
        again = recheck.recheck_traces(folder, pool, cfg)  # resumes: nothing left to do
    assert stats['checked'] == 3 and again['checked'] == 3
    assert sorted(stats['ids']) == ['numpy_random_0', 'urandom_0']
    assert stats['second_run_cpu_s'] > 0 and 0 < stats['cpu_ratio']
    marks = {r['id']: r for r in map(json.loads, open(folder.rechecks))}
    assert marks['urandom_0']['detail'].startswith('line 5: " .......... salt = ')
    assert marks['steady_0'] == dict(marks['steady_0'], nondeterministic=False, detail=None, status='ok')

    nondeterministic = recheck.nondeterministic_ids(folder)
    dropped = select_traces(folder.traces, str(out / 'selected.jsonl'), nondeterministic=nondeterministic)
    assert dropped['reasons'] == {'nondeterministic': 2}
    assert [json.loads(line)['id'] for line in open(out / 'selected.jsonl')] == ['steady_0']
    kept = select_traces(folder.traces, str(out / 'selected.jsonl'), nondeterministic=nondeterministic,
                         keep_nondeterministic=True)
    assert kept['out'] == 3
    assert sorted(r['id'] for r in map(json.loads, open(out / 'selected.jsonl')) if r.get('nondeterministic')) \
        == ['numpy_random_0', 'urandom_0']


def test_a_difference_names_the_first_differing_line_after_addresses_are_removed():
    first = {'status': 'ok', 'trace': ' x = <A at 0x7f01>\n y = 1\n'}
    assert recheck.difference(first, {'status': 'ok', 'result': {'trace': ' x = <A at 0x7f99>\n y = 1\n'}}) is None
    assert recheck.difference(first, {'status': 'ok', 'result': {'trace': ' x = <A at 0x7f99>\n y = 2\n'}}) \
        == "line 2: ' y = 1' then ' y = 2'"
    assert recheck.difference(first, {'status': 'timeout'}) == 'status ok then timeout'
