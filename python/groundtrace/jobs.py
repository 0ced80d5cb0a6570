"""Dataset jobs started and watched from a kernel (the side panel's backend).

A job is ``groundtrace run`` in its own process session, so the kernel stays responsive,
and cancelling reaches every worker; it writes everything to its output folder, so a
browser reload or a kernel restart loses nothing and the job can be found again from
the folder (the job holds the folder's lock while it runs). Progress reaches the UI as events,
at most ``MAX_UPDATES_PER_SECOND``, whatever the job's speed.
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from .pipeline.job_folder import FILES, JobFolder
from .pipeline.run_options import DEFAULTS, OPTIONS, flag

MAX_UPDATES_PER_SECOND = 10
CANCEL_GRACE_S = 5.0

TRANSLATOR_CHECK_TIMEOUT_S = 3.0
# Options only the translate stage reads: not passed to a job that does not translate.
TRANSLATOR_OPTIONS = ('translator_url', 'model', 'max_tokens')

# The options the panel may set beside input and output (each is `groundtrace run --name`).
PANEL_OPTIONS = tuple(name for name in OPTIONS if name not in ('input', 'output'))


class JobRequestError(ValueError):
    """A request the user can fix (missing input, folder already in use, ...)."""

    def __init__(self, message, hint=''):
        super().__init__(message)
        self.hint = hint


def job_command(options):
    """The ``groundtrace run`` command line for a panel's options."""
    command = [sys.executable, '-m', 'groundtrace.cli', 'run',
               '--input', options['input'], '--output', options['output'], '--quiet']
    translates = 'translate' in (options.get('stages') or DEFAULTS['stages'])
    for key in PANEL_OPTIONS:
        if key in TRANSLATOR_OPTIONS and not translates:
            continue
        value = options.get(key)
        if value is None or value == '' or value == []:
            continue
        if isinstance(value, bool):
            if value != DEFAULTS[key]:
                command.append(flag(key))
            continue
        if isinstance(value, (list, tuple)):
            value = ','.join(value)
        command += [flag(key), str(value)]
    return command


def read_progress(folder):
    """The job's ``progress.json``, or None while there is none (or it is mid-write)."""
    return JobFolder(folder).read_progress()


def read_stats(folder):
    """The job's ``stats.json`` (counts per stage and reason), or None."""
    return JobFolder(folder).read_stats()


def folder_lock_holder(folder):
    """The pid text of the process holding the folder's job lock, or None when it is free."""
    return JobFolder(folder).lock_holder()


def check_translator(url):
    """Raise a JobRequestError naming the URL when no OpenAI-compatible server answers there."""
    models = url.rstrip('/') + '/models'
    try:
        with urllib.request.urlopen(models, timeout=TRANSLATOR_CHECK_TIMEOUT_S) as response:
            response.read(1)
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            return  # it answers; the key is the translate stage's business
        raise JobRequestError('the translator at {} answered {} {}'.format(models, exc.code, exc.reason),
                              'check the translator endpoint (it ends in /v1) in the options')
    except (OSError, ValueError) as exc:
        reason = getattr(exc, 'reason', exc)
        raise JobRequestError('translator unreachable: tried {} ({})'.format(models, reason),
                              'start the translator server (vLLM) or fix the endpoint, '
                              'or untick the translate stage')


RAY_HINT = ('start the cluster (ray start --head --port PORT on the head node) or fix the Ray address, '
            'or choose the local executor')


def check_ray(address):
    """Raise a JobRequestError naming the address when no Ray cluster answers there."""
    from .pipeline.executors.ray import RayExecutorError, check_address
    try:
        check_address(address)
    except RayExecutorError as exc:
        raise JobRequestError(str(exc), RAY_HINT)


