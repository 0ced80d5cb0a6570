"""The Ray executor: the trace stage's items run on a Ray cluster.

The driver (the job, on the machine that holds the folder) sends batches of items to actors:
one per node, or one per ``cpus_per_actor`` CPUs of each node. Each actor owns a groundtrace
sandboxed pool started as its own process (bubblewrap and the fork pool, as on one machine):
nothing forks inside a Ray worker, whose gRPC threads a fork would hang. A batch holds whole
problems, never part of one, so a problem's items share the pool's parsed source.

Reports stream back batch by batch and the stage appends them as they come. When an actor or
its node dies, the batches it held are sent to the other actors; a node that is gone (or whose
actors failed three times) is not used again, and new nodes that join during the run get actors. The stage keeps the first
report of each id, so a resent item is never written twice.
"""

import socket
import time
from collections import deque
from dataclasses import asdict

from ..job import JobError

BATCHES_PER_ACTOR = 2     # in flight per actor: one running, one waiting in its queue
WAIT_S = 2.0              # how often the driver looks for new nodes while it waits
NO_NODE_TIMEOUT_S = 120   # how long work may wait for a node to run on before the job fails
RETRY_NODE_S = 5.0        # a node whose actor failed gets a new one after this long
MAX_NODE_FAILURES = 3     # ... unless its actors failed this many times
CONNECT_CHECK_S = 5.0     # how long a host:port address may take to accept a connection


class RayExecutorError(JobError):
    pass


