"""No record can stop a job: a file of generated hostile records goes through the real job;
it exits 0, every input line is accounted for exactly once (kept or rejected), no traceback."""

import json
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ENV = dict(os.environ, PYTHONPATH=str(REPO / 'python'))

GOOD_PYEDU = {'problem_description': 'Add one.', 'io_requirements': 'n: int', 'funcname': 'main_solution',
              'refcode': 'def main_solution(n):\n    return n + 1\n', 'source': 'fuzz', 'category': '',
              'ios': [{'input': {'n': 1}, 'output': 2}], 'meta': {'msgidx': 0, 'repo_name': '', 'path': ''}}
GOOD_CRUX = {'code': 'def f(x):\n    return x\n', 'input': '1', 'output': '1'}


def pyedu(i, **changes):
    record = json.loads(json.dumps(GOOD_PYEDU))
    record['meta']['msgidx'] = 'p{}'.format(i)
    record.update(changes)
    return json.dumps(record).encode()


def crux(i, **changes):
    return json.dumps(dict(GOOD_CRUX, id='c{}'.format(i), **changes)).encode()


def nested(depth):
    return '[' * depth + '1' + ']' * depth


def hostile_lines(seed=11):
    """Byte lines (no newline inside), each hostile in its own way."""
    rng = random.Random(seed)
    lines = []
    for _ in range(12):  # random bytes
        lines.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))).replace(b'\n', b' '))
    lines += [b'\xff\xfe\xfd', b'{"code": "\xc3\x28"}', b'{"a": "\xed\xa0\x80"}']  # invalid UTF-8, raw surrogate
    i = 0

    def n():
        nonlocal i
        i += 1
        return i
    lines += [
        pyedu(n(), problem_description='lone \ud800 surrogate'),
        pyedu(n(), ios=[{'input': {'s': 'a\udfff'}, 'output': 'x\ud800'}]),
        pyedu(n(), refcode='def main_solution(n):\n    return "\x00" * n\n'),
        b'{"refcode": "a\\u0000b", "problem_description": "\x00"}',
        b'\x00\x00\x00',
        pyedu(n(), ios=[{'input': {'n': json.loads(nested(50))}, 'output': 1}]),
        ('{"x": ' + nested(50) + '}').encode(),
        ('{"x": ' + nested(100000) + '}').encode(),  # deeper than the JSON reader's recursion
        pyedu(n(), problem_description='x' * (10 << 20)),
        crux(n(), input=repr('y' * (10 << 20))),
        pyedu(n())[:-1] + b', "refcode": 5}',  # duplicate key, the last has the wrong type
        b'{"meta": {"msgidx": 1}, "meta": 7, "refcode": "", "problem_description": "", "io_requirements": ""}',
        pyedu(n(), ios='not a list'),
        pyedu(n(), ios=[{'input': [1, 2], 'output': 1}]),
        pyedu(n(), ios=[{'input': {'not an identifier': 1}, 'output': 1}]),
        pyedu(n(), meta={'msgidx': True}),
        pyedu(n(), meta=None),
        pyedu(n(), funcname='1bad'),
        pyedu(n(), refcode=['list']),
        b'{"refcode": 1e400, "problem_description": 1e400}',
        pyedu(n(), ios=[{'input': {'n': 1}, 'output': 1}])[:-1].replace(b'"output": 1', b'"output": 1e400') + b'}',
        pyedu(n()).replace(b'"n": 1}', b'"n": -1e400}'),
        b'[1, 2, 3]', b'"just a string"', b'null', b'42', b'{}', b'   ', b'',
        crux(n(), output="b'\\x00\\xff'"),  # the bytes output that once stopped the writer
        crux(n(), input='{1: "a"}', code='def f(d):\n    return sorted(d)\n', output='[1]'),
        crux(n(), input='lambda: (', output='1'),
        crux(n(), input='__import__("os").kill(1, 9)', output='1'),  # runs in the sandboxed child only
        crux(n(), code='def f(x):\n    raise SystemExit(3)\n'),
        crux(n(), code='def f(x):\n    import os\n    os._exit(7)\n'),
        crux(n(), code='def f(x):\n    return f(x)\n'),
        crux(n(), code='def f(x):\n    return [0] * (10 ** 10)\n'),
        crux(n(), code='def f(x:\n'),
        crux(n(), code='x = 1\n'),
        crux(n(), input=7),
        crux(n(), output=None),
        crux(n(), funcname=3),
        crux(n(), input='1, 2, 3, 4'),
        crux(n(), input='*[1]'),
        crux(n(), code='class A:\n    pass\ndef f(x):\n    return A()\n', output='A()'),
        json.dumps({'text': 'asserts', 'code': 'def g(a):\n    return a\n', 'task_id': 'm1',
                    'test_list': ['assert g(1) == 1', 'assert g(', 'assert h(2) == 2', 7]}).encode(),
        json.dumps({'text': 'asserts', 'code': 'def g(a):\n    return a\n', 'task_id': 'm2',
                    'test_list': ['assert g(1) == 1', 'assert g(', 'assert g(2) is 2']}).encode(),
        json.dumps({'code': 'def g(a):\n    return a\n', 'test': 5, 'entry_point': 'g'}).encode(),
        pyedu(1),  # a repeated problem id
        pyedu(1),
    ]
    return lines


def test_hostile_records_never_stop_the_job_and_each_line_is_accounted_for_once(tmp_path):
    lines = hostile_lines()
    data = tmp_path / 'hostile.jsonl'
    data.write_bytes(b'\n'.join(lines))  # the last line has no newline
    out = tmp_path / 'job'
    proc = subprocess.run([sys.executable, '-m', 'groundtrace.cli', 'run', '--input', str(data), '--output', str(out),
                           '--quiet', '--workers', '2', '--timeout', '2', '--stages', 'filter,trace,select'],
                          env=ENV, capture_output=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert b'Traceback' not in proc.stdout + proc.stderr
    seen = Counter()
    for name in ('filtered.jsonl', 'rejected.jsonl'):
        for raw in open(out / name, 'rb'):
            seen[json.loads(raw)['line_no']] += 1
    assert seen == Counter(range(1, len(lines) + 1))
    rejected = Counter(json.loads(raw)['reason'] for raw in open(out / 'rejected.jsonl', 'rb'))
    assert rejected['bad_utf8'] >= 2 and rejected['bad_json'] >= 2 and rejected['blank_line'] == 2
    traces = [json.loads(raw) for raw in open(out / 'traces.jsonl', 'rb')]
    statuses = Counter(t['status'] for t in traces)
    assert statuses['ok'] >= 5 and statuses['exit'] == 1 and statuses['memory'] + statuses['error'] >= 2
    by_problem = {t['problem_id']: t for t in traces}
    bytes_item = next(t for t in traces if t['expected_output_repr'] == "b'\\x00\\xff'")
    assert bytes_item['status'] == 'ok' and bytes_item['output_matches'] is False  # f(1) returns 1
    assert by_problem['p1']['status'] == 'ok'
