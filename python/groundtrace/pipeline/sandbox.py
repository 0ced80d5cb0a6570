"""Run untrusted items in isolated children of one long-lived pool process (``pool/``).

The job starts the pool inside bubblewrap where it works (read-only root, no network, its
own PID namespace, an empty /tmp), or with process limits only where it does not, and
talks to it over its stdin/stdout: ``WorkerPool`` submits tasks and yields reports in
completion order, and restarts a pool that died, reporting its items as crashes.
"""

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import asdict

from .pool import POOL_BOOTSTRAP, Limits

__all__ = ['Limits', 'WorkerPool', 'bwrap_command']


_BWRAP_STATE = {}
WINDOW_PER_WORKER = 16  # tasks in flight per worker: one problem has up to 10 items


def bwrap_command():
    """The bubblewrap prefix for the pool, or None (with the reason) where it cannot run."""
    if 'cmd' in _BWRAP_STATE:
        return _BWRAP_STATE['cmd'], _BWRAP_STATE['why']
    exe = shutil.which('bwrap')
    cmd, why = None, None
    if exe is None:
        why = 'bubblewrap (bwrap) is not installed'
    else:
        cmd = [exe, '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp',
               # multiprocessing's locks need a writable /dev/shm, as on a normal system
               '--perms', '1777', '--tmpfs', '/dev/shm',
               '--unshare-net', '--unshare-pid', '--die-with-parent']
        cmd += _readable_python_binds()
        cmd += _binds_under_private_tmp()
        probe = subprocess.run(cmd + [sys.executable, '-c', 'pass'], capture_output=True)
        if probe.returncode != 0:
            why = 'bwrap cannot start here ({})'.format(
                probe.stderr.decode(errors='replace').strip() or probe.returncode)
            cmd = None
    _BWRAP_STATE.update(cmd=cmd, why=why)
    return cmd, why


def _readable_python_binds():
    """Children drop to another uid; a Python installed under a private directory (e.g.
    /root) is re-exposed alone on a fresh tmpfs so they can still import and read source."""
    binds = []
    hidden = set()
    for path in sorted(_python_paths()):
        parts = path.split('/')
        for i in range(2, len(parts)):
            parent = '/'.join(parts[:i])
            try:
                mode = os.stat(parent).st_mode
            except OSError:
                break
            if not mode & 0o001:
                if parent not in hidden:
                    hidden.add(parent)
                    binds += ['--perms', '0755', '--tmpfs', parent]
                for j in range(i + 1, len(parts)):  # bwrap would make these 0700
                    binds += ['--perms', '0755', '--dir', '/'.join(parts[:j])]
                binds += ['--ro-bind', path, path]
                break
    return binds


def _python_paths():
    return {os.path.realpath(p) for p in [sys.prefix, sys.base_prefix, sys.exec_prefix]
            + [p for p in sys.path if p and os.path.isdir(p)]}


def _binds_under_private_tmp():
    """The sandbox gets an empty /tmp; a Python, venv or checkout that lives under /tmp
    (a CI clone, say) is bound back read-only so the pool can still start and import."""
    binds = []
    for path in sorted(_python_paths()):
        if not path.startswith('/tmp/'):
            continue
        parts = path.split('/')
        for j in range(3, len(parts)):  # parents bwrap would otherwise create as 0700
            binds += ['--perms', '0755', '--dir', '/'.join(parts[:j])]
        binds += ['--ro-bind', path, path]
    return binds


DOCUMENT_KEY = re.compile(rb', "document_bytes": (\d+), "result": ')