# Known failures of a job, as (pattern in its error, what the user can do).
FAILURE_HINTS = (
    (r'other settings', 'use a new output folder, or the same settings to resume this one'),
    (r'FolderLocked|another groundtrace job', 'wait for that job or cancel it, or choose another output folder'),
    (r'Ray unreachable|running Ray (instance|cluster)|ray\.init|ray executor needs Ray', RAY_HINT),
    (r'translat\w* .*(unreachable|connect|refused)|Connection ?(refused|Error)',
     'start the translator server or fix its endpoint in the options, then resume'),
    (r'No such file|not found', 'check the input path'),
    (r'MemoryError|No space left', 'free memory or disk space, then resume'),
)


def explain_failure(text):
    """(message, hint) for a failed job's error text or log tail."""
    text = (text or '').strip()
    errors = re.findall(r'^groundtrace: error: (.*)$', text, re.M)
    if errors:
        message = errors[-1]
    else:
        lines = [line for line in text.splitlines() if line.strip()]
        message = lines[-1].strip() if lines else 'the job stopped'
    for pattern, hint in FAILURE_HINTS:
        if re.search(pattern, text, re.I):
            return message, hint
    return message, 'see {} in the output folder; fix the cause and press Resume'.format(FILES['log'])


def shown_path(folder):
    """A folder as the panel shows it: relative to the Jupyter root (the kernel's cwd) if inside it."""
    relative = os.path.relpath(folder)
    return folder if relative == '..' or relative.startswith('..' + os.sep) else relative


def _stat_fields(pid):
    """The fields of /proc/PID/stat after the command name (the state is the first), or None."""
    try:
        with open('/proc/{}/stat'.format(pid), 'rb') as f:
            return f.read().rsplit(b')', 1)[1].split()
    except (OSError, IndexError):
        return None


