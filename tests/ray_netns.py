"""A real Ray cluster on this machine, inside a network namespace that has only loopback.

``unshare -n`` makes the namespace (held by a ``sleep`` process) and ``ip link set lo up``
gives it 127.0.0.1; every Ray process, and every command run with ``cluster.run``, lives in
it, so no traffic reaches any other address and its ports cannot clash with anything else
on the machine. The head and each worker node are separate ``ray start`` processes (one CPU
each by default); ``stop`` kills every process of the namespace by its pid.

Used by tests/test_ray_executor.py and bench/executors.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HEAD_PORT = 6390
# Each node's fixed ports (namespace-private): node k uses BASE + 1000 * k + offset.
PORT_BASE = 20000
PORT_OFFSETS = {'--node-manager-port': 1, '--object-manager-port': 2,
                '--dashboard-agent-grpc-port': 3, '--dashboard-agent-listen-port': 4,
                '--runtime-env-agent-port': 5, '--metrics-export-port': 6,
                '--min-worker-port': 10, '--max-worker-port': 200}
# A dead node is noticed in seconds rather than Ray's default half-minute.
FAST_FAILURE_DETECTION = {'RAY_health_check_period_ms': '1000', 'RAY_health_check_failure_threshold': '3',
                          'RAY_health_check_timeout_ms': '2000', 'RAY_health_check_initial_delay_ms': '1000'}


class RayNetnsCluster:
    def __init__(self, cpus_per_node=(1, 1), python=sys.executable):
        self.cpus_per_node = list(cpus_per_node)
        self.python = python
        self.bin = os.path.dirname(python)
        self.temp_dir = tempfile.mkdtemp(prefix='gtray-', dir='/tmp')  # short: socket paths
        self.address = '127.0.0.1:{}'.format(HEAD_PORT)
        self._holder = None
        self._netns = None

    # -- the namespace
    def start(self):
        self._holder = subprocess.Popen(
            ['unshare', '-n', '--', 'sh', '-c', 'ip link set lo up && echo up && exec sleep infinity'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        line = self._holder.stdout.readline()
        if line.strip() != b'up':
            err = self._holder.stderr.read().decode(errors='replace')
            raise RuntimeError('cannot make a network namespace with unshare -n: {}'.format(err.strip()))
        self._netns = os.readlink('/proc/{}/ns/net'.format(self._holder.pid))
        try:
            for k, cpus in enumerate(self.cpus_per_node):
                self._start_node(k, cpus)
            self.wait_for_nodes(len(self.cpus_per_node))
        except BaseException:
            self.stop()
            raise
        return self

    def env(self):
        env = dict(os.environ, RAY_USAGE_STATS_ENABLED='0', PATH=self.bin + ':' + os.environ.get('PATH', ''))
        env.update(FAST_FAILURE_DETECTION)
        return env

    def run(self, argv, **kwargs):
        """``subprocess.run`` of ``argv`` inside the namespace."""
        return subprocess.run(self.command(argv), env=kwargs.pop('env', self.env()), **kwargs)

    def popen(self, argv, **kwargs):
        return subprocess.Popen(self.command(argv), env=kwargs.pop('env', self.env()), **kwargs)

    def command(self, argv):
        return ['nsenter', '-t', str(self._holder.pid), '-n', '--'] + list(argv)

    def _start_node(self, k, cpus):
        ports = []
        for flag, offset in PORT_OFFSETS.items():
            ports += [flag, str(PORT_BASE + 1000 * k + offset)]
        if k == 0:
            role = ['--head', '--port', str(HEAD_PORT), '--include-dashboard=false', '--disable-usage-stats']
        else:
            role = ['--address', self.address]
        argv = [os.path.join(self.bin, 'ray'), 'start', *role, '--node-ip-address', '127.0.0.1',
                '--num-cpus', str(cpus), '--temp-dir', self.temp_dir, *ports]
        # The raylet gives its agents 15 s to start; on a machine other jobs keep busy a Python
        # start-up can take longer, so the start runs at real-time priority and every process
        # of the namespace is put back to normal priority right after.
        proc = self.run(['chrt', '-f', '1'] + argv, capture_output=True, text=True, timeout=300)
        self._normal_priority()
        if proc.returncode != 0:
            raise RuntimeError('ray start failed ({}):\n{}'.format(proc.returncode, proc.stderr[-3000:]))

    def _normal_priority(self):
        for pid in self.pids():
            try:
                os.sched_setscheduler(pid, os.SCHED_OTHER, os.sched_param(0))
            except OSError:
                pass

    def nodes(self):
        code = ('import json, ray; ray.init(address={!r}, log_to_driver=False, logging_level="ERROR"); '
                'print(json.dumps([{{"id": n["NodeID"], "alive": n["Alive"], "cpus": n["Resources"].get("CPU", 0)}} '
                'for n in ray.nodes()]))').format(self.address)
        try:
            proc = self.run([self.python, '-c', code], capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:  # a busy machine: ask again
            return []
        if proc.returncode != 0:
            return []
        return json.loads(proc.stdout.strip().splitlines()[-1])

    def wait_for_nodes(self, n, timeout=600):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sum(1 for node in self.nodes() if node['alive']) >= n:
                return
            time.sleep(1)
        raise RuntimeError('the Ray cluster did not reach {} live nodes'.format(n))

    # -- processes of the namespace
    def pids(self):
        mine = []
        for name in os.listdir('/proc'):
            if not name.isdigit() or int(name) == getattr(self._holder, 'pid', None):
                continue
            try:
                if os.readlink('/proc/{}/ns/net'.format(name)) == self._netns:
                    mine.append(int(name))
            except OSError:
                pass
        return mine

    def raylet_pid(self, k):
        """The pid of node ``k``'s raylet (0 is the head)."""
        port = '--node_manager_port={}'.format(PORT_BASE + 1000 * k + PORT_OFFSETS['--node-manager-port'])
        for pid in self.pids():
            try:
                with open('/proc/{}/cmdline'.format(pid), 'rb') as f:
                    args = f.read().decode(errors='replace').split('\0')
            except OSError:
                continue
            if args and args[0].endswith('/raylet') and port in args:
                return pid
        raise LookupError('no raylet of node {}'.format(k))

    def stop(self):
        """Kill every process in the namespace (by pid), then the namespace's holder."""
        if self._holder is None:
            return
        for _ in range(50):
            pids = self.pids()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.1)
        try:
            os.killpg(self._holder.pid, signal.SIGKILL)
        except OSError:
            pass
        self._holder.wait()
        self._holder = None
        subprocess.run(['rm', '-rf', self.temp_dir])

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
