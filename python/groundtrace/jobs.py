"""Dataset jobs started and watched from a kernel (the side panel's backend).

A job is ``groundtrace run`` in its own process session, so the kernel stays responsive,
and cancelling reaches every worker; it writes everything to its output folder, so a
browser reload or a kernel restart loses nothing and the job can be found again from
the folder (``progress.json`` names the job's pid). Progress reaches the UI as events,
at most ``MAX_UPDATES_PER_SECOND``, whatever the job's speed.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time

MAX_UPDATES_PER_SECOND = 10
CANCEL_GRACE_S = 5.0
LOG_NAME = 'job.log'

# CLI flags for the options the panel sets; one table, so the panel and CLI agree.
OPTION_FLAGS = {
    'stages': '--stages',
    'limit': '--limit',
    'workers': '--workers',
    'pairs_per_problem': '--pairs-per-problem',
    'traces_per_problem': '--traces-per-problem',
    'max_trace_lines': '--max-trace-lines',
    'timeout': '--timeout',
    'seed': '--seed',
    'translator_url': '--translator-url',
    'model': '--model',
}


class JobRequestError(ValueError):
    """A request the user can fix (missing input, folder already in use, ...)."""

    def __init__(self, message, hint=''):
        super().__init__(message)
        self.hint = hint


def job_command(options):
    """The ``groundtrace run`` command line for a panel's options."""
    command = [sys.executable, '-m', 'groundtrace.cli', 'run',
               '--input', options['input'], '--output', options['output'], '--quiet']
    for key, flag in OPTION_FLAGS.items():
        value = options.get(key)
        if value is None or value == '' or value == []:
            continue
        if isinstance(value, (list, tuple)):
            value = ','.join(value)
        command += [flag, str(value)]
    return command


def read_progress(folder):
    """The job's ``progress.json``, or None while there is none (or it is mid-write)."""
    try:
        with open(os.path.join(folder, 'progress.json')) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def log_tail(folder, n_lines=20):
    try:
        with open(os.path.join(folder, LOG_NAME), errors='replace') as f:
            return ''.join(f.readlines()[-n_lines:])
    except OSError:
        return ''


