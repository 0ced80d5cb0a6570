"""The child's side: a process forked for the items of one problem sets up its limits and
runs them, one after another.

It gets its own session and process group, address-space / file-size / process-count limits,
no core files, a scratch directory as cwd, a scrubbed environment, a parent-death signal and,
when the pool is root, its own unprivileged uid. Each item gets its CPU-time limit (an
interval timer on the process's CPU time; ``RLIMIT_CPU`` bounds what it forks) and starts
from the state the child started from (``reuse.ItemReset``). Its stdout and stderr go to the
counted output pipe; each item's result goes as one frame to the result pipe, flushed output
first; then the child reads its next task from the task pipe, or ends (``os._exit``, running
no clean-up of the pool's) when the pool closes it or when the item left a state it cannot
put back (the frame says ``last``).
"""

import contextvars
import json
import math
import os
import resource
import signal
import struct
import sys

from ..jsonl import json_bytes
from .reuse import ItemReset
from .status import frame

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
TASK_HEADER = struct.Struct('>Q')  # the length of a task the pool sends after the first
# After these an item's child may run another item; any other end (memory, exit, ...) ends it.
REUSABLE_STATUSES = frozenset({'ok', 'error', 'too_long', 'incomplete', 'bad_input'})


def _libc():
    try:
        import ctypes
        return ctypes.CDLL(None, use_errno=True)
    except Exception:
        return None


_LIBC = _libc()  # loaded once here: children must not import anything of their own


def prctl(option, value):
    try:
        _LIBC.prctl(option, value, 0, 0, 0)
    except Exception:
        pass


def task_message(task):
    """What the pool writes on a child's task pipe."""
    body = json.dumps(task, ensure_ascii=False).encode('utf-8', 'surrogatepass')
    return TASK_HEADER.pack(len(body)) + body


def _read_exactly(fd, n):
    chunks = []
    while n:
        chunk = os.read(fd, n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b''.join(chunks)


def _next_task(fd):
    head = _read_exactly(fd, TASK_HEADER.size)
    if head is None:
        return None  # the pool closed the pipe: no more items for this child
    body = _read_exactly(fd, TASK_HEADER.unpack(head)[0])
    return None if body is None else json.loads(body)


def _set_up(limits, uid, fds, scratch, devnull):
    os.setsid()
    os.dup2(devnull, 0)
    os.dup2(fds['out'], 1)
    os.dup2(fds['out'], 2)
    signal.set_wakeup_fd(-1)
    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)
    keep = sorted({fds['out'], fds['res'], fds['task'], devnull})
    low = 3
    for fd in keep:
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 65536)
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_mb << 20, limits.memory_mb << 20))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.output_bytes, limits.output_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.chdir(scratch)
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    resource.setrlimit(resource.RLIMIT_NPROC, (limits.nproc, limits.nproc))
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    os.environ.clear()
    os.environ.update({'PATH': '/usr/bin:/bin', 'HOME': scratch, 'TMPDIR': scratch,
                       'LANG': 'C.UTF-8', 'PYTHONHASHSEED': limits.hash_seed})


def _cpu_s():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _run_one(task, target, limits, reset):
    """``(head, body, last)``: the item's frame, and whether the child must end after it."""
    started = _cpu_s()
    # The item's limit, to the microsecond: SIGPROF when this process has spent it. What the
    # item forks does not inherit the timer; RLIMIT_CPU (whole seconds) bounds it.
    cpu = math.ceil(started + limits.timeout) + 1
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]  # the machine's, which no child can raise
    resource.setrlimit(resource.RLIMIT_CPU, (cpu if hard == resource.RLIM_INFINITY else min(cpu, hard), hard))
    signal.setitimer(signal.ITIMER_PROF, limits.timeout)
    if reset is not None:
        reset.before_item()
    try:
        # In a context of its own, as in a fresh interpreter: context variables an item sets
        # (decimal's current context, numpy's error state) are gone with it.
        result = contextvars.Context().run(target, task['payload'])
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()  # the item's output reaches its pipe before its result frame
        except Exception:
            pass
    document = _document_json(result)
    body = json.dumps(result, ensure_ascii=False, default=repr).encode('utf-8', 'surrogatepass')
    status = result.get('status', 'ok')
    cpu_ms = round((_cpu_s() - started) * 1000, 2)
    last = status not in REUSABLE_STATUSES or reset is None or not reset.after_item()
    head = {'status': status, 'error': result.get('error'), 'cpu_ms': cpu_ms, 'last': last}
    if document is not None:  # after the result's JSON in the body (status.split_document)
        head['document_bytes'] = len(document)
        body += document
    return json.dumps(head).encode(), body, last


def _document_json(result):
    """The result's structured trace, taken out of it as the JSON line the job appends to
    ``documents.jsonl`` unchanged (so neither the pool nor the job decodes it); None (and the
    document stays in the result) when it is not strict JSON."""
    document = result.get('document') if type(result) is dict else None
    if document is None:
        return None
    try:
        encoded = json_bytes(document)
    except (TypeError, ValueError, RecursionError):
        return None
    del result['document']
    return encoded


def run_child(task, target, limits, uid, fds, scratch, devnull, fresh=None):
    """Never returns. Runs ``task``, then each task the pool sends on ``fds['task']``.
    ``uid`` is the child's own uid when the pool is root, else None; ``fresh`` the pool's
    ``FreshState`` (without it the child runs one item only)."""
    try:
        _set_up(limits, uid, fds, scratch, devnull)
        reset = None if fresh is None else ItemReset(fresh, scratch, fds['out'], devnull, own_uid=uid is not None)
    except BaseException as exc:
        reset, task = None, None
        _write_frame(fds['res'], _harness_failure(exc))
    while task is not None:
        try:
            head, body, last = _run_one(task, target, limits, reset)
        except BaseException as exc:  # a failure of the harness itself, not of the item
            (head, body), last = _harness_failure(exc), True
        _write_frame(fds['res'], (head, body))
        try:
            task = None if last else _next_task(fds['task'])
        except BaseException:  # a task the pool did not write: end
            task = None
    os._exit(0)


def _harness_failure(exc):
    return json.dumps({'status': 'crash', 'last': True, 'error': 'harness: {}: {}'.format(
        type(exc).__name__, exc)}).encode(), b'null'


def _write_frame(fd, head_body):
    try:
        view = memoryview(frame(*head_body))
        while view:
            view = view[os.write(fd, view):]
    except BaseException:
        os._exit(0)
