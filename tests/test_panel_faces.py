"""What the panel and ``groundtrace status`` say about a Ray job: an unreachable address is
refused at Start in words (not a job that hangs in ray.init), and each node's line."""

import socket
import time

import pytest

from groundtrace.jobs import JobRequestError, check_ray
from groundtrace.pipeline.executors.ray import RayExecutorError, check_address
from groundtrace.status import node_text, status_text


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_an_unreachable_ray_address_is_refused_at_once_with_the_address():
    address = '127.0.0.1:{}'.format(free_port())
    started = time.monotonic()
    with pytest.raises(JobRequestError) as caught:
        check_ray(address)
    assert time.monotonic() - started < 5
    assert str(caught.value).startswith('Ray unreachable: nothing answers at ' + address)
    assert 'ray start --head' in caught.value.hint and 'local executor' in caught.value.hint
    with pytest.raises(RayExecutorError):  # the executor itself checks too (the CLI's path)
        check_address(address)


def test_a_listening_address_and_rays_own_addresses_pass():
    with socket.socket() as server:
        server.bind(('127.0.0.1', 0))
        server.listen()
        check_ray('127.0.0.1:{}'.format(server.getsockname()[1]))
    for address in (None, '', 'auto', 'local', 'ray://head:10001'):
        check_address(address)  # Ray's business: no connection tried


def test_status_prints_each_node_with_actors_cpus_done_rate_and_lost():
    nodes = [{'node': '127.0.0.1 (3f2a1b)', 'actors': 1, 'cpus': 2.0, 'done': 120, 'rate': 14.2, 'alive': True},
             {'node': '127.0.0.1 (9c0d4e)', 'actors': 0, 'cpus': 0, 'done': 7, 'rate': None, 'alive': False}]
    assert node_text(nodes[0]) == '127.0.0.1 (3f2a1b): 1 actor, 2 CPUs, 120 done, 14.2/s'
    assert node_text(nodes[1]) == '127.0.0.1 (9c0d4e): 0 actors, 0 CPUs, 7 done (lost)'
    status = {'path': 'runs/x', 'state': 'running', 'progress': {
        'state': 'running', 'stage': 'trace', 'done': 127, 'nodes': nodes,
        'rows': [{'stage': 'trace', 'status': 'running', 'done': 127, 'total': 300, 'counts': {}}]}}
    lines = status_text(status).splitlines()
    assert lines[-2:] == ['node ' + node_text(n) for n in nodes]