class WorkerPool:
    """The job's handle on the pool process: submit tasks, read reports in completion order."""

    def __init__(self, workers, limits, use_bwrap=True, log=print):
        self.workers = workers
        self.limits = limits
        self.log = log
        self.sandboxed = False
        self._proc = None
        self._reports = queue.Queue()
        self._inflight = {}
        self.use_bwrap = use_bwrap
        self._said_fallback = False
        self._deaths_without_report = 0
        self.pool_cpu_s = 0.0  # CPU time of finished pool processes and their items
        self.pool_children = 0  # children they forked (one per problem, when items allow)

    def _env(self):
        pkg_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'LANG': 'C.UTF-8',
               'PYTHONHASHSEED': self.limits.hash_seed, 'PYTHONDONTWRITEBYTECODE': '1',
               'PYTHONPATH': pkg_root,
               # Native thread pools started before fork would be unusable in the children.
               'OPENBLAS_NUM_THREADS': '1', 'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1'}
        return env

    def start(self):
        prefix = []
        if self.use_bwrap:
            cmd, why = bwrap_command()
            if cmd:
                prefix = cmd
                self.sandboxed = True
            elif not self._said_fallback:
                self._said_fallback = True
                self.log('warning: {}; items run with process limits only (no bubblewrap sandbox)'.format(why))
        argv = prefix + [sys.executable, '-c', POOL_BOOTSTRAP,
                         '--workers', str(self.workers), '--limits', json.dumps(asdict(self.limits))]
        self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      env=self._env(), close_fds=True, start_new_session=True)
        proc = self._proc
        threading.Thread(target=self._read_reports, args=(proc,), daemon=True).start()

    def _read_reports(self, proc):
        for line in proc.stdout:
            try:
                report = json.loads(line)
            except ValueError:  # an item's result that is not valid JSON
                m = re.match(rb'\{"id": ("(?:[^"\\]|\\.)*")', line)
                if m is None:
                    continue
                report = {'id': json.loads(m.group(1)), 'status': 'crash', 'error': 'unreadable result'}
                has_document = DOCUMENT_KEY.search(line)
                if has_document:
                    report['document_bytes'] = int(has_document.group(1))
            if report.get('document_bytes'):
                # The item's document, on the next line as the child encoded it: the trace stage
                # appends it to documents.jsonl unread (pool/child.py, _document_json).
                document = proc.stdout.readline()
                if len(document) == report['document_bytes'] + 1 and report['status'] != 'crash':
                    report['document_json'] = document[:-1]
            if '_pool_cpu_s' in report:
                self.pool_cpu_s += report['_pool_cpu_s']
                self.pool_children += report.get('_pool_children', 0)
                continue
            self._reports.put(report)
        proc.wait()
        self._reports.put({'_pool_exit': proc.returncode, '_proc': proc})

    def submit(self, task_id, target, payload, group=None):
        """``group``: the task's problem; the pool runs the tasks of one group in one child."""
        self._inflight[task_id] = (target, payload)
        task = {'id': task_id, 'target': target, 'payload': payload}
        if group is not None:
            task['group'] = group
        line = json.dumps(task, ensure_ascii=False) + '\n'
        try:
            self._proc.stdin.write(line.encode('utf-8', 'surrogatepass'))
            self._proc.stdin.flush()
        except BrokenPipeError:
            pass  # the reader sees the pool exit and reports the lost items

    @property
    def inflight(self):
        return len(self._inflight)

    def next_report(self):
        """The next finished item; if the pool itself died, its items come back as crashes."""
        while True:
            report = self._reports.get()
            if '_pool_exit' in report:
                if report['_proc'] is not self._proc:
                    continue
                self._deaths_without_report += 1
                if self._deaths_without_report >= 3:
                    raise RuntimeError('the worker pool keeps dying (exit {}); see its error output above'
                                       .format(report['_pool_exit']))
                lost = list(self._inflight)
                self._inflight.clear()
                for task_id in lost:
                    self._reports.put({'id': task_id, 'status': 'crash',
                                       'error': 'the worker pool died (exit {})'.format(report['_pool_exit'])})
                self.start()
                continue
            self._deaths_without_report = 0
            if report['id'] in self._inflight:
                del self._inflight[report['id']]
                return report

    def run(self, tasks, window=None):
        """Submit ``(task_id, target, payload[, group])`` lazily, keeping ``window`` in flight
        (enough for a few problems' items, so that the pool can give a child all of one
        problem's); yield reports."""
        window = window or self.workers * WINDOW_PER_WORKER
        tasks = iter(tasks)
        exhausted = False
        while True:
            while not exhausted and self.inflight < window:
                try:
                    task = next(tasks)
                except StopIteration:
                    exhausted = True
                    break
                self.submit(*task)
            if not self.inflight:
                return
            yield self.next_report()

    def close(self):
        if self._proc is not None:
            try:
                self._proc.stdin.close()
            except OSError:
                pass
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait()
            self._proc = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()
