"""The worker pool: one long-lived process that forks an isolated child per problem.

Four parts: ``child`` (what the forked child sets up, and its loop over items), ``reuse``
(what it puts back between two items, or why it must end), ``loop`` (the event loop that
starts, feeds, watches, reaps and reports children) and ``status`` (how an item's end becomes
its status: a pure function). This module is the pool's entry: its settings (``Limits``), the
targets a task may name, and the bootstrap it starts from.

It runs inside the sandbox (see ``sandbox.py``, the job's side), imports the tracer once and
forks a child for the items of one problem (a task's ``group``). Each child gets its own
session and process group, address-space / process-count / file-size limits, a CPU-time
limit per item, a scratch directory emptied between items and removed afterwards, a scrubbed
environment and, when the pool runs as root, its own unprivileged uid (one per slot, so
``kill(-1)`` and RLIMIT_NPROC stay within the child). The child reports over a dedicated
pipe; its stdout/stderr go to a capped pipe that is counted and discarded, so printed text
can never be read as a result.

Protocol (JSON lines): job → pool stdin ``{"id", "target", "payload"[, "group"]}``; pool
stdout → job ``{"id", "status", ...[, "document_bytes"], "result"}``, and when a report has
``document_bytes`` the next line is the item's document as strict JSON of that length, which
the job appends to ``documents.jsonl`` without decoding it.

This process imports only what it needs: every class it defines or loads can show in a
trace (an ``isinstance`` check against an abstract class walks its subclasses), so the
job-side machinery (subprocess, threads, queues, tempfile) stays out of it.
"""

import gc
import importlib
import importlib.util
import json
import os
import shutil
import signal
import sys
from dataclasses import dataclass

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
    # The time limit is CPU time (RLIMIT_CPU, whole seconds, rounded up), so that a loaded
    # machine does not turn an item into a timeout in one run and not in the next; a wall-time
    # backstop of ``wall_factor`` times it stops code that sleeps or waits (docs/engine.md).
    timeout: float = 5.0            # CPU seconds per item
    wall_factor: float = 10.0       # wall-time backstop: timeout × this
    memory_mb: int = 1024           # RLIMIT_AS
    nproc: int = 32                 # RLIMIT_NPROC (per item uid when root)
    output_bytes: int = 1 << 20     # stdout+stderr of the item, and RLIMIT_FSIZE
    result_bytes: int = 64 << 20    # the report the child sends back
    hash_seed: str = '0'            # PYTHONHASHSEED of the pool, so of every child

    @property
    def wall_timeout(self):
        return self.timeout * self.wall_factor


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


def _resolve(spec):
    module, _, name = spec.partition(':')
    return getattr(importlib.import_module(module), name)


# The pool process starts with this script (``python -c``): it first loads what the
# original's script has loaded when the traced call starts (Python, pathlib and snoop), and
# numpy, which is imported once here rather than once per item (it cannot be imported twice
# in one process), then captures that state; every child starts from it (see fresh_state).
# numpy.random (with random) is loaded here too: its C modules keep state that a second
# import would not make afresh, so a child that loaded it could run no other item; loaded
# here, each item gets it as a fresh import leaves it (seeded anew from the OS,
# reuse.fresh_module_state). So is asttokens, which snoop imports lazily while tracing some
# sources (toy 413): an item that imported it would fill typing's subscript caches during its
# call, which ends its child. Neither adds a subclass or a registration that an isinstance
# check against a collections.abc or numbers class visits (decimal would, its SignalDict
# subclasses MutableMapping: it is not loaded here, and a problem using it gets a child per
# item); tests/test_pipeline_fidelity.py compares such checks with the original's.
PRELOAD = """\
import json, sys, pathlib, snoop, snoop.formatting, asttokens, asttokens.mark_tokens
try:
    import numpy, numpy.random
except ImportError:
    pass
"""
POOL_BOOTSTRAP = PRELOAD + """\
from groundtrace.pipeline.fresh_state import FreshState
fresh = FreshState()
from groundtrace.pipeline.pool import pool_main
pool_main(sys.argv[1:], fresh)
"""

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
        # Some sources snoop tokenizes with asttokens, whose first run subscripts
        # typing.Callable: done here, or the first such item of every child fills typing's
        # cache during its call (which ends the child, reuse.py).
        import asttokens
        asttokens.ASTTokens(WARM_UP_CODE, parse=True)
    except Exception:
        pass


def pool_main(argv=None, fresh_state=None):
    import argparse
    parser = argparse.ArgumentParser(prog='groundtrace-pool')
    parser.add_argument('--workers', type=int, required=True)
    parser.add_argument('--limits', required=True, help='JSON of Limits')
    args = parser.parse_args(argv)
    # Here, not at the top: the job imports this package for its settings only.
    from .child import PR_SET_CHILD_SUBREAPER, PR_SET_PDEATHSIG, prctl
    from .loop import Pool, make_private_dir
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    # snoop.Config tries these optional modules on every trace; a failed import is not
    # cached and costs a search of sys.path each time, so remember the failure once.
    for name in ('prettyprinter', 'pprintpp'):
        if name not in sys.modules and importlib.util.find_spec(name) is None:
            sys.modules[name] = None
    _warm_up()
    limits = Limits(**json.loads(args.limits))
    scratch_root = make_private_dir(os.environ.get('TMPDIR', '/tmp'), 'groundtrace-pool-')
    os.chmod(scratch_root, 0o711)
    # Once here rather than in every child (where it would cost a copy of every page it
    # touches); Pool._start repeats it if the pool imports or compiles something later.
    if fresh_state is not None:
        fresh_state.restore()
    gc.collect()
    gc.freeze()  # children's collections then leave the shared pages alone (fewer copies)
    try:
        targets = {name: _resolve(spec) for name, spec in TARGETS.items()}
        prepare = {name: _resolve(spec) for name, spec in PREPARE.items()}
        Pool(args.workers, limits, scratch_root, targets, prepare, fresh_state).serve()
    finally:
        shutil.rmtree(scratch_root, ignore_errors=True)