class Job:
    """One job, started here or found again in its folder."""

    def __init__(self, output, process=None, pid=None):
        self.output = output
        self.process = process
        self.pid = process.pid if process else pid
        self.state = 'running'
        self.error = None

    def poll(self):
        """Update and return the state from the process (ours) or the folder (found)."""
        if self.state not in ('running', 'cancelling'):
            return self.state
        if self.process is not None:
            code = self.process.poll()
            if code is None:
                return self.state
            self._ended(code)
        elif not pid_alive(self.pid):
            progress = read_progress(self.output) or {}
            self._ended(0 if progress.get('state') == 'finished' else None)
        return self.state

    def _ended(self, code):
        if self.state == 'cancelling':
            self.state = 'cancelled'
        elif code == 0:
            self.state = 'finished'
        else:
            self.state = 'failed'
            progress = read_progress(self.output) or {}
            self.error = progress.get('error') or log_tail(self.output).strip() or 'the job stopped'

    def cancel(self):
        """Stop every process of the job; what it wrote stays and a rerun resumes."""
        if self.poll() != 'running':
            return
        self.state = 'cancelling'
        try:
            os.killpg(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        threading.Thread(target=self._kill_after_grace, daemon=True).start()

    def _kill_after_grace(self):
        deadline = time.monotonic() + CANCEL_GRACE_S
        while time.monotonic() < deadline:
            if self.poll() != 'cancelling':
                return
            time.sleep(0.1)
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def status(self):
        return {
            'output': self.output,
            'state': self.poll(),
            'pid': self.pid,
            'error': self.error,
            'progress': read_progress(self.output),
        }


class JobManager:
    """The jobs of this kernel, keyed by output folder, each watched by one thread."""

    def __init__(self, send):
        self._send = send  # called with each event dict (e.g. comm.send)
        self._jobs = {}
        self._lock = threading.Lock()

    def start(self, options):
        input_path = os.path.abspath(os.path.expanduser(options.get('input') or ''))
        output = os.path.abspath(os.path.expanduser(options.get('output') or ''))
        if not os.path.isfile(input_path):
            raise JobRequestError('input file not found: {}'.format(input_path),
                                  'pick a JSONL file of problems (e.g. data/pyedu_toy.jsonl)')
        if not options.get('output'):
            raise JobRequestError('no output folder given', 'type a folder name, e.g. runs/toy')
        with self._lock:
            existing = self._jobs.get(output)
            if existing and existing.poll() in ('running', 'cancelling'):
                raise JobRequestError('a job is already running in {}'.format(output),
                                      'wait for it, cancel it, or choose another output folder')
            found = self._running_job_in(output)
            if found:
                raise JobRequestError(
                    'another process (pid {}) is running a job in {}'.format(found, output),
                    'watch it with Attach, or choose another output folder')
            os.makedirs(output, exist_ok=True)
            options = dict(options, input=input_path, output=output)
            log = open(os.path.join(output, LOG_NAME), 'ab')
            try:
                process = subprocess.Popen(
                    job_command(options), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                    start_new_session=True,  # its own process group: cancel reaches every worker
                )
            finally:
                log.close()
            job = self._jobs[output] = Job(output, process=process)
        self._watch(job)
        return job.status()

    def attach(self, output):
        """Find a job again from its folder (after a kernel restart or from another kernel)."""
        output = os.path.abspath(os.path.expanduser(output))
        with self._lock:
            job = self._jobs.get(output)
            if job is None:
                pid = self._running_job_in(output)
                if pid is None:
                    status = {'output': output, 'state': _folder_state(output), 'pid': None,
                              'error': None, 'progress': read_progress(output)}
                    self._send(dict(status, type='status'))
                    return status
                job = self._jobs[output] = Job(output, pid=pid)
                self._watch(job)
        status = job.status()
        self._send(dict(status, type='status'))
        return status

    def cancel(self, output):
        output = os.path.abspath(os.path.expanduser(output))
        job = self._jobs.get(output)
        if job is None:
            raise JobRequestError('no job of this kernel runs in {}'.format(output))
        job.cancel()
        self._send(dict(job.status(), type='status'))

    def list(self):
        return [job.status() for job in self._jobs.values()]

    @staticmethod
    def _running_job_in(output):
        progress = read_progress(output)
        if progress and progress.get('state') == 'running' and progress.get('pid'):
            if pid_alive(progress['pid']):
                return progress['pid']
        return None

    def _watch(self, job):
        threading.Thread(target=self._watch_loop, args=(job,), daemon=True,
                         name='groundtrace-job-watch').start()

    def _watch_loop(self, job):
        """Send progress when progress.json changes, and the final state once."""
        path = os.path.join(job.output, 'progress.json')
        last_mtime = None
        interval = 1.0 / MAX_UPDATES_PER_SECOND
        while True:
            state = job.poll()
            try:
                mtime = os.stat(path).st_mtime_ns
            except OSError:
                mtime = None
            if mtime != last_mtime and state in ('running', 'cancelling'):
                last_mtime = mtime
                progress = read_progress(job.output)
                if progress is not None:
                    self._send({'type': 'progress', 'output': job.output, 'state': state,
                                'progress': progress})
            if state not in ('running', 'cancelling'):
                self._send(dict(job.status(), type='status'))
                return
            time.sleep(interval)


def _folder_state(output):
    """What a folder without a live job holds: nothing, a finished job, or one to resume."""
    progress = read_progress(output)
    if progress is None:
        return 'idle'
    if progress.get('state') == 'finished':
        return 'finished'
    if progress.get('state') == 'failed':
        return 'failed'
    return 'interrupted'
