"""The pool's event loop: fork a child per problem, feed it that problem's items, report each.

``Pool.serve`` reads tasks from stdin (JSON lines), keeps at most ``workers`` children
running, and gives a child that finished an item the next task of its problem (its ``group``;
a task without one is a problem of its own); a child with nothing left of its problem ends
when another problem needs its slot. It drains each child's output pipe (counted per item,
first bytes kept, capped) and result pipe, stops an item past its CPU limit or wall-time
backstop by killing its child, reaps children, kills whatever they left behind, and writes
one report line per item to stdout. What a child does is ``child.run_child`` (and between
items ``reuse.ItemReset``); how an item's end becomes a status is ``status.classify``.
"""

import json
import os
import random
import resource
import select
import shutil
import signal
import time

from .child import run_child, task_message
from .status import classify, read_frame, split_document, split_frame

# Children of slot k run as uid uid_base + k when the pool is root; each pool draws its own
# block of uids, so that two jobs on one machine can never signal each other's items.
UID_BLOCK = 64
OUTPUT_HEAD = 2000
CPU_POLL_S = 0.5  # how often the pool reads a running item's CPU time (its own check)
_TICKS = os.sysconf('SC_CLK_TCK')


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


class _Child:
    """A forked child and the item it runs now (``task``; None while it waits for another)."""
    __slots__ = ('pid', 'slot', 'group', 'out_fd', 'res_fd', 'task_fd', 'scratch', 'task', 'started',
                 'deadline', 'cpu_at_start', 'out_bytes', 'out_head', 'res_buf', 'killed_for', 'exit',
                 'rusage', 'ending')


