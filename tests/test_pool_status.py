"""How an item's end becomes its status (pool/status.py), without forking anything."""

import json
import os
import signal

import pytest

from groundtrace.pipeline.pool.status import classify, frame, read_frame, split_document

TIMEOUT_S = 5.0
OUTPUT_BYTES = 1 << 20


def exited(code):
    return code << 8  # a wait status as os.wait4 gives it


def killed_by(sig):
    return sig


def test_the_wait_status_encodings_are_what_os_decodes():
    assert os.WIFEXITED(exited(3)) and os.WEXITSTATUS(exited(3)) == 3
    assert os.WIFSIGNALED(killed_by(signal.SIGSEGV)) and os.WTERMSIG(killed_by(signal.SIGSEGV)) == signal.SIGSEGV


def test_the_childs_own_head_gives_the_status_and_error():
    assert classify(None, {'status': 'ok', 'error': None}, exited(0), 12.0, TIMEOUT_S, OUTPUT_BYTES) == ('ok', None)
    assert classify(None, {'status': 'error', 'error': 'ValueError: x'}, exited(0), 1.0, TIMEOUT_S,
                    OUTPUT_BYTES) == ('error', 'ValueError: x')


@pytest.mark.parametrize('reason, error', [('timeout', 'wall time limit of 50.0 s'),
                                           ('output_limit', 'output over 1048576 bytes')])
def test_a_kill_by_the_pool_wins_over_anything_the_child_wrote(reason, error):
    assert classify(reason, {'status': 'ok'}, killed_by(signal.SIGKILL), 1.0, TIMEOUT_S, OUTPUT_BYTES,
                    wall_s=10 * TIMEOUT_S) == (reason, error)


def test_the_cpu_limit_is_a_timeout():
    assert classify(None, None, killed_by(signal.SIGXCPU), 5001.0, TIMEOUT_S, OUTPUT_BYTES) == ('timeout', 'CPU time limit')
    # RLIMIT_CPU's hard limit ends in SIGKILL: a timeout when the CPU time shows it
    assert classify(None, None, killed_by(signal.SIGKILL), 6000.0, TIMEOUT_S, OUTPUT_BYTES) == ('timeout', 'CPU time limit')


def test_any_other_signal_or_an_exit_without_a_result_is_a_crash():
    assert classify(None, None, killed_by(signal.SIGSEGV), 3.0, TIMEOUT_S, OUTPUT_BYTES) == (
        'crash', 'killed by signal SIGSEGV')
    assert classify(None, None, killed_by(signal.SIGKILL), 3.0, TIMEOUT_S, OUTPUT_BYTES) == (
        'crash', 'killed by signal SIGKILL')
    assert classify(None, None, exited(1), 3.0, TIMEOUT_S, OUTPUT_BYTES) == (
        'crash', 'exited with code 1 before reporting a result')


def test_a_frame_reads_back_and_anything_else_is_no_result():
    body = json.dumps({'status': 'ok', 'trace': 'x'}).encode()
    whole = frame(b'{"status": "ok", "error": null}', body)
    assert read_frame(whole, json.loads) == ({'status': 'ok', 'error': None}, body)
    assert read_frame(whole[:-1], json.loads) == (None, None)             # cut short
    assert read_frame(whole + b'x', json.loads) == (None, None)           # trailing bytes
    assert read_frame(frame(b'[1]', body), json.loads) == (None, None)    # a head that is not an object
    assert read_frame(frame(b'{"status": "ok"}', b'{"a":\n1}'), json.loads) == (None, None)  # a newline would break the report line
    assert read_frame(frame(b'{not json', body), json.loads) == (None, None)
    assert read_frame(b'', json.loads) == (None, None)


def test_a_document_is_split_from_the_result_by_the_length_in_the_head():
    result, document = b'{"status": "ok"}', b'{"version": 1}'
    assert split_document({'document_bytes': len(document)}, result + document) == (result, document)
    assert split_document({}, result) == (result, None)
    for bad in (0, -1, len(result + document) + 1, '14', None):  # a head the harness never writes
        assert split_document({'document_bytes': bad}, result + document) == (result + document, None)
