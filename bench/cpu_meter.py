"""CPU time of everything a benchmark starts, counted by the kernel's cgroup accounting.

``CpuMeter()`` moves the benchmark process into a fresh cgroup (cgroup v1 ``cpuacct`` or a
v2 ``cpu.stat``); every process it starts afterwards — jobs, bubblewrap sandboxes, pools,
items, Ray daemons and workers — lands in the same cgroup, whoever waits for it, so
``meter.seconds()`` deltas count them all. Needs root (or a delegated cgroup).
"""

import os

V1 = '/sys/fs/cgroup/cpuacct'
V2_CANDIDATES = ('/sys/fs/cgroup/unified', '/sys/fs/cgroup')


class CpuMeter:
    def __init__(self, name='groundtrace-bench'):
        self.path = None
        name = '{}-{}'.format(name, os.getpid())
        if os.path.isfile(os.path.join(V1, 'cpuacct.usage')):
            self.path, self.kind = os.path.join(V1, name), 'v1'
        else:
            for root in V2_CANDIDATES:
                if os.path.isfile(os.path.join(root, 'cgroup.procs')) and os.path.isfile(os.path.join(root, 'cgroup.controllers')):
                    self.path, self.kind = os.path.join(root, name), 'v2'
                    break
        if self.path is None:
            raise RuntimeError('no cgroup CPU accounting here (needs cgroup v1 cpuacct or v2)')
        os.makedirs(self.path, exist_ok=True)
        self._origin = _own_cgroup_procs(self.kind)
        with open(os.path.join(self.path, 'cgroup.procs'), 'w') as f:
            f.write(str(os.getpid()))

    def seconds(self):
        if self.kind == 'v1':
            with open(os.path.join(self.path, 'cpuacct.usage')) as f:
                return int(f.read()) / 1e9
        with open(os.path.join(self.path, 'cpu.stat')) as f:
            for line in f:
                key, value = line.split()
                if key == 'usage_usec':
                    return int(value) / 1e6
        raise RuntimeError('cpu.stat has no usage_usec')

    def close(self):
        """Move back to the original cgroup and remove ours (once it is empty)."""
        if self._origin:
            with open(self._origin, 'w') as f:
                f.write(str(os.getpid()))
        try:
            os.rmdir(self.path)
        except OSError:
            pass


def _own_cgroup_procs(kind):
    with open('/proc/self/cgroup') as f:
        for line in f:
            _, controllers, path = line.rstrip('\n').split(':', 2)
            if (kind == 'v1' and 'cpuacct' in controllers.split(',')) or (kind == 'v2' and controllers == ''):
                root = V1 if kind == 'v1' else next(r for r in V2_CANDIDATES if os.path.isdir(r))
                return os.path.join(root + path, 'cgroup.procs')
    return None