def group_of(task):
    return task.get('group') or ('item', task['id'])


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
        self.next_cpu_poll = 0.0
        self.children_started = 0
        self.out = None

    # -- starting children and giving them items
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
        task_r, task_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            for fd in (out_r, res_r, task_w):
                os.close(fd)
            run_child(task, self.targets[task['target']], self.limits,
                      self.uid_base + slot if self.is_root else None,
                      {'out': out_w, 'res': res_w, 'task': task_r}, scratch, self.devnull, self.fresh)
        for fd in (out_w, res_w, task_r):
            os.close(fd)
        for fd in (out_r, res_r):
            os.set_blocking(fd, False)
        c = _Child()
        c.pid, c.slot, c.group, c.scratch = pid, slot, group_of(task), scratch
        c.out_fd, c.res_fd, c.task_fd = out_r, res_r, task_w
        c.killed_for, c.exit, c.rusage, c.ending = None, None, None, False
        self._begin(c, task, cpu_at_start=0.0)
        self.running[pid] = c
        self.children_started += 1

    def _begin(self, c, task, cpu_at_start):
        c.task, c.cpu_at_start = task, cpu_at_start
        c.started = time.monotonic()
        c.deadline = c.started + self.limits.wall_timeout  # the CPU limit's backstop
        c.out_bytes, c.out_head, c.res_buf = 0, b'', b''

    def _give(self, c, task):
        """The child's next item; back to the queue if the child cannot take it."""
        cpu = _cpu_of(c.pid)
        try:
            if cpu is None:
                raise OSError('gone')
            view = memoryview(task_message(task))
            while view:  # the child waits on this read
                view = view[os.write(c.task_fd, view):]
        except OSError:
            self.pending.insert(0, task)
            self._end(c)
            return
        self._begin(c, task, cpu)

    def _end(self, c):
        """No more items for this child: it exits when it reads the closed pipe."""
        if c.task_fd is not None:
            os.close(c.task_fd)
            c.task_fd = None
        c.ending = True

    def _take_pending(self, group=None):
        for i, task in enumerate(self.pending):
            if group is None or group_of(task) == group:
                return self.pending.pop(i)
        return None

    def _take_for_new_child(self):
        """The first task of a problem no child works on, else the first task."""
        busy = {c.group for c in self.running.values() if not c.ending}
        for i, task in enumerate(self.pending):
            if group_of(task) not in busy:
                return self.pending.pop(i)
        return self.pending.pop(0)

    def _schedule(self):
        for c in list(self.running.values()):
            if c.task is not None or c.ending or c.exit is not None:
                continue
            task = self._take_pending(c.group)
            if task is not None:
                self._give(c, task)
            elif not self.stdin_open or (self.pending and not self.free_slots):
                self._end(c)  # its slot is wanted (or the work is over)
        while self.pending and self.free_slots:
            self._start(self._take_for_new_child())

    # -- watching them
    def _kill(self, c, reason):
        """``reason`` (a status) is the item's, unless it already has one; None: the
        child's end says what became of it."""
        if c.killed_for is None:
            c.killed_for = reason
        try:
            os.killpg(c.pid, signal.SIGKILL)
        except OSError:
            pass

    def _drain(self, c):
        for fd, is_out in ((c.out_fd, True), (c.res_fd, False)):
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
                        c.out_fd = None
                    else:
                        c.res_fd = None
                    break
                if is_out:
                    c.out_bytes += len(chunk)
                    if len(c.out_head) < OUTPUT_HEAD:
                        c.out_head += chunk[:OUTPUT_HEAD - len(c.out_head)]
                    if c.task is not None and c.out_bytes > self.limits.output_bytes:
                        self._kill(c, 'output_limit')
                else:
                    c.res_buf += chunk
                    if len(c.res_buf) > self.limits.result_bytes + 8:
                        self._kill(c, 'output_limit')
                        c.res_buf = b''
                        os.close(fd)
                        c.res_fd = None
                        break

    def _check_cpu(self, now):
        """The pool's own CPU check (the child's timer is the exact one; an item may switch
        it off, so the pool stops an item a little past its limit itself)."""
        if now < self.next_cpu_poll:
            return
        self.next_cpu_poll = now + CPU_POLL_S
        for c in self.running.values():
            if c.task is not None and c.exit is None and c.killed_for is None:
                cpu = _cpu_of(c.pid)
                if cpu is not None and cpu - c.cpu_at_start > self.limits.timeout + CPU_POLL_S:
                    self._kill(c, 'cpu_limit')

    def _item_done(self, c):
        """A complete frame from the child: report its item; the child waits for another."""
        frame, rest = split_frame(c.res_buf)
        if frame is None:
            return
        head, body = read_frame(frame, json.loads)
        if head is None or rest:  # not what the harness writes: the child goes, _finish reports
            self._kill(c, None)
            return
        if 'group' not in c.task or head.get('last') is not False:
            # The child's last item (no other task can be of its group, or the child ends):
            # reported once the child and whatever it left behind are gone (_finish).
            self._end(c)
            return
        self._drain(c)  # output written before the frame is the item's
        self._report(c, head, body)
        if not self.is_root:
            self._kill_orphans()

    def _report(self, c, head, body):
        elapsed_ms = round((time.monotonic() - c.started) * 1000, 2)
        if head is not None and isinstance(head.get('cpu_ms'), (int, float)):
            cpu_ms = head['cpu_ms']
        elif c.rusage is not None:
            cpu_ms = round((c.rusage.ru_utime + c.rusage.ru_stime - c.cpu_at_start) * 1000, 2)
        else:
            cpu_ms = None
        report = {'id': c.task['id'], 'elapsed_ms': elapsed_ms, 'cpu_ms': cpu_ms,
                  'output_bytes': c.out_bytes, 'output_head': c.out_head.decode('utf-8', 'replace')}
        report['status'], error = classify(c.killed_for, head, c.exit, cpu_ms, self.limits.timeout,
                                           self.limits.output_bytes, self.limits.wall_timeout)
        if error is not None:
            report['error'] = error
        document = None
        if body is not None and c.killed_for is None:
            body, document = split_document(head, body)
            if document is not None:  # its own line after the report's (sandbox.py reads it)
                report['document_bytes'] = len(document)
        line = json.dumps(report, ensure_ascii=False).encode('utf-8', 'surrogatepass')
        if body is not None and c.killed_for is None:
            line = line[:-1] + b', "result": ' + body + b'}'
        self.out.write(line + b'\n')
        if document is not None:
            self.out.write(document + b'\n')
        self.out.flush()
        c.task = None

    def _finish(self, c):
        """The child has exited: report the item it was running, if any, and clean up."""
        self._drain(c)
        if c.task is not None:
            frame, _ = split_frame(c.res_buf)
            head, body = read_frame(frame, json.loads) if frame is not None else (None, None)
            self._report(c, head, body)
        self._cleanup_descendants(c)
        for fd in (c.out_fd, c.res_fd, c.task_fd):
            if fd is not None:
                os.close(fd)
        shutil.rmtree(c.scratch, ignore_errors=True)
        del self.running[c.pid]
        self.free_slots.append(c.slot)

    def _cleanup_descendants(self, c):
        """Every process the child's items left behind goes, wherever it moved to."""
        try:
            os.killpg(c.pid, signal.SIGKILL)
        except OSError:
            pass
        if self.is_root:
            uid = self.uid_base + c.slot
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
            self._kill_orphans()
        self._reap()

    def _kill_orphans(self):
        """Without uids of their own, items' processes that outlived them (and were
        reparented to the pool, their subreaper) are found by parentage."""
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

    def _reap(self):
        while True:
            try:
                pid, status, rusage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            c = self.running.get(pid)
            if c is not None and c.exit is None:
                c.exit, c.rusage = status, rusage

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

    def serve(self):
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_r, False)
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        os.set_blocking(0, False)
        self.out = os.fdopen(os.dup(1), 'wb')
        os.dup2(self.devnull, 1)  # nothing but reports reaches the job
        while self.stdin_open or self.pending or self.running:
            self._schedule()
            fds = [wake_r] + ([0] if self.stdin_open else [])
            for c in self.running.values():
                fds += [fd for fd in (c.out_fd, c.res_fd) if fd is not None]
            now = time.monotonic()
            busy = [c for c in self.running.values() if c.task is not None]
            timeout = min([c.deadline - now for c in busy] + [CPU_POLL_S] if busy else [1.0])
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
            for c in list(self.running.values()):
                if (c.out_fd in ready) or (c.res_fd in ready):
                    self._drain(c)
                    if c.task is not None and c.killed_for is None:
                        self._item_done(c)
            self._reap()
            now = time.monotonic()
            self._check_cpu(now)
            for c in list(self.running.values()):
                if c.exit is None and c.task is not None and now >= c.deadline:
                    self._kill(c, 'timeout')
                if c.exit is not None:
                    self._finish(c)
        # Its CPU time and its items', for the job's accounting (the sandbox hides them).
        cpu = 0.0
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
            usage = resource.getrusage(who)
            cpu += usage.ru_utime + usage.ru_stime
        self.out.write((json.dumps({'_pool_cpu_s': cpu, '_pool_children': self.children_started}) + '\n').encode())
        self.out.flush()


def _cpu_of(pid):
    """CPU seconds a process has used (/proc/PID/stat), or None if it is gone."""
    try:
        fd = os.open('/proc/{}/stat'.format(pid), os.O_RDONLY)  # (no file object: once per item)
        try:
            fields = os.read(fd, 4096).rsplit(b')', 1)[1].split()
        finally:
            os.close(fd)
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS


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
