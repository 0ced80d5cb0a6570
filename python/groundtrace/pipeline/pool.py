"""The worker pool: one long-lived process that forks an isolated child per item.

It runs inside the sandbox (see ``sandbox.py``, the job's side), imports the tracer once and
forks one child per item. Each child gets its own session and process group, CPU /
address-space / process-count / file-size limits, a scratch directory that is removed
afterwards, a scrubbed environment and, when the pool runs as root, its own unprivileged
uid (one per slot, so ``kill(-1)`` and RLIMIT_NPROC stay within the item). The child
reports over a dedicated pipe; its stdout/stderr go to a capped pipe that is counted and
discarded, so printed text can never be read as a result.

Protocol (JSON lines): job → pool stdin ``{"id", "target", "payload"}``; pool stdout →
job ``{"id", "status", ..., "result"}``.

This process imports only what it needs: every class it defines or loads can show in a
trace (an ``isinstance`` check against an abstract class walks its subclasses), so the
job-side machinery (subprocess, threads, queues, tempfile) stays out of it.
"""

import gc
import importlib
import importlib.util
import json
import os
import random
import resource
import select
import shutil
import signal
import struct
import sys
import time
from dataclasses import dataclass

# Children of slot k run as uid uid_base + k when the pool is root; each pool draws its own
# block of uids, so that two jobs on one machine can never signal each other's items.
UID_BLOCK = 64


def _draw_uid_base():
    return 1_000_000 + random.SystemRandom().randrange(10 ** 6) * UID_BLOCK
OUTPUT_HEAD = 2000

TARGETS = {
    'trace': 'groundtrace.pipeline.trace_stage:run_item',
    'exec': 'groundtrace.pipeline.pool:exec_item',
}
# Work the pool may do for a target before forking (parsing, never running, item code).
PREPARE = {
    'trace': 'groundtrace.pipeline.trace_stage:prepare_in_parent',
}


@dataclass
class Limits:
    timeout: float = 5.0            # wall seconds per item
    memory_mb: int = 1024           # RLIMIT_AS
    nproc: int = 32                 # RLIMIT_NPROC (per item uid when root)
    output_bytes: int = 1 << 20     # stdout+stderr of the item, and RLIMIT_FSIZE
    result_bytes: int = 64 << 20    # the report the child sends back
    hash_seed: str = '0'            # PYTHONHASHSEED of the pool, so of every child


def exec_item(payload):
    """A test target: run ``code``; return the repr of ``result`` if it defines one."""
    namespace = {'__name__': '__main__'}
    try:
        exec(compile(payload['code'], '<item>', 'exec'), namespace)
    except MemoryError:
        return {'status': 'memory', 'error': 'MemoryError'}
    except SystemExit as exc:
        return {'status': 'exit', 'error': 'SystemExit: {}'.format(exc)}
    except BaseException as exc:
        return {'status': 'error', 'error': '{}: {}'.format(type(exc).__name__, exc)}
    return {'status': 'ok', 'value': repr(namespace.get('result'))}


def _make_private_dir(parent, prefix):
    """tempfile.mkdtemp without tempfile (see the module's docstring)."""
    while True:
        path = os.path.join(parent, prefix + os.urandom(6).hex())
        try:
            os.mkdir(path, 0o700)
            return path
        except FileExistsError:
            continue


def _resolve(spec):
    module, _, name = spec.partition(':')
    return getattr(importlib.import_module(module), name)


# ---------------------------------------------------------------- pool (inside the sandbox)

def _libc():
    try:
        import ctypes
        return ctypes.CDLL(None, use_errno=True)
    except Exception:
        return None


_LIBC = _libc()  # loaded once here: children must not import anything of their own


def _prctl(option, value):
    try:
        _LIBC.prctl(option, value, 0, 0, 0)
    except Exception:
        pass


PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


class _Running:
    __slots__ = ('task_id', 'pid', 'slot', 'out_fd', 'res_fd', 'scratch', 'started',
                 'deadline', 'out_bytes', 'out_head', 'res_buf', 'killed_for', 'exit', 'rusage')


