"""The local executor: every item in one sandboxed fork pool on this machine."""

from ..sandbox import WorkerPool


class LocalExecutor:
    def __init__(self, workers, limits, use_bwrap=True, log=print):
        self.pool = WorkerPool(workers, limits, use_bwrap=use_bwrap, log=log)

    @property
    def sandboxed(self):
        return self.pool.sandboxed

    def run(self, tasks):
        return self.pool.run(tasks)

    def __enter__(self):
        self.pool.start()
        return self

    def __exit__(self, *exc):
        self.pool.close()
