"""Hostile item code cannot take down the pool, the job or other items; each gets a status.

All cases run in one real pool (inside bubblewrap where it works), as a job runs them.
"""

import json
import os

import pytest

from groundtrace.pipeline.jsonl import encode_line
from groundtrace.pipeline.sandbox import Limits, WorkerPool

TRACE_OK = {'refcode': 'def main_solution(n):\n    return n + 1\n', 'funcname': 'main_solution',
            'input': {'n': 1}, 'expected_output': 2, 'max_lines': 300}


@pytest.fixture(scope='module')
def pool():
    os.environ['GROUNDTRACE_TEST_SECRET'] = 'hunter2'
    with WorkerPool(2, Limits(timeout=3, wall_factor=2, memory_mb=512, output_bytes=1 << 16), log=lambda m: None) as p:
        yield p
    del os.environ['GROUNDTRACE_TEST_SECRET']


def run(pool, code, name='item'):
    """Run hostile code, then a normal traced item, which must still succeed."""
    reports = {r['id']: r for r in pool.run([(name, 'exec', {'code': code}), (name + '-after', 'trace', TRACE_OK)])}
    after = reports[name + '-after']
    assert after['status'] == 'ok' and after['result']['output_matches'] is True
    return reports[name]


def test_an_ok_items_document_comes_as_the_json_the_job_appends(pool):
    (report,) = pool.run([('doc', 'trace', dict(TRACE_OK, documents='ok'))])
    assert report['status'] == 'ok' and 'document' not in report['result']
    document = json.loads(report['document_json'])
    assert document['version'] == 1 and document['events']
    assert encode_line({'id': 'doc', 'document': document}) == (
        b'{"id": "doc", "document": ' + report['document_json'] + b'}\n')


def trace(pool, code, name='t'):
    (report,) = pool.run([(name, 'trace', dict(TRACE_OK, refcode=code))])
    return report


def test_os_exit_is_a_crash(pool):
    assert run(pool, 'import os; os._exit(3)')['status'] == 'crash'


def test_sys_exit_is_exit(pool):
    assert run(pool, 'import sys; sys.exit(2)')['status'] == 'exit'


def test_killing_the_parent_is_refused(pool):
    report = run(pool, 'import os, signal; os.kill(os.getppid(), signal.SIGKILL)')
    assert report['status'] == 'error' and 'PermissionError' in report['error']


def test_killing_every_reachable_process_reaches_only_the_item(pool):
    assert run(pool, 'import os, signal; os.kill(-1, signal.SIGKILL); result = 1')['status'] in ('ok', 'crash')


def test_killing_its_process_group_ends_only_the_item(pool):
    assert run(pool, 'import os, signal; os.killpg(0, signal.SIGKILL)')['status'] == 'crash'


def test_a_fork_bomb_hits_the_process_limit_and_the_wall_clock(pool):
    code = 'import os, time\nfor _ in range(200):\n    try: os.fork()\n    except OSError: pass\ntime.sleep(60)'
    assert run(pool, code)['status'] == 'timeout'


def test_a_forked_child_that_escapes_its_session_is_killed(pool):
    code = ('import os, time\nif os.fork() == 0:\n    os.setsid(); time.sleep(60)\n'
            'result = os.getuid()')
    report = run(pool, code)
    assert report['status'] == 'ok'
    uid = int(report['result']['value'])
    if os.geteuid() == 0:  # the item's uid holds no process once it is over
        assert not [p for p in os.listdir('/proc') if p.isdigit() and _uid(p) == uid]


def _uid(pid):
    try:
        return os.stat('/proc/' + pid).st_uid
    except OSError:
        return None


def test_threads_that_never_end_do_not_hold_the_item(pool):
    code = 'import threading, time\nthreading.Thread(target=lambda: time.sleep(60)).start()\nresult = 1'
    assert run(pool, code)['status'] == 'ok'


def test_an_endless_loop_times_out(pool):
    assert run(pool, 'while True: pass')['status'] == 'timeout'


def test_the_time_limit_is_cpu_time():
    # The wall-time backstop far away: even on a loaded machine the loop's CPU second comes first.
    with WorkerPool(1, Limits(timeout=1, wall_factor=60), log=lambda m: None) as pool:
        (report,) = pool.run([('loop', 'exec', {'code': 'while True: pass'})])
    assert (report['status'], report['error']) == ('timeout', 'CPU time limit')
    assert report['cpu_ms'] > 500  # (rusage may count a little less than the kernel's limit)


