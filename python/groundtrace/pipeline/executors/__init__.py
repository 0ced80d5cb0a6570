"""Where the trace stage's items run: an executor takes ``(task_id, target, payload)`` tasks
and yields one report per task, in any order.

- ``local`` (the default): one sandboxed fork pool on this machine (``pool.py`` in bubblewrap).
- ``ray``: actors on a Ray cluster, each owning such a pool as its own process.

Either way the stage writes the same folder; an executor may resend a task whose first run was
lost with a node, and the stage keeps the first report of each id.
"""

import os

EXECUTORS = ('local', 'ray')


def make_executor(cfg, limits, log=print):
    """The executor ``cfg.executor`` names, not yet started (use it as a context manager)."""
    if cfg.executor == 'local':
        from .local import LocalExecutor
        return LocalExecutor(cfg.workers or os.cpu_count() or 1, limits, use_bwrap=cfg.sandbox, log=log)
    if cfg.executor == 'ray':
        from .ray import RayExecutor
        return RayExecutor(cfg.ray_address, limits, cpus_per_actor=cfg.ray_cpus_per_actor,
                           use_bwrap=cfg.sandbox, log=log)
    raise ValueError('unknown executor {!r}; choose from {}'.format(cfg.executor, ', '.join(EXECUTORS)))
