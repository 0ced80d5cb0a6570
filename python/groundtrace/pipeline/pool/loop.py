"""The pool's event loop: fork a child per item, watch its pipes and deadline, report it.

``Pool.serve`` reads tasks from stdin (JSON lines), keeps at most ``workers`` children
running, drains each child's output pipe (counted, first bytes kept, capped) and result pipe,
kills a child past its wall-time backstop, reaps it, kills whatever it left behind, and writes
one report line per item to stdout. What a child does is ``child.run_child``; how its end
becomes a status is ``status.classify``.
"""

import json
import os
import random
import resource
import select
import shutil
import signal
import time

from .child import run_child
from .status import classify, read_frame

# Children of slot k run as uid uid_base + k when the pool is root; each pool draws its own
# block of uids, so that two jobs on one machine can never signal each other's items.
UID_BLOCK = 64
OUTPUT_HEAD = 2000


def _draw_uid_base():
    return 1_000_000 + random.SystemRandom().randrange(10 ** 6) * UID_BLOCK


def make_private_dir(parent, prefix):
    """tempfile.mkdtemp without tempfile (see the package's docstring)."""
    while True:
        path = os.path.join(parent, prefix + os.urandom(6).hex())
        try:
            os.mkdir(path, 0o700)
            return path
        except FileExistsError:
            continue


class _Running:
    __slots__ = ('task_id', 'pid', 'slot', 'out_fd', 'res_fd', 'scratch', 'started',
                 'deadline', 'out_bytes', 'out_head', 'res_buf', 'killed_for', 'exit', 'rusage')


