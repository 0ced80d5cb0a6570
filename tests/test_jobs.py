"""Jobs started from a kernel for the side panel: real `groundtrace run` processes."""

import json
import os
import threading
import time
from pathlib import Path

import pytest

from groundtrace import jobs
from groundtrace.jobs import JobManager, JobRequestError
from tests_support import wait_for

REPO_PYTHON = str(Path(__file__).resolve().parent.parent / 'python')


@pytest.fixture(autouse=True)
def package_on_path(monkeypatch):
    # the job runs `python -m groundtrace.cli`: it must import this checkout
    monkeypatch.setenv('PYTHONPATH', REPO_PYTHON + os.pathsep + os.environ.get('PYTHONPATH', ''))


class Events:
    def __init__(self):
        self.items = []
        self.lock = threading.Lock()

    def __call__(self, event):
        with self.lock:
            self.items.append((time.monotonic(), json.loads(json.dumps(event))))

    def of(self, kind):
        with self.lock:
            return [e for _, e in self.items if e['type'] == kind]

    def final(self, output):
        return [e for e in self.of('status') if e['output'] == output and e['state'] not in ('running', 'cancelling')]


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def options(tmp_path, toy_path, limit, **extra):
    return dict(input=str(toy_path), output=str(tmp_path / 'run'), limit=limit,
                stages=['filter', 'trace', 'select'], workers=2, **extra)


def test_job_runs_to_the_end_and_reports_progress(tmp_path, toy_data_path):
    events = Events()
    manager = JobManager(events)
    status = manager.start(options(tmp_path, toy_data_path, limit=3))
    assert status['state'] == 'running'
    wait_for(lambda: events.final(status['output']), timeout=120)
    final = events.final(status['output'])[-1]
    assert final['state'] == 'finished', final
    assert final['progress']['finished_stages'] == ['filter', 'trace', 'select']
    assert events.of('progress'), 'no progress events'
    assert (tmp_path / 'run' / 'selected.jsonl').exists()


def test_progress_events_are_rate_limited(tmp_path, toy_data_path):
    events = Events()
    manager = JobManager(events)
    status = manager.start(options(tmp_path, toy_data_path, limit=10))
    wait_for(lambda: events.final(status['output']), timeout=180)
    times = [t for t, e in events.items if e['type'] == 'progress']
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(gap >= 0.9 / jobs.MAX_UPDATES_PER_SECOND for gap in gaps), gaps


def test_same_folder_twice_is_refused_and_other_folders_run_at_once(tmp_path, toy_data_path):
    events = Events()
    manager = JobManager(events)
    first = manager.start(options(tmp_path, toy_data_path, limit=40))
    with pytest.raises(JobRequestError, match='already running'):
        manager.start(options(tmp_path, toy_data_path, limit=40))
    second = manager.start(dict(options(tmp_path, toy_data_path, limit=2), output=str(tmp_path / 'other')))
    assert {first['state'], second['state']} == {'running'}
    manager.cancel(first['output'])
    wait_for(lambda: events.final(first['output']) and events.final(second['output']), timeout=120)
    assert events.final(second['output'])[-1]['state'] == 'finished'


def test_cancel_stops_every_process_and_a_rerun_resumes(tmp_path, toy_data_path):
    events = Events()
    manager = JobManager(events)
    opts = options(tmp_path, toy_data_path, limit=60)
    status = manager.start(opts)
    wait_for(lambda: any(e['progress'].get('stage') == 'trace' and e['progress']['done'] > 0
                         for e in events.of('progress')), timeout=120)
    manager.cancel(status['output'])
    wait_for(lambda: events.final(status['output']), timeout=30)
    assert events.final(status['output'])[-1]['state'] == 'cancelled'
    assert not jobs.pid_alive(status['pid'])
    wait_for(lambda: not group_alive(status['pid']), timeout=10)  # no worker of the job is left
    traced_before = sum(1 for _ in open(tmp_path / 'run' / 'traces.jsonl'))
    again = Events()
    resumed = JobManager(again).start(opts)
    wait_for(lambda: again.final(resumed['output']), timeout=240)
    assert again.final(resumed['output'])[-1]['state'] == 'finished'
    ids = [json.loads(line)['id'] for line in open(tmp_path / 'run' / 'traces.jsonl')]
    assert len(ids) == len(set(ids)) >= traced_before


def test_missing_input_is_a_clear_error(tmp_path):
    with pytest.raises(JobRequestError, match='input file not found'):
        JobManager(Events()).start({'input': str(tmp_path / 'nope.jsonl'), 'output': str(tmp_path / 'x')})


def test_attach_finds_a_finished_folder(tmp_path, toy_data_path):
    events = Events()
    status = JobManager(events).start(options(tmp_path, toy_data_path, limit=2))
    wait_for(lambda: events.final(status['output']), timeout=120)
    later = Events()  # e.g. a new kernel after a restart
    found = JobManager(later).attach(status['output'])
    assert found['state'] == 'finished' and found['progress']['state'] == 'finished'


def test_a_found_job_that_ended_unreaped_is_seen_as_ended(tmp_path):
    # A job started by an earlier kernel, found again from its folder, that exits while its
    # parent does not reap it stays a zombie: it must not look alive (the panel would say
    # Running for ever). Here the test is the parent that does not reap.
    import subprocess

    proc = subprocess.Popen(['sleep', '0.2'])
    assert jobs.pid_alive(proc.pid)
    folder = tmp_path / 'run'
    folder.mkdir()
    (folder / 'progress.json').write_text(json.dumps({'state': 'finished', 'pid': proc.pid}))
    job = jobs.Job(str(folder), pid=proc.pid)
    assert job.poll() == 'running'
    wait_for(lambda: open('/proc/{}/stat'.format(proc.pid)).read().rsplit(')', 1)[1].split()[0] == 'Z', timeout=10)
    assert not jobs.pid_alive(proc.pid)
    assert job.poll() == 'finished'
    proc.wait()


def test_a_found_job_whose_pid_another_process_got_is_seen_as_ended(tmp_path, monkeypatch):
    # Pids wrap (at 32768 here): after a found job ends, a later process can get its pid and
    # would keep it "running" for ever. The pid's start time tells the two apart.
    import subprocess

    proc = subprocess.Popen(['sleep', '30'])
    try:
        folder = tmp_path / 'run'
        folder.mkdir()
        (folder / 'progress.json').write_text(json.dumps({'state': 'finished', 'pid': proc.pid}))
        job = jobs.Job(str(folder), pid=proc.pid)
        assert job.started == jobs.process_start_time(proc.pid) is not None
        assert job.poll() == 'running'
        started = job.started
        monkeypatch.setattr(jobs, 'process_start_time', lambda pid: started + 1)  # the pid's next owner
        assert job.poll() == 'finished'
    finally:
        proc.kill()
        proc.wait()
