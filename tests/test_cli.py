"""`groundtrace run` end to end on the toy data, in real subprocesses."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ENV = dict(os.environ, PYTHONPATH=str(REPO / 'python'))


def groundtrace(*args, **kw):
    return subprocess.run([sys.executable, '-m', 'groundtrace.cli', *args], env=ENV,
                          capture_output=True, text=True, **kw)


def ids(path):
    return [json.loads(line)['id'] for line in open(path)]


@pytest.fixture(scope='module')
def toy_run(tmp_path_factory, toy_data_path):
    out = tmp_path_factory.mktemp('run') / 'toy'
    proc = groundtrace('run', '--input', str(toy_data_path), '--output', str(out), '--limit', '12',
                       '--quiet', '--workers', '2')
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_help_explains_every_option():
    text = groundtrace('run', '--help').stdout
    for option in ('--stages', '--limit', '--workers', '--pairs-per-problem', '--traces-per-problem',
                   '--max-trace-lines', '--timeout', '--seed', '--shard'):
        assert option in text


def test_run_writes_the_job_folder(toy_run):
    out, _ = toy_run
    for name in ('filtered.jsonl', 'traces.jsonl', 'documents.jsonl', 'selected.jsonl', 'stats.json',
                 'progress.json', 'README.md', 'job.json'):
        assert (out / name).exists(), name
    assert json.loads((out / 'progress.json').read_text())['state'] == 'finished'


def test_every_attempted_item_has_a_status_and_the_record_fields(toy_run):
    out, _ = toy_run
    for line in open(out / 'traces.jsonl'):
        record = json.loads(line)
        assert record['id'] == '{}_{}'.format(record['problem_id'], record['pair_index'])
        for field in ('problem_description', 'refcode', 'input', 'expected_output', 'trace', 'n_lines',
                      'elapsed_ms', 'return_value', 'output_matches'):
            assert field in record
        if record['status'] == 'ok':
            assert record['return_value']['repr'] and isinstance(record['output_matches'], bool)


def test_the_summary_table_counts_each_stage(toy_run):
    out, proc = toy_run
    stats = json.loads((out / 'stats.json').read_text())
    assert stats['stages']['trace']['in'] == len(ids(out / 'traces.jsonl'))
    assert stats['stages']['select']['out'] == len(ids(out / 'selected.jsonl'))
    assert 'trace' in proc.stdout and 'select' in proc.stdout


def test_a_second_job_on_the_same_folder_is_refused(toy_run, toy_data_path):
    out, _ = toy_run
    from groundtrace.pipeline.job_folder import JobFolder
    with JobFolder(str(out)).lock():
        proc = groundtrace('run', '--input', str(toy_data_path), '--output', str(out), '--limit', '12', '--quiet')
    assert proc.returncode == 2 and 'another groundtrace job' in proc.stderr


def test_other_settings_on_an_existing_folder_are_refused(toy_run, toy_data_path):
    out, _ = toy_run
    proc = groundtrace('run', '--input', str(toy_data_path), '--output', str(out), '--limit', '12',
                       '--seed', '7', '--quiet')
    assert proc.returncode == 2 and 'seed' in proc.stderr


def test_build_turns_a_translated_file_into_training_data(toy_run, tmp_path, toy_data_path):
    out, _ = toy_run
    selected = [json.loads(line) for line in open(out / 'selected.jsonl')]
    translated = tmp_path / 'translated.jsonl'
    # half the narrations end on the executed value, half on a wrong one
    right = {r['id'] for r in selected[::2]}
    translated.write_text(''.join(json.dumps(dict(r, nl_trace='<think>x</think>Final answer: {}'.format(
        r['return_value']['repr'] if r['id'] in right else '"no such value"'))) + '\n' for r in selected))
    proc = groundtrace('run', '--input', str(toy_data_path), '--output', str(out), '--limit', '12',
                       '--stages', 'build', '--translated', str(translated), '--quiet')
    assert proc.returncode == 0, proc.stderr
    assert len(ids_or_lines(out / 'train.jsonl')) == len(right)  # build trains on verified answers only
    assert (out / 'dataset_info.json').exists()
    proc = groundtrace('run', '--input', str(toy_data_path), '--output', str(out), '--limit', '12',
                       '--stages', 'build', '--translated', str(translated), '--verdict-policy', 'all', '--quiet')
    assert proc.returncode == 0, proc.stderr
    assert len(ids_or_lines(out / 'train.jsonl')) == len(selected)


def test_status_into_a_closed_pipe_ends_quietly(toy_run):
    out, _ = toy_run
    # As `groundtrace status F | head -0`: the reader is gone before anything is written.
    proc = subprocess.Popen([sys.executable, '-m', 'groundtrace.cli', 'status', str(out)], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait() == 141
    assert stderr == ''


def ids_or_lines(path):
    return open(path).read().splitlines()


def test_kill_9_and_rerun_loses_and_duplicates_nothing(tmp_path, toy_data_path, toy_run):
    reference, _ = toy_run
    out = tmp_path / 'killed'
    args = [sys.executable, '-m', 'groundtrace.cli', 'run', '--input', str(toy_data_path),
            '--output', str(out), '--limit', '12', '--quiet', '--workers', '2']
    job = subprocess.Popen(args, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    traces = out / 'traces.jsonl'
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not traces.exists() or len(ids(traces)) < 20):
        time.sleep(0.05)
    running = groundtrace('status', str(out)).stdout
    assert running.splitlines()[0].endswith(': running (pid {})'.format(job.pid)), running
    assert any(line.split()[:2] == ['trace', 'running'] for line in running.splitlines()), running
    job.send_signal(signal.SIGKILL)
    job.wait()
    status = groundtrace('status', str(out)).stdout
    assert status.splitlines()[0].endswith(': interrupted')
    assert any(line.split()[:2] == ['trace', 'stopped'] for line in status.splitlines()), status
    with open(traces, 'a') as f:
        f.write('{"id": "torn')  # as if killed in the middle of a line
    proc = subprocess.run(args, env=ENV, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    resumed = ids(traces)
    assert len(resumed) == len(set(resumed))
    assert sorted(resumed) == sorted(ids(reference / 'traces.jsonl'))
    documents = ids(out / 'documents.jsonl')
    assert len(documents) == len(set(documents))


def test_shards_merge_into_the_whole(tmp_path, toy_data_path, toy_run):
    reference, _ = toy_run
    shards = []
    for k in range(2):
        folder = tmp_path / 'shard{}'.format(k)
        proc = groundtrace('run', '--input', str(toy_data_path), '--output', str(folder), '--limit', '12',
                           '--shard', '{}/2'.format(k), '--quiet', '--stages', 'filter,trace')
        assert proc.returncode == 0, proc.stderr
        shards.append(str(folder))
    merged = tmp_path / 'merged'
    proc = groundtrace('merge', '--output', str(merged), *shards, '--quiet')
    assert proc.returncode == 0, proc.stderr
    assert sorted(ids(merged / 'traces.jsonl')) == sorted(ids(reference / 'traces.jsonl'))
    assert sorted(ids(merged / 'selected.jsonl')) == sorted(ids(reference / 'selected.jsonl'))


def test_cruxeval_records_are_traced_by_the_same_engine(tmp_path):
    data = tmp_path / 'crux.jsonl'
    data.write_text(json.dumps({'id': 'sample_0', 'code': 'def f(nums):\n    return sorted(nums)[::-1]\n',
                                'input': 'f([3, 1, 2])', 'output': '[3, 2, 1]'}) + '\n')
    out = tmp_path / 'crux'
    proc = groundtrace('run', '--input', str(data), '--output', str(out), '--quiet', '--workers', '1')
    assert proc.returncode == 0, proc.stderr
    (record,) = [json.loads(line) for line in open(out / 'traces.jsonl')]
    assert record['id'] == 'sample_0_0' and record['status'] == 'ok' and record['output_matches'] is True
    assert record['trace'].splitlines()[-1] == ' <<< Return value from f: [3, 2, 1]'
    assert ids(out / 'selected.jsonl') == ['sample_0_0']


def test_a_seeded_sample_of_problems_is_the_same_in_every_shard(tmp_path, toy_data_path):
    def problems(folder):
        return sorted(json.loads(line)['line_no'] for line in open(folder / 'filtered.jsonl'))

    whole = tmp_path / 'whole'
    proc = groundtrace('run', '--input', str(toy_data_path), '--output', str(whole), '--sample', '6',
                       '--stages', 'filter', '--quiet')
    assert proc.returncode == 0, proc.stderr
    lines = problems(whole)
    assert len(lines) == 6 and lines != list(range(1, 7))  # not the first six
    parts = []
    for k in range(2):
        shard = tmp_path / 'shard{}'.format(k)
        proc = groundtrace('run', '--input', str(toy_data_path), '--output', str(shard), '--sample', '6',
                           '--shard', '{}/2'.format(k), '--stages', 'filter', '--quiet')
        assert proc.returncode == 0, proc.stderr
        parts += problems(shard)
    assert sorted(parts) == lines
    proc = groundtrace('run', '--input', str(toy_data_path), '--output', str(tmp_path / 'both'), '--sample', '6',
                       '--limit', '6', '--stages', 'filter', '--quiet')
    assert proc.returncode == 2 and 'not both' in proc.stderr