class Pool:
    def __init__(self, workers, limits, scratch_root):
        self.workers = workers
        self.limits = limits
        self.scratch_root = scratch_root
        self.is_root = os.geteuid() == 0
        self.uid_base = _draw_uid_base()
        self.targets = {name: _resolve(spec) for name, spec in TARGETS.items()}
        self.prepare = {name: _resolve(spec) for name, spec in PREPARE.items()}
        self.free_slots = list(range(workers))
        self.pending = []
        self.running = {}
        self.stdin_buf = b''
        self.stdin_open = True
        self.devnull = os.open(os.devnull, os.O_RDWR)

    # -- the child
    def _child(self, task, slot, out_w, res_w, scratch):
        try:
            os.setsid()
            os.dup2(self.devnull, 0)
            os.dup2(out_w, 1)
            os.dup2(out_w, 2)
            signal.set_wakeup_fd(-1)
            for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, signal.SIG_DFL)
            keep = res_w
            os.closerange(3, keep)
            os.closerange(keep + 1, 65536)
            lim = self.limits
            cpu = max(1, int(lim.timeout + 0.999))
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
            resource.setrlimit(resource.RLIMIT_AS, (lim.memory_mb << 20, lim.memory_mb << 20))
            resource.setrlimit(resource.RLIMIT_FSIZE, (lim.output_bytes, lim.output_bytes))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            os.chdir(scratch)
            if self.is_root:
                uid = self.uid_base + slot
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
            resource.setrlimit(resource.RLIMIT_NPROC, (lim.nproc, lim.nproc))
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            os.environ.clear()
            os.environ.update({'PATH': '/usr/bin:/bin', 'HOME': scratch, 'TMPDIR': scratch,
                               'LANG': 'C.UTF-8', 'PYTHONHASHSEED': lim.hash_seed})
            result = self.targets[task['target']](task['payload'])
            body = json.dumps(result, ensure_ascii=False, default=repr).encode('utf-8', 'surrogatepass')
            head = json.dumps({'status': result.get('status', 'ok'), 'error': result.get('error')}).encode()
        except BaseException as exc:  # a failure of the harness itself, not of the item
            head = json.dumps({'status': 'crash', 'error': 'harness: {}: {}'.format(
                type(exc).__name__, exc)}).encode()
            body = b'null'
        try:
            # A small head the pool reads, and the body it passes on to the job undecoded.
            frame = struct.pack('>QQ', len(head), len(body)) + head + body
            view = memoryview(frame)
            while view:
                view = view[os.write(res_w, view):]
        finally:
            os._exit(0)

    def _start(self, task):
        prepare = self.prepare.get(task['target'])
        if prepare is not None:
            try:
                prepare(task['payload'])
            except Exception:
                pass  # the child does the work itself then
        if FRESH is not None and FRESH.is_disturbed():  # the pool imported or compiled since
            FRESH.restore()
        slot = self.free_slots.pop()
        scratch = _make_private_dir(self.scratch_root, 'item-')
        if self.is_root:
            os.chown(scratch, self.uid_base + slot, self.uid_base + slot)
        out_r, out_w = os.pipe()
        res_r, res_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(out_r)
            os.close(res_r)
            self._child(task, slot, out_w, res_w, scratch)
        os.close(out_w)
        os.close(res_w)
        for fd in (out_r, res_r):
            os.set_blocking(fd, False)
        r = _Running()
        r.task_id, r.pid, r.slot, r.out_fd, r.res_fd, r.scratch = task['id'], pid, slot, out_r, res_r, scratch
        r.started = time.monotonic()
        r.deadline = r.started + self.limits.timeout
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
        result, body = None, None
        if len(r.res_buf) >= 16:
            n_head, n_body = struct.unpack('>QQ', r.res_buf[:16])
            if len(r.res_buf) == 16 + n_head + n_body:
                try:
                    result = json.loads(r.res_buf[16:16 + n_head])
                    body = r.res_buf[16 + n_head:]
                except ValueError:
                    result = None
                if not isinstance(result, dict) or b'\n' in body:
                    result, body = None, None  # not what the harness writes
        status = r.exit
        if r.killed_for is not None:
            report['status'] = r.killed_for
            report['error'] = {'timeout': 'wall time limit of {} s'.format(self.limits.timeout),
                               'output_limit': 'output over {} bytes'.format(self.limits.output_bytes),
                               }.get(r.killed_for, r.killed_for)
        elif result is not None:
            report['status'] = str(result.get('status'))
            if result.get('error') is not None:
                report['error'] = str(result['error'])
        elif status is not None and os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if sig in (signal.SIGXCPU,) or (sig == signal.SIGKILL and cpu_ms and cpu_ms >= self.limits.timeout * 1000):
                report['status'], report['error'] = 'timeout', 'CPU time limit'
            else:
                report['status'] = 'crash'
                report['error'] = 'killed by signal {}'.format(signal.Signals(sig).name)
        else:
            code = os.WEXITSTATUS(status) if status is not None else None
            report['status'] = 'crash'
            report['error'] = 'exited with code {} before reporting a result'.format(code)
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