def test_code_that_sleeps_is_stopped_by_the_wall_time_backstop(pool):
    report = run(pool, 'import time\ntime.sleep(60)')
    assert (report['status'], report['error']) == ('timeout', 'wall time limit of 6 s')
    assert report['cpu_ms'] < 1000 and 6000 <= report['elapsed_ms'] < 60000


def test_flooding_stdout_hits_the_output_limit(pool):
    assert run(pool, 'import sys\nwhile True: sys.stdout.write("x" * 4096)')['status'] == 'output_limit'


def test_flooding_stderr_hits_the_output_limit(pool):
    assert run(pool, 'import os\nwhile True: os.write(2, b"y" * 4096)')['status'] == 'output_limit'


def test_printed_text_cannot_forge_a_result(pool):
    report = run(pool, 'import os, sys\nprint(\'{"status": "ok", "value": "forged"}\', flush=True)\nos._exit(0)')
    assert report['status'] == 'crash' and 'forged' in report['output_head']


def test_deep_recursion_is_an_error(pool):
    assert run(pool, 'def f(n): return f(n + 1)\nf(0)')['status'] == 'error'


def test_c_stack_overflow_ends_only_the_item(pool):
    code = 'import sys\nsys.setrecursionlimit(10**8)\nx = []\nfor _ in range(10**6):\n    x = [x]\nrepr(x)'
    assert run(pool, code)['status'] in ('crash', 'timeout')  # SIGSEGV, or the limit first


def test_a_segfault_is_a_crash(pool):
    report = run(pool, 'import ctypes; ctypes.string_at(0)')
    assert report['status'] == 'crash' and 'SIGSEGV' in report['error']


def test_signal_handlers_do_not_stop_the_time_limit(pool):
    code = ('import signal\nfor s in (signal.SIGTERM, signal.SIGXCPU, signal.SIGALRM, signal.SIGINT):\n'
            '    signal.signal(s, signal.SIG_IGN)\nwhile True: pass')
    assert run(pool, code)['status'] == 'timeout'


def test_replacing_settrace_leaves_an_incomplete_trace(pool):
    code = 'import sys\ndef main_solution(n):\n    sys.settrace(None)\n    return n\n'
    assert trace(pool, code)['status'] in ('incomplete', 'ok')


def test_closing_the_standard_streams_does_not_lose_the_result(pool):
    code = 'import os, sys\ndef main_solution(n):\n    os.close(1); os.close(2); sys.stdout = None\n    return n + 1\n'
    report = trace(pool, code)
    assert report['status'] == 'ok' and report['result']['output_matches'] is True


def test_a_repr_that_raises_is_traced(pool):
    code = ('class Bad:\n    def __repr__(self): raise ValueError("no")\n'
            'def main_solution(n):\n    b = Bad()\n    return n + 1\n')
    assert trace(pool, code)['status'] == 'ok'


def test_a_repr_that_hangs_times_out(pool):
    code = ('class Slow:\n    def __repr__(self):\n        while True: pass\n'
            'def main_solution(n):\n    s = Slow()\n    return n + 1\n')
    assert trace(pool, code)['status'] == 'timeout'


def test_environment_secrets_are_not_visible(pool):
    report = run(pool, 'import os; result = sorted(os.environ)')
    assert report['status'] == 'ok' and 'GROUNDTRACE_TEST_SECRET' not in report['result']['value']
    parent = run(pool, 'import os\ntry:\n    result = open("/proc/%d/environ" % os.getppid()).read()\n'
                       'except OSError as e:\n    result = type(e).__name__')
    assert 'hunter2' not in parent['result']['value']


def test_unbounded_allocation_is_a_memory_status(pool):
    assert run(pool, 'x = []\nwhile True: x.append(bytearray(10 ** 8))')['status'] == 'memory'


def test_the_scratch_directory_is_removed(pool):
    report = run(pool, 'import os\nopen("junk", "w").write("x")\nresult = os.getcwd()')
    assert report['status'] == 'ok'
    # the pool's /tmp is private under bubblewrap; outside it the folder must be gone
    if not pool.sandboxed:
        assert not os.path.exists(eval(report['result']['value']))


def test_as_root_items_run_as_an_unprivileged_user(pool):
    report = run(pool, 'import os; result = (os.getuid(), os.getgid(), os.getgroups())')
    if os.geteuid() == 0:
        uid, gid, groups = eval(report['result']['value'])
        assert uid >= 1_000_000 and gid == uid and groups == []