def pid_alive(pid):
    """Whether the process still runs. A zombie does not: a job started by an earlier kernel
    that ended while nobody reaped it would otherwise look alive for ever."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    fields = _stat_fields(pid)
    return not fields or fields[0] != b'Z'  # no /proc here: the signal's answer stands


def process_start_time(pid):
    """When the process started (clock ticks since boot), or None: with the pid, what tells
    one process from a later one that got the same pid (pids wrap at 32768 here)."""
    fields = _stat_fields(pid)
    try:
        return int(fields[19])
    except (TypeError, IndexError, ValueError):
        return None


def log_tail(folder, n_lines=20):
    return JobFolder(folder).log_tail(n_lines)


class Job:
    """One job, started here or found again in its folder."""

    def __init__(self, output, process=None, pid=None):
        self.output = output
        self.process = process
        self.pid = process.pid if process else pid
        # A found job is known by its pid: once it ends, another process may get that pid.
        self.started = None if process else process_start_time(pid)
        self.state = 'running'
        self.error = None
        self.hint = ''

    def poll(self):
        """Update and return the state from the process (ours) or the folder (found)."""
        if self.state not in ('running', 'cancelling'):
            return self.state
        if self.process is not None:
            code = self.process.poll()
            if code is None:
                return self.state
            self._ended(code)
        elif not pid_alive(self.pid) or process_start_time(self.pid) != self.started:
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
            log = log_tail(self.output)
            # a refused start (locked folder, other settings) never reaches progress.json
            text = log if 'groundtrace: error:' in log else (progress.get('error') or log)
            self.error, self.hint = explain_failure(text)

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
            'path': shown_path(self.output),
            'state': self.poll(),
            'pid': self.pid,
            'error': self.error,
            'hint': self.hint,
            'progress': (read_progress(self.output) if self.state in ('running', 'cancelling')
                         else ended_progress(read_progress(self.output))),
            'stats': read_stats(self.output),
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
        if not options.get('stages', True):
            raise JobRequestError('no stage chosen', 'tick at least one stage')
        if 'translate' in (options.get('stages') or ()) and options.get('translator_url'):
            check_translator(options['translator_url'])
        if options.get('executor') == 'ray':
            check_ray(options.get('ray_address'))
        with self._lock:
            existing = self._jobs.get(output)
            if existing and existing.poll() in ('running', 'cancelling'):
                raise JobRequestError('a job is already running in {}'.format(output),
                                      'wait for it, cancel it, or choose another output folder')
            found = folder_lock_holder(output)
            if found:
                raise JobRequestError(
                    'the output folder {} is locked by another job (pid {})'.format(output, found),
                    'wait for it, stop it, or choose another output folder')
            os.makedirs(output, exist_ok=True)
            options = dict(options, input=input_path, output=output)
            log = open(JobFolder(output).log, 'ab')
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
                    status = folder_status(output)
                    self._send(dict(status, type='status'))
                    return status
                job = self._jobs[output] = Job(output, pid=pid)
                self._watch(job)
        status = job.status()
        self._send(dict(status, type='status'))
        return status

    def cancel(self, output):
        output = os.path.abspath(os.path.expanduser(output))
        if output not in self._jobs:
            self.attach(output)  # a job started by an earlier kernel is cancelled the same way
        job = self._jobs.get(output)
        if job is None:
            raise JobRequestError('no job runs in {}'.format(output), 'there is nothing to cancel')
        job.cancel()
        status = job.status()
        self._send(dict(status, type='status'))
        return status

    def list(self):
        return [job.status() for job in self._jobs.values()]

    @staticmethod
    def _running_job_in(output):
        """The pid of the job running in ``output``, or None. Not what progress.json says: a
        killed job's file still says running, and its pid may be another process's by now, even
        another groundtrace job's. The folder's lock is the truth: a job holds it while it runs,
        and the kernel lets go of it when the job's process ends."""
        holder = folder_lock_holder(output)
        if holder is None or not holder.isdigit():
            return None  # free (or taken a moment ago, its pid not yet written)
        pid = int(holder)
        return pid if pid_alive(pid) else None

    def _watch(self, job):
        threading.Thread(target=self._watch_loop, args=(job,), daemon=True,
                         name='groundtrace-job-watch').start()

    def _watch_loop(self, job):
        """Send progress when progress.json changes, and the final state once."""
        folder = JobFolder(job.output)
        last_mtime = last_stats_mtime = None
        interval = 1.0 / MAX_UPDATES_PER_SECOND
        while True:
            state = job.poll()
            mtime, stats_mtime = folder.mtimes()
            if mtime != last_mtime and state in ('running', 'cancelling'):
                last_mtime = mtime
                progress = read_progress(job.output)
                if progress is not None:
                    event = {'type': 'progress', 'output': job.output, 'state': state,
                             'progress': progress}
                    if stats_mtime != last_stats_mtime:  # stats.json changes at stage ends only
                        last_stats_mtime = stats_mtime
                        event['stats'] = read_stats(job.output)
                    self._send(event)
            if state not in ('running', 'cancelling'):
                self._send(dict(job.status(), type='status'))
                return
            time.sleep(interval)


def job_status(output):
    """The status of a folder's job, running or not, as the panel gets it (``JobStatus``)."""
    output = os.path.abspath(output)
    pid = JobManager._running_job_in(output)
    if pid is None:
        return folder_status(output)
    return Job(output, pid=pid).status()


def folder_status(output):
    """The status of a folder that no live job of ours writes to."""
    state = _folder_state(output)
    error, hint = None, ''
    progress = read_progress(output)
    if state == 'failed':
        error, hint = explain_failure((progress or {}).get('error') or log_tail(output))
    elif state == 'interrupted':
        hint = 'the job stopped before the end (cancelled, or its kernel or server restarted); press Resume'
    return {'output': output, 'path': shown_path(output), 'state': state, 'pid': None,
            'error': error, 'hint': hint,
            'progress': ended_progress(progress), 'stats': read_stats(output)}


def ended_progress(progress):
    """The progress of a job whose process is gone: a stage it was running is ``stopped``
    (a killed or cancelled job had no time to say so)."""
    if not progress or not any(row.get('status') == 'running' for row in progress.get('rows') or ()):
        return progress
    rows = [dict(row, status='stopped', rate=None, eta_s=None) if row.get('status') == 'running' else row
            for row in progress['rows']]
    return dict(progress, rows=rows)


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