# The pool process starts with this script (``python -c``): it first loads what the
# original's script has loaded when the traced call starts (Python, pathlib and snoop), and
# numpy, which is imported once here rather than once per item (it cannot be imported twice
# in one process), then captures that state; every child starts from it (see fresh_state).
POOL_BOOTSTRAP = """\
import json, sys, pathlib, snoop, snoop.formatting
try:
    import numpy
except ImportError:
    pass
from groundtrace.pipeline.fresh_state import FreshState
fresh = FreshState()
from groundtrace.pipeline.pool import pool_main
pool_main(sys.argv[1:], fresh)
"""
FRESH = None  # the FreshState of the original's interpreter, in the pool


WARM_UP_CODE = '''
import collections, itertools, math
class Box:
    def __init__(self, v):
        self.v = v
def gen(n):
    for i in range(n):
        yield i
def main_solution(xs, s):
    d = collections.Counter(xs)
    sq = [x * x for x in xs]
    st = {x for x in xs}
    m = {k: v for k, v in d.items()}
    g = list(gen(3))
    b = Box(math.sqrt(4.0))
    try:
        raise ValueError(s)
    except ValueError:
        pass
    with open(__file__ if False else '/dev/null') as f:
        pass
    return sorted(st), sq, m, g, b.v, s.upper(), tuple(itertools.chain(xs, xs))
'''


def _warm_up():
    """Trace a small problem once here, so that snoop's lazy set-up (imports, caches,
    compiled patterns) is done before the fork instead of again in every item."""
    try:
        from groundtrace.pipeline.trace_stage import run_item
        run_item({'refcode': WARM_UP_CODE, 'funcname': 'main_solution',
                  'input': {'xs': [3, 1, 2, 3], 's': "it's"}, 'expected_output': None, 'max_lines': 300})
    except Exception:
        pass


def pool_main(argv=None, fresh_state=None):
    import argparse
    parser = argparse.ArgumentParser(prog='groundtrace-pool')
    parser.add_argument('--workers', type=int, required=True)
    parser.add_argument('--limits', required=True, help='JSON of Limits')
    args = parser.parse_args(argv)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    global FRESH
    FRESH = fresh_state
    # snoop.Config tries these optional modules on every trace; a failed import is not
    # cached and costs a search of sys.path each time, so remember the failure once.
    for name in ('prettyprinter', 'pprintpp'):
        if name not in sys.modules and importlib.util.find_spec(name) is None:
            sys.modules[name] = None
    _warm_up()
    limits = Limits(**json.loads(args.limits))
    scratch_root = _make_private_dir(os.environ.get('TMPDIR', '/tmp'), 'groundtrace-pool-')
    os.chmod(scratch_root, 0o711)
    # Once here rather than in every child (where it would cost a copy of every page it
    # touches); Pool._start repeats it if the pool imports or compiles something later.
    if FRESH is not None:
        FRESH.restore()
    gc.collect()
    gc.freeze()  # children's collections then leave the shared pages alone (fewer copies)
    try:
        Pool(args.workers, limits, scratch_root).serve()
    finally:
        shutil.rmtree(scratch_root, ignore_errors=True)
