"""The panel's requests: checked against jobs.schema.json, answered from the folder's files."""

import fcntl
import json
import os

import pytest

from groundtrace import jobs_comm
from groundtrace.jobs import (
    JobManager,
    JobRequestError,
    check_translator,
    explain_failure,
    folder_lock_holder,
)
from groundtrace.samples import SampleIndex, load_sample


def write_jsonl(path, records, tail=''):
    with open(path, 'w') as f:
        for record in records:
            f.write(json.dumps(record) + '\n')
        f.write(tail)


def trace(item_id, status='ok', matches=True, question='Sort the letters'):
    return {'id': item_id, 'problem_id': item_id.split('_')[0], 'status': status,
            'output_matches': matches if status == 'ok' else None, 'n_lines': 12,
            'problem_description': question, 'refcode': 'def main_solution(s):\n    return sorted(s)\n'}


@pytest.fixture
def folder(tmp_path):
    write_jsonl(tmp_path / 'traces.jsonl', [
        trace('1_0'), trace('1_1', matches=False), trace('2_0', status='timeout'),
        trace('3_0', question='Count the islands of a grid')])
    write_jsonl(tmp_path / 'documents.jsonl', [{'id': '1_0', 'document': {'version': 1}}])
    write_jsonl(tmp_path / 'translated.jsonl', [
        {'id': '1_0', 'status': 'ok', 'verdict': 'pass', 'final': 'The answer is [1].'},
        {'id': '3_0', 'status': 'ok', 'verdict': 'wrong_answer', 'final': '...'}])
    return tmp_path


def test_a_request_that_breaks_the_schema_is_refused_with_the_field_named():
    with pytest.raises(JobRequestError, match=r'invalid start request \(options.pairs_per_problem\)'):
        jobs_comm.validate_request({'type': 'start', 'request_id': 'r1', 'options': {
            'input': 'a.jsonl', 'output': 'runs/a', 'pairs_per_problem': 0}})
    with pytest.raises(JobRequestError, match='unknown request type'):
        jobs_comm.validate_request({'type': 'explode', 'request_id': 'r2'})
    with pytest.raises(JobRequestError, match='stages'):
        jobs_comm.validate_request({'type': 'start', 'request_id': 'r3', 'options': {
            'input': 'a.jsonl', 'output': 'runs/a', 'stages': ['filter', 'paint']}})


def test_every_request_the_panel_sends_is_valid():
    for request in (
            {'type': 'start', 'request_id': 'r', 'options': {
                'input': 'a.jsonl', 'output': 'o', 'stages': ['filter', 'trace'], 'workers': 2,
                'pairs_per_problem': 10, 'traces_per_problem': 1, 'max_trace_lines': 300,
                'timeout': 5, 'translator_url': 'http://127.0.0.1:8000/v1', 'model': 'm', 'max_tokens': 512}},
            {'type': 'cancel', 'request_id': 'r', 'output': 'o'},
            {'type': 'attach', 'request_id': 'r', 'output': 'o'},
            {'type': 'list', 'request_id': 'r'},
            {'type': 'preview', 'request_id': 'r', 'path': 'a.jsonl'},
            {'type': 'samples', 'request_id': 'r', 'output': 'o', 'status': 'ok', 'verdict': '',
             'query': 'x', 'limit': 200},
            {'type': 'sample', 'request_id': 'r', 'output': 'o', 'id': '1_0'}):
        jobs_comm.validate_request(request)


def test_the_panels_max_tokens_reaches_the_translators_requests():
    from groundtrace import cli
    from groundtrace.jobs import job_command
    from groundtrace.translate.cli import config_from_args

    options = {'input': 'a.jsonl', 'output': 'o', 'stages': ['filter', 'trace', 'select', 'translate'],
               'translator_url': 'http://127.0.0.1:8000/v1', 'max_tokens': 512}
    command = job_command(options)
    assert command[command.index('--max-tokens') + 1] == '512'
    assert '--max-tokens' not in job_command(dict(options, stages=['filter', 'trace']))  # nothing to narrate
    args = cli.build_parser().parse_args(command[command.index('run'):])
    body = config_from_args(args).request_body([{'role': 'user', 'content': 'x'}])
    assert body['max_tokens'] == 512 and body['temperature'] == 0.6  # the rest of the paper's sampling stays
    unset = job_command(dict(options, max_tokens=None))
    unset = cli.build_parser().parse_args(unset[unset.index('run'):])
    assert config_from_args(unset).request_body([])['max_tokens'] == 16384


def test_samples_are_filtered_by_status_verdict_and_text(folder):
    index = SampleIndex(str(folder))
    everything = index.query()
    assert everything['total'] == 4
    assert everything['statuses'] == {'ok': 3, 'mismatch': 1, 'timeout': 1}
    assert everything['verdicts'] == {'pass': 1, 'wrong_answer': 1, 'untranslated': 2}
    assert [r['id'] for r in index.query(status='mismatch')['rows']] == ['1_1']
    assert [r['id'] for r in index.query(verdict='pass')['rows']] == ['1_0']
    assert [r['id'] for r in index.query(verdict='untranslated')['rows']] == ['1_1', '2_0']
    assert [r['id'] for r in index.query(verdict='translated')['rows']] == ['1_0', '3_0']
    assert [r['id'] for r in index.query(query='ISLANDS')['rows']] == ['3_0']
    assert [r['id'] for r in index.query(query='2_0')['rows']] == ['2_0']


