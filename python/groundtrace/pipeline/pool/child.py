"""The child's side: the process forked for one item sets up its limits and runs it.

It gets its own session and process group, CPU / address-space / file-size / process-count
limits, no core files, a scratch directory as cwd, a scrubbed environment, a parent-death
signal and, when the pool is root, its own unprivileged uid. Its stdout and stderr go to the
counted output pipe; the result goes as one frame to the result pipe; then it exits without
running any clean-up of the pool's (``os._exit``).
"""

import json
import os
import resource
import signal

from .status import frame

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


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


def run_child(task, target, limits, uid, out_w, res_w, scratch, devnull):
    """Never returns. ``uid`` is the item's own uid when the pool is root, else None."""
    try:
        os.setsid()
        os.dup2(devnull, 0)
        os.dup2(out_w, 1)
        os.dup2(out_w, 2)
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        os.closerange(3, res_w)
        os.closerange(res_w + 1, 65536)
        cpu = max(1, int(limits.timeout + 0.999))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
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
        result = target(task['payload'])
        body = json.dumps(result, ensure_ascii=False, default=repr).encode('utf-8', 'surrogatepass')
        head = json.dumps({'status': result.get('status', 'ok'), 'error': result.get('error')}).encode()
    except BaseException as exc:  # a failure of the harness itself, not of the item
        head = json.dumps({'status': 'crash', 'error': 'harness: {}: {}'.format(
            type(exc).__name__, exc)}).encode()
        body = b'null'
    try:
        view = memoryview(frame(head, body))
        while view:
            view = view[os.write(res_w, view):]
    finally:
        os._exit(0)
