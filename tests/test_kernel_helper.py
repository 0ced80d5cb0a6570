"""The kernel helper in a real IPython kernel, driven as a notebook would drive it."""

import os
import sys
from pathlib import Path

import pytest
from jupyter_client.manager import KernelManager

MIME = 'application/vnd.groundtrace.trace+json'
PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent / 'python')


@pytest.fixture(scope='module')
def kernel():
    env = dict(os.environ, PYTHONPATH=PACKAGE_ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    manager = KernelManager(kernel_name='python3')
    manager.kernel_spec.argv[0] = sys.executable  # this environment's Python
    manager.start_kernel(env=env)
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def execute(client, code):
    """Run code; return (reply content, list of iopub output messages)."""
    msg_id = client.execute(code)
    outputs = []
    while True:
        msg = client.get_iopub_msg(timeout=60)
        if msg['parent_header'].get('msg_id') != msg_id:
            continue
        if msg['msg_type'] in ('display_data', 'execute_result', 'stream', 'error'):
            outputs.append(msg)
        if msg['msg_type'] == 'status' and msg['content']['execution_state'] == 'idle':
            break
    while True:  # skip replies to other requests (e.g. wait_for_ready's kernel_info)
        reply = client.get_shell_msg(timeout=60)
        if reply['parent_header'].get('msg_id') == msg_id:
            return reply['content'], outputs


def trace_display(outputs):
    docs = [m['content']['data'] for m in outputs if m['msg_type'] == 'display_data' and MIME in m['content']['data']]
    assert len(docs) == 1, outputs
    return docs[0]


def test_magic_displays_a_trace_of_the_cell_and_the_functions_it_calls(kernel):
    reply, _ = execute(kernel, '%load_ext groundtrace')
    assert reply['status'] == 'ok'
    execute(kernel, 'def double(v):\n    w = v * 2\n    return w\nseed = 21')
    reply, outputs = execute(kernel, '%%groundtrace\nanswer = double(seed)\nprint(answer)')
    assert reply['status'] == 'ok'
    bundle = trace_display(outputs)
    doc = bundle[MIME]
    cell_name = 'cell[{}]'.format(reply['execution_count'])
    lines = {(e['source'], e['line']) for e in doc['events'] if e['kind'] == 'line'}
    function_source = next(name for name in doc['sources'] if name != cell_name)
    assert {(cell_name, 1), (cell_name, 2), (function_source, 2), (function_source, 3)} <= lines
    assert '>>> Call to double' in doc['text'] and '<<< Return value from double: 42' in doc['text']
    assert '<module>' not in doc['text']
    assert bundle['text/plain'].startswith(doc['text'])
    streams = ''.join(m['content']['text'] for m in outputs if m['msg_type'] == 'stream')
    assert streams == '42\n'  # the cell's own output is untouched


def test_cell_changes_the_users_namespace(kernel):
    execute(kernel, '%load_ext groundtrace')
    execute(kernel, '%%groundtrace\ncounter = 5')
    reply, outputs = execute(kernel, 'print(counter + 1)')
    assert outputs[0]['content']['text'] == '6\n'


def test_failing_cell_shows_the_trace_then_the_error(kernel):
    execute(kernel, '%load_ext groundtrace')
    reply, outputs = execute(kernel, '%%groundtrace\nitems = [1, 2]\nitems[5]')
    assert reply['status'] == 'error' and reply['ename'] == 'IndexError'
    doc = trace_display(outputs)[MIME]
    assert '!!! IndexError: list index out of range' in doc['text']
    assert [m['msg_type'] for m in outputs][-1] == 'error'


def stdout(outputs):
    return ''.join(m['content']['text'] for m in outputs
                   if m['msg_type'] == 'stream' and m['content']['name'] == 'stdout')


def test_traced_cell_shows_its_last_expression_as_out_n_like_the_cell(kernel):
    execute(kernel, '%load_ext groundtrace')
    plain, plain_outputs = execute(kernel, 'base = 40\nprint("side", base)\nbase + 2')
    reply, outputs = execute(kernel, '%%groundtrace\nbase = 40\nprint("side", base)\nbase + 2')
    assert reply['status'] == 'ok'
    # stdout may come in more than one stream message (the kernel flushes on a timer)
    kinds = [m['msg_type'] for m in outputs]
    assert [k for i, k in enumerate(kinds) if k != 'stream' or i == 0] == ['stream', 'display_data', 'execute_result'], kinds
    assert stdout(outputs) == stdout(plain_outputs) == 'side 40\n'
    result = outputs[-1]['content']
    assert result['data'] == plain_outputs[-1]['content']['data'] == {'text/plain': '42'}
    assert result['execution_count'] == reply['execution_count']
    assert trace_display(outputs)[MIME]['return_value']['json'] == 42
    _, after = execute(kernel, 'print(_, "_groundtrace_cell_result_" in dir())')
    assert after[0]['content']['text'] == '42 False\n'


def test_traced_cell_ending_in_semicolon_or_statement_has_no_out(kernel):
    execute(kernel, '%load_ext groundtrace')
    for code in ('%%groundtrace\nvalue = 3\nvalue * 2;', '%%groundtrace\nvalue = 3', '%%groundtrace\nprint(3)'):
        reply, outputs = execute(kernel, code)
        assert reply['status'] == 'ok'
        assert 'execute_result' not in [m['msg_type'] for m in outputs], (code, outputs)


def test_traced_cell_error_is_reported_at_its_line_in_the_cell(kernel):
    execute(kernel, '%load_ext groundtrace')
    reply, outputs = execute(kernel, '%%groundtrace\nx = 1\ny = 0\nz = x / y\nprint("not reached")')
    assert reply['status'] == 'error' and reply['ename'] == 'ZeroDivisionError'
    error = outputs[-1]['content']
    text = '\n'.join(error['traceback'])
    assert 'line 3' in text and 'z = x / y' in text, text
    assert 'line 1' not in text and 'run_cell_magic' not in text and 'groundtrace' not in text, text
    assert 'stream' not in [m['msg_type'] for m in outputs]  # stopped at the error


def test_trace_function_in_code_returns_the_value_and_displays(kernel):
    execute(kernel, 'import groundtrace\ndef inc(x):\n    return x + 1')
    reply, outputs = execute(kernel, 'result = groundtrace.trace(inc, 41)\nprint(result)')
    assert reply['status'] == 'ok'
    doc = trace_display(outputs)[MIME]
    assert doc['title'] == 'inc(41)' and doc['return_value']['json'] == 42
    assert outputs[-1]['content']['text'] == '42\n'


def test_huge_cell_trace_is_truncated_with_a_marker(kernel):
    execute(kernel, '%load_ext groundtrace')
    reply, outputs = execute(kernel, '%%groundtrace\ntotal = 0\nfor i in range(100000):\n    total += i')
    bundle = trace_display(outputs)
    assert bundle[MIME]['truncated']['reason'] == 'max_events'
    assert 'trace truncated at 20001 events' in bundle['text/plain']
    reply, outputs = execute(kernel, 'print(total)')  # the cell itself ran to the end
    assert outputs[0]['content']['text'] == '{}\n'.format(sum(range(100000)))


def comm_messages(client, comm_id, until, timeout=60):
    """Collect comm_msg data for ``comm_id`` from iopub until ``until(data)`` is true."""
    import time
    found = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = client.get_iopub_msg(timeout=timeout)
        if msg['msg_type'] == 'comm_msg' and msg['content']['comm_id'] == comm_id:
            found.append(msg['content']['data'])
            if until(msg['content']['data']):
                return found
    raise AssertionError('no matching comm message; got {}'.format(found))


def test_jobs_comm_answers_a_preview_request(kernel, toy_data_path):
    import uuid
    execute(kernel, '%load_ext groundtrace')
    comm_id = uuid.uuid4().hex
    kernel.shell_channel.send(kernel.session.msg('comm_open', {
        'comm_id': comm_id, 'target_name': 'groundtrace.jobs', 'data': {}}))
    comm_messages(kernel, comm_id, lambda d: d['type'] == 'jobs')
    kernel.shell_channel.send(kernel.session.msg('comm_msg', {
        'comm_id': comm_id, 'data': {'type': 'preview', 'request_id': 'r1', 'path': str(toy_data_path)}}))
    reply = comm_messages(kernel, comm_id, lambda d: d.get('request_id') == 'r1')[-1]
    assert reply['ok'] and len(reply['result']['records']) == 5
    assert reply['result']['records'][0]['funcname'] == 'main_solution'
    kernel.shell_channel.send(kernel.session.msg('comm_msg', {
        'comm_id': comm_id, 'data': {'type': 'preview', 'request_id': 'r2', 'path': '/no/such.jsonl'}}))
    reply = comm_messages(kernel, comm_id, lambda d: d.get('request_id') == 'r2')[-1]
    assert not reply['ok'] and 'file not found' in reply['error']