def test_the_sample_index_reads_only_what_was_appended(folder):
    index = SampleIndex(str(folder))
    assert index.query()['total'] == 4
    with open(folder / 'traces.jsonl', 'a') as f:
        f.write(json.dumps(trace('4_0')) + '\n')
        f.write('{"id": "5_0", "sta')  # a line being written is not read yet
    offset = index._traces.offset
    assert index.query()['total'] == 5
    assert index._traces.offset > offset
    with open(folder / 'traces.jsonl', 'a') as f:
        f.write('tus": "ok"}\n')
    assert index.query()['total'] == 6


def test_one_sample_brings_its_trace_document_and_translation(folder):
    sample = load_sample(str(folder), '1_0')
    assert sample['record']['status'] == 'ok'
    assert sample['document'] == {'version': 1}
    assert sample['translation']['verdict'] == 'pass'
    assert load_sample(str(folder), '2_0')['translation'] is None
    assert load_sample(str(folder), '9_9') is None


def test_a_folder_locked_by_another_process_is_refused(tmp_path, toy_data_path):
    (tmp_path / 'out').mkdir()
    fd = os.open(tmp_path / 'out' / '.lock', os.O_RDWR | os.O_CREAT)
    os.write(fd, b'31337')
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        assert folder_lock_holder(str(tmp_path / 'out')) == '31337'
        with pytest.raises(JobRequestError, match=r'locked by another job \(pid 31337\)') as exc:
            JobManager(lambda e: None).start({'input': str(toy_data_path), 'output': str(tmp_path / 'out')})
        assert 'another output folder' in exc.value.hint
    finally:
        os.close(fd)
    assert folder_lock_holder(str(tmp_path / 'out')) is None


def test_an_unreachable_translator_is_named_with_the_url_tried():
    with pytest.raises(JobRequestError, match=r'translator unreachable: tried http://127.0.0.1:9/v1/models') as exc:
        check_translator('http://127.0.0.1:9/v1')
    assert 'start the translator' in exc.value.hint


def test_job_failures_are_explained_with_what_to_do():
    message, hint = explain_failure('Traceback...\ngroundtrace: error: /x was started with other settings '
                                    '(limit: 30 → 40); use a new output folder or the same settings to resume')
    assert message.startswith('/x was started with other settings')
    assert 'new output folder' in hint
    message, hint = explain_failure('groundtrace: error: another groundtrace job (pid 12) is using /x; wait')
    assert 'pid 12' in message and 'another output folder' in hint


# A process that holds a folder's job lock, as a running job does, until it is killed.
HOLD_LOCK = (
    'import sys, time\n'
    'from groundtrace.pipeline.job_folder import JobFolder\n'
    'JobFolder(sys.argv[1]).lock().acquire()\n'
    'print("locked", flush=True)\n'
    'time.sleep(60)\n'
)


def _hold_lock(folder):
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, '-c', HOLD_LOCK, str(folder), 'groundtrace.cli'],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == 'locked'
    return proc


def test_attach_trusts_the_folders_lock_over_the_state_in_progress_json(tmp_path):
    # a job says 'finished' in progress.json for a moment before it ends (between its parts)
    job = _hold_lock(tmp_path)
    try:
        (tmp_path / 'progress.json').write_text(json.dumps(
            {'state': 'finished', 'stage': None, 'done': 0, 'pid': job.pid, 'stages': ['filter']}))
        status = JobManager(lambda e: None).attach(str(tmp_path))
        assert status['state'] == 'running' and status['pid'] == job.pid
    finally:
        job.kill()
        job.wait()
    assert JobManager(lambda e: None).attach(str(tmp_path))['state'] == 'finished'


def test_a_stale_pid_that_another_groundtrace_job_got_is_not_this_folders_job(tmp_path):
    # A job killed with -9 leaves progress.json saying running; its pid can go to a later job
    # of another folder, which is a groundtrace process and alive, but not this folder's job.
    (tmp_path / 'other').mkdir()
    other = _hold_lock(tmp_path / 'other')
    try:
        # (a process of groundtrace's own command line: what a pid check alone would take for a job)
        assert 'groundtrace.cli' in open('/proc/{}/cmdline'.format(other.pid)).read().split('\0')
        folder = tmp_path / 'run'
        folder.mkdir()
        (folder / 'progress.json').write_text(json.dumps(
            {'state': 'running', 'stage': 'trace', 'done': 3, 'pid': other.pid}))
        status = JobManager(lambda e: None).attach(str(folder))
        assert status['state'] == 'interrupted' and 'Resume' in status['hint']
        assert JobManager(lambda e: None).attach(str(tmp_path / 'other'))['pid'] == other.pid
    finally:
        other.kill()
        other.wait()


def test_a_reused_pid_is_not_taken_for_a_job(tmp_path):
    (tmp_path / 'progress.json').write_text(json.dumps(
        {'state': 'running', 'stage': 'trace', 'done': 3, 'pid': os.getpid()}))  # pytest, not a job
    status = JobManager(lambda e: None).attach(str(tmp_path))
    assert status['state'] == 'interrupted'
    assert 'Resume' in status['hint']


def test_the_preview_counts_the_whole_files_lines_for_the_estimate(tmp_path, toy_data_path):
    import gzip

    from groundtrace.jobs_comm import preview_input

    lines = toy_data_path.read_bytes().splitlines(keepends=True)[:30]
    path = tmp_path / 'in.jsonl.gz'
    with gzip.open(path, 'wb') as f:
        f.writelines(lines[:10] + [b'\n'] + lines[10:])
    preview = preview_input(str(path))
    assert preview['lines'] == 30 and len(preview['records']) == 5