class Pool:
    def __init__(self, workers, limits, scratch_root, targets, prepare, fresh=None):
        self.workers = workers
        self.limits = limits
        self.scratch_root = scratch_root
        self.is_root = os.geteuid() == 0
        self.uid_base = _draw_uid_base()
        self.targets = targets
        self.prepare = prepare
        self.fresh = fresh
        self.free_slots = list(range(workers))
        self.pending = []
        self.running = {}
        self.stdin_buf = b''
        self.stdin_open = True
        self.devnull = os.open(os.devnull, os.O_RDWR)

    def _start(self, task):
        prepare = self.prepare.get(task['target'])
        if prepare is not None:
            try:
                prepare(task['payload'])
            except Exception:
                pass  # the child does the work itself then
        if self.fresh is not None and self.fresh.is_disturbed():  # the pool imported or compiled since
            self.fresh.restore()
        slot = self.free_slots.pop()
        scratch = make_private_dir(self.scratch_root, 'item-')
        if self.is_root:
            os.chown(scratch, self.uid_base + slot, self.uid_base + slot)
        out_r, out_w = os.pipe()
        res_r, res_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(out_r)
            os.close(res_r)
            run_child(task, self.targets[task['target']], self.limits,
                      self.uid_base + slot if self.is_root else None, out_w, res_w, scratch, self.devnull)
        os.close(out_w)
        os.close(res_w)
        for fd in (out_r, res_r):
            os.set_blocking(fd, False)
        r = _Running()
        r.task_id, r.pid, r.slot, r.out_fd, r.res_fd, r.scratch = task['id'], pid, slot, out_r, res_r, scratch
        r.started = time.monotonic()
        r.deadline = r.started + self.limits.wall_timeout  # the CPU limit's backstop (RLIMIT_CPU: child.py)
        r.out_bytes, r.out_head, r.res_buf, r.killed_for, r.exit, r.rusage = 0, b'', b'', None, None, None
        self.running[pid] = r

    def _kill(self, r, reason):
        if r.killed_for is None:
            r.killed_for = reason
        try:
            os.killpg(r.pid, signal.SIGKILL)
        except OSError:
            pass

    def _drain(self, r):
        for fd, is_out in ((r.out_fd, True), (r.res_fd, False)):
            if fd is None:
                continue
            while True:
                try:
                    chunk = os.read(fd, 1 << 16)
                except BlockingIOError:
                    break
                except OSError:
                    chunk = b''
                if not chunk:
                    os.close(fd)
                    if is_out:
                        r.out_fd = None
                    else:
                        r.res_fd = None
                    break
                if is_out:
                    r.out_bytes += len(chunk)
                    if len(r.out_head) < OUTPUT_HEAD:
                        r.out_head += chunk[:OUTPUT_HEAD - len(r.out_head)]
                    if r.out_bytes > self.limits.output_bytes:
                        self._kill(r, 'output_limit')
                else:
                    r.res_buf += chunk
                    if len(r.res_buf) > self.limits.result_bytes + 8:
                        self._kill(r, 'output_limit')
                        r.res_buf = b''
                        os.close(fd)
                        r.res_fd = None
                        break

    def _cleanup_descendants(self, r):
        """Every process the item left behind goes, wherever it moved to."""
        try:
            os.killpg(r.pid, signal.SIGKILL)
        except OSError:
            pass
        if self.is_root:
            uid = self.uid_base + r.slot
            for _ in range(50):
                if not _pids_of_uid(uid):
                    break
                helper = os.fork()
                if helper == 0:
                    try:
                        os.setgid(uid)
                        os.setuid(uid)
                        os.kill(-1, signal.SIGKILL)  # every process of this uid but the helper
                    finally:
                        os._exit(0)
                os.waitpid(helper, 0)
                self._reap()
        else:
            for _ in range(20):
                orphans = [p for p in _children_of(os.getpid()) if p not in self.running]
                if not orphans:
                    break
                for p in orphans:
                    try:
                        os.kill(p, signal.SIGKILL)
                    except OSError:
                        pass
                self._reap()
                time.sleep(0.001)
        self._reap()

    def _reap(self):
        while True:
            try:
                pid, status, rusage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            r = self.running.get(pid)
            if r is not None and r.exit is None:
                r.exit, r.rusage = status, rusage

    def _finish(self, r):
        self._drain(r)
        self._cleanup_descendants(r)
        for fd in (r.out_fd, r.res_fd):
            if fd is not None:
                os.close(fd)
        shutil.rmtree(r.scratch, ignore_errors=True)
        del self.running[r.pid]
        self.free_slots.append(r.slot)
        elapsed_ms = round((time.monotonic() - r.started) * 1000, 2)
        cpu_ms = round((r.rusage.ru_utime + r.rusage.ru_stime) * 1000, 2) if r.rusage else None
        report = {'id': r.task_id, 'elapsed_ms': elapsed_ms, 'cpu_ms': cpu_ms,
                  'output_bytes': r.out_bytes,
                  'output_head': r.out_head.decode('utf-8', 'replace')}
        head, body = read_frame(r.res_buf, json.loads)
        report['status'], error = classify(r.killed_for, head, r.exit, cpu_ms,
                                           self.limits.timeout, self.limits.output_bytes, self.limits.wall_timeout)
        if error is not None:
            report['error'] = error
        line = json.dumps(report, ensure_ascii=False).encode('utf-8', 'surrogatepass')
        if body is not None and r.killed_for is None:
            line = line[:-1] + b', "result": ' + body + b'}'
        return line + b'\n'

    def _read_stdin(self):
        try:
            chunk = os.read(0, 1 << 16)
        except BlockingIOError:
            return
        if not chunk:
            self.stdin_open = False
            return
        self.stdin_buf += chunk
        *lines, self.stdin_buf = self.stdin_buf.split(b'\n')
        for line in lines:
            if line.strip():
                self.pending.append(json.loads(line))
        self.pending.reverse()  # pop() from the end keeps arrival order
        self.pending.reverse()

    def serve(self):
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_r, False)
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        os.set_blocking(0, False)
        out = os.fdopen(os.dup(1), 'wb')
        os.dup2(self.devnull, 1)  # nothing but reports reaches the job
        while self.stdin_open or self.pending or self.running:
            while self.pending and self.free_slots:
                self._start(self.pending.pop(0))
            fds = [wake_r] + ([0] if self.stdin_open else [])
            for r in self.running.values():
                fds += [fd for fd in (r.out_fd, r.res_fd) if fd is not None]
            now = time.monotonic()
            timeout = min([r.deadline - now for r in self.running.values()], default=1.0)
            try:
                ready, _, _ = select.select(fds, [], [], max(0.0, timeout))
            except InterruptedError:
                ready = []
            if wake_r in ready:
                try:
                    while os.read(wake_r, 512):
                        pass
                except BlockingIOError:
                    pass
            if 0 in ready:
                self._read_stdin()
            for r in list(self.running.values()):
                if (r.out_fd in ready) or (r.res_fd in ready):
                    self._drain(r)
            self._reap()
            now = time.monotonic()
            for r in list(self.running.values()):
                if r.exit is None and now >= r.deadline:
                    self._kill(r, 'timeout')
                if r.exit is not None:
                    out.write(self._finish(r))
                    out.flush()
        # Its CPU time and its items', for the job's accounting (the sandbox hides them).
        cpu = 0.0
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
            usage = resource.getrusage(who)
            cpu += usage.ru_utime + usage.ru_stime
        out.write((json.dumps({'_pool_cpu_s': cpu}) + '\n').encode())
        out.flush()


def _pids_of_uid(uid):
    pids = []
    for name in os.listdir('/proc'):
        if name.isdigit():
            try:
                if os.stat('/proc/' + name).st_uid == uid:
                    pids.append(int(name))
            except OSError:
                pass
    return pids


def _children_of(ppid):
    kids = []
    for name in os.listdir('/proc'):
        if name.isdigit():
            try:
                with open('/proc/{}/stat'.format(name), 'rb') as f:
                    stat = f.read()
                if int(stat[stat.rindex(b')') + 2:].split()[1]) == ppid:
                    kids.append(int(name))
            except (OSError, ValueError):
                pass
    return kids