def check_address(address, timeout=CONNECT_CHECK_S):
    """Raise a RayExecutorError naming the address when nothing listens at a ``host:port`` one.

    ``ray.init`` retries an address nobody answers at for minutes, logging only warnings, so
    a job (and the panel's Start) checks first. ``auto``, ``local`` and ``ray://`` addresses
    are Ray's own business (``auto`` without a cluster fails at once in words)."""
    address = (address or 'auto').strip()
    host, _, port = address.rpartition(':')
    if address in ('auto', 'local') or '://' in address or not host or not port.isdigit():
        return
    try:
        with socket.create_connection((host.strip('[]'), int(port)), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise RayExecutorError('Ray unreachable: nothing answers at {} ({})'.format(address, reason))


class TraceActor:
    """Runs on a Ray node: a groundtrace sandboxed pool, started as its own process."""

    def __init__(self, workers, limits, use_bwrap):
        from ..sandbox import Limits, WorkerPool
        self.warnings = []
        self.pool = WorkerPool(workers, Limits(**limits), use_bwrap=use_bwrap, log=self.warnings.append)
        self.pool.start()

    def describe(self):
        import ray
        return {'node_id': ray.get_runtime_context().get_node_id(), 'sandboxed': self.pool.sandboxed,
                'warnings': self.warnings}

    def run_batch(self, tasks):
        return list(self.pool.run(iter(tasks)))


class _Actor:
    __slots__ = ('handle', 'node_id', 'cpus', 'inflight', 'described')

    def __init__(self, handle, node_id, cpus, described):
        self.handle, self.node_id, self.cpus, self.described = handle, node_id, cpus, described
        self.inflight = {}  # ObjectRef -> batch


class _Node:
    __slots__ = ('node_id', 'ip', 'done', 'started', 'lost', 'failures', 'failed_at')

    def __init__(self, node_id, ip):
        self.node_id, self.ip, self.done, self.started, self.lost = node_id, ip, 0, None, False
        self.failures, self.failed_at = 0, None


def batches_of(tasks, size):
    """Lists of about ``size`` tasks, cut only where the problem changes (its source)."""
    batch, key = [], None
    for task in tasks:
        task_key = (task[2].get('refcode'), task[2].get('funcname'))
        if len(batch) >= size and task_key != key:
            yield batch
            batch = []
        batch.append(task)
        key = task_key
    if batch:
        yield batch


class RayExecutor:
    def __init__(self, address, limits, cpus_per_actor=None, use_bwrap=True, log=print, batch_items=None):
        self.address = address or 'auto'
        self.limits = limits
        self.cpus_per_actor = cpus_per_actor
        self.use_bwrap = use_bwrap
        self.log = log
        self.batch_items = batch_items
        self.sandboxed = True  # until an actor says otherwise
        self._ray = None
        self._actor_class = None
        self._actors = []
        self._nodes = {}

    # -- the cluster
    def __enter__(self):
        try:
            import ray
        except ImportError:
            raise RayExecutorError('the ray executor needs Ray on this machine and every node: '
                                   'pip install "groundtrace[ray]"')
        check_address(self.address)
        self._ray = ray
        ray.init(address=self.address, log_to_driver=False, logging_level='WARNING',
                 include_dashboard=False)
        self._actor_class = ray.remote(TraceActor)
        self._add_actors()
        if not self._actors:
            self.__exit__()
            raise RayExecutorError('the Ray cluster at {} has no node with a CPU to run items on'
                                   .format(self.address))
        self._describe([a for a in self._actors if not a.described])
        cpus = sum(a.cpus for a in self._actors)
        self.log('ray: {} actor(s) with {} CPU(s) on {} node(s)'.format(
            len(self._actors), cpus, len({a.node_id for a in self._actors})))
        return self

    def __exit__(self, *exc):
        if self._ray is None:
            return
        for actor in self._actors:
            try:
                self._ray.kill(actor.handle, no_restart=True)
            except Exception:
                pass
        self._actors = []
        self._ray.shutdown()
        self._ray = None

    def _alive_nodes(self):
        return [n for n in self._ray.nodes() if n.get('Alive') and n.get('Resources', {}).get('CPU', 0) >= 1]

    def _add_actors(self):
        """Actors for every live node that has none yet (and has not lost one in this run)."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
        have = {a.node_id for a in self._actors}
        added = []
        for info in self._alive_nodes():
            node_id = info['NodeID']
            node = self._nodes.setdefault(node_id, _Node(node_id, info.get('NodeManagerAddress', '?')))
            if node.lost or node_id in have:
                continue
            if node.failed_at is not None and time.monotonic() - node.failed_at < RETRY_NODE_S:
                continue
            node_cpus = int(info['Resources']['CPU'])
            per_actor = min(self.cpus_per_actor or node_cpus, node_cpus)
            for _ in range(max(1, node_cpus // per_actor)):
                handle = self._actor_class.options(
                    num_cpus=per_actor, max_restarts=0, max_task_retries=0,
                    scheduling_strategy=NodeAffinitySchedulingStrategy(node_id, soft=False),
                ).remote(per_actor, asdict(self.limits), self.use_bwrap)
                actor = _Actor(handle, node_id, per_actor, described=False)
                self._actors.append(actor)
                added.append(actor)
        return added

    def _describe(self, actors):
        for actor in actors:
            try:
                info = self._ray.get(actor.handle.describe.remote())
            except self._ray.exceptions.RayError as exc:
                self._lose(actor, exc, deque())
                continue
            actor.described = True
            if not info['sandboxed']:
                self.sandboxed = False
            for warning in info['warnings']:
                self.log('ray node {}: {}'.format(self._node_name(actor.node_id), warning))

    def _lose(self, actor, exc, resend):
        """The actor is gone (or its node): its batches go back to the front of the queue."""
        if actor not in self._actors:
            return
        self._actors.remove(actor)
        # A node that is gone, or keeps failing, is not used again in this run; one that is
        # alive (an actor that could not be placed yet, say) gets another actor later.
        node = self._nodes[actor.node_id]
        node.failures += 1
        node.failed_at = time.monotonic()
        alive = {info['NodeID'] for info in self._alive_nodes()}
        node.lost = actor.node_id not in alive or node.failures >= MAX_NODE_FAILURES
        for batch in actor.inflight.values():
            resend.appendleft(batch)
        lost_items = sum(len(b) for b in actor.inflight.values())
        actor.inflight.clear()
        try:
            self._ray.kill(actor.handle, no_restart=True)
        except Exception:
            pass
        self.log('ray: lost the actor on node {} ({}); {} item(s) sent again'.format(
            self._node_name(actor.node_id), type(exc).__name__, lost_items))

    # -- the work
    def run(self, tasks):
        ray = self._ray
        size = self.batch_items or max(16, 8 * max((a.cpus for a in self._actors), default=1))
        fresh = batches_of(tasks, size)
        resend = deque()
        exhausted = False
        last_look = time.monotonic()
        waiting_since = None
        while True:
            for actor in list(self._actors):
                while len(actor.inflight) < BATCHES_PER_ACTOR:
                    batch = resend.popleft() if resend else None
                    if batch is None and not exhausted:
                        batch = next(fresh, None)
                        exhausted = batch is None
                    if batch is None:
                        break
                    node = self._nodes[actor.node_id]
                    if node.started is None:
                        node.started = time.monotonic()
                    actor.inflight[actor.handle.run_batch.remote(batch)] = batch
            refs = {ref: actor for actor in self._actors for ref in actor.inflight}
            if not refs:
                if exhausted and not resend:
                    return
                # Work is left but no actor: wait for a node to join.
                waiting_since = waiting_since or time.monotonic()
                if time.monotonic() - waiting_since > NO_NODE_TIMEOUT_S:
                    raise RayExecutorError('no Ray node left to run the remaining items on')
                time.sleep(WAIT_S)
                self._describe(self._add_actors())
                continue
            waiting_since = None
            ready, _ = ray.wait(list(refs), num_returns=1, timeout=WAIT_S)
            for ref in ready:
                actor = refs[ref]
                if ref not in actor.inflight:
                    continue  # its actor was lost meanwhile; the batch was resent
                try:
                    reports = ray.get(ref)
                except ray.exceptions.RayError as exc:
                    self._lose(actor, exc, resend)
                    continue
                del actor.inflight[ref]
                node = self._nodes[actor.node_id]
                for report in reports:
                    node.done += 1
                    yield report
            if time.monotonic() - last_look > 5 * WAIT_S:
                last_look = time.monotonic()
                self._describe(self._add_actors())

    def _node_name(self, node_id):
        node = self._nodes[node_id]
        shared_ip = sum(1 for n in self._nodes.values() if n.ip == node.ip) > 1
        return '{} ({})'.format(node.ip, node_id[:6]) if shared_ip else node.ip

    def nodes(self):
        """Per node: its actors, CPUs, items done and rate (for progress.json)."""
        now = time.monotonic()
        rows = []
        for node in self._nodes.values():
            actors = [a for a in self._actors if a.node_id == node.node_id]
            elapsed = now - node.started if node.started else 0
            rows.append({'node': self._node_name(node.node_id), 'actors': len(actors),
                         'cpus': sum(a.cpus for a in actors), 'done': node.done,
                         'rate': round(node.done / elapsed, 2) if elapsed > 0 and node.done else None,
                         'alive': bool(actors)})
        return rows
