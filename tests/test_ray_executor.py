"""The Ray executor on a real cluster: a head and a worker node started with ``ray start`` as
separate processes on this machine (one CPU each), inside a network namespace with only
loopback (tests/ray_netns.py). The job itself runs in the namespace too.

One job on the first 100 toy problems with ``--executor local`` is the reference: the Ray
runs must give the same records (each id once, same status, same trace text once memory
addresses are removed), also when the worker node's raylet is killed mid-trace and when the
driver is killed and the job rerun.
"""

import json
import os
import re
import signal
import subprocess
import sys

import pytest

from groundtrace.pipeline.recheck import normalised
from ray_netns import RayNetnsCluster
from tests_support import wait_for

pytestmark = pytest.mark.timeout(1800)

PROBLEMS = 100
JOB_ARGS = ['--stages', 'filter,trace', '--limit', str(PROBLEMS), '--no-recheck', '--quiet']


def job_argv(input_path, out, *extra):
    return [sys.executable, '-m', 'groundtrace.cli', 'run', '--input', str(input_path), '--output', str(out),
            *JOB_ARGS, *extra]


def job_env():
    return dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(os.path.dirname(__file__)), 'python'))


def trace_lines(folder):
    with open(os.path.join(folder, 'traces.jsonl'), encoding='utf-8') as f:
        return [json.loads(line) for line in f if line.strip()]


# Two runs of one item differ only where the item's code does: id() values (addresses as
# integers, e.g. a deepcopy memo's keys) and unseeded random draws. Both differ between two
# local runs as well; they are masked, and a drawing problem's items are compared by id only.
ID_VALUE = re.compile(r'\b\d{12,}\b')


def comparable(record):
    if 'random' in record['refcode']:
        return None
    text = ID_VALUE.sub('<id>', normalised(record['trace']))
    return record['status'], text, (record.get('return_value') or {}).get('repr')


def records(folder):
    """{id: (status, address-free trace, return value)}, after checking each id is there once."""
    lines = trace_lines(folder)
    ids = [r['id'] for r in lines]
    assert len(ids) == len(set(ids)), 'duplicated ids: {}'.format(
        sorted({i for i in ids if ids.count(i) > 1})[:10])
    return {r['id']: comparable(r) for r in lines}


def n_traced(folder):
    path = os.path.join(folder, 'traces.jsonl')
    if not os.path.exists(path):
        return 0
    with open(path, 'rb') as f:
        return f.read().count(b'\n')


@pytest.fixture(scope='module')
def cluster():
    with RayNetnsCluster(cpus_per_node=(1, 1)) as c:
        yield c


@pytest.fixture(scope='module')
def local_reference(cluster, toy_data_path, tmp_path_factory):
    out = tmp_path_factory.mktemp('local') / 'job'
    proc = cluster.run(job_argv(toy_data_path, out, '--executor', 'local', '--workers', '2'),
                       env=dict(cluster.env(), **job_env()), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    reference = records(out)
    assert len(reference) > 8 * PROBLEMS  # about ten items a problem
    assert sum(1 for r in reference.values() if r is None) < len(reference) / 20  # few compared by id only
    return reference


def ray_argv(cluster, input_path, out):
    return job_argv(input_path, out, '--executor', 'ray', '--ray-address', cluster.address)


def test_the_namespace_has_only_loopback(cluster):
    proc = cluster.run(['ip', '-o', 'link'], capture_output=True, text=True, check=True)
    assert [line.split(':')[1].strip() for line in proc.stdout.splitlines()] == ['lo']


def test_a_ray_job_gives_the_records_of_a_local_job(cluster, local_reference, toy_data_path, tmp_path):
    out = tmp_path / 'job'
    proc = cluster.run(ray_argv(cluster, toy_data_path, out), env=dict(cluster.env(), **job_env()),
                       capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'ray: 2 actor(s) with 2 CPU(s) on 2 node(s)' in proc.stderr
    assert records(out) == local_reference
    assert 'sandbox: bubblewrap' in proc.stdout
    # Both nodes did work, and progress.json said so per node.
    with open(out / 'progress.json') as f:
        nodes = json.load(f).get('nodes') or []
    assert len(nodes) == 2 and all(node['done'] > 0 for node in nodes), nodes
    assert sum(node['done'] for node in nodes) == len(local_reference)


def test_a_killed_driver_resumes_and_ends_identical(cluster, local_reference, toy_data_path, tmp_path):
    out = tmp_path / 'job'
    env = dict(cluster.env(), **job_env())
    driver = cluster.popen(ray_argv(cluster, toy_data_path, out), env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for(lambda: n_traced(out) >= len(local_reference) // 3 or driver.poll() is not None, timeout=900, interval=0.2)
    assert driver.poll() is None, 'the job ended before it could be killed'
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    partial = n_traced(out)
    assert 0 < partial < len(local_reference)
    rerun = cluster.run(ray_argv(cluster, toy_data_path, out), env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert records(out) == local_reference


def test_killing_the_worker_nodes_raylet_mid_trace_loses_and_duplicates_nothing(
        cluster, local_reference, toy_data_path, tmp_path):
    out = tmp_path / 'job'
    driver = cluster.popen(ray_argv(cluster, toy_data_path, out), env=dict(cluster.env(), **job_env()),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def worker_node_busy():
        try:
            with open(out / 'progress.json') as f:
                nodes = json.load(f).get('nodes') or []
        except (OSError, ValueError):
            return False
        return n_traced(out) >= len(local_reference) // 4 and all(node['done'] > 0 for node in nodes) \
            and len(nodes) == 2
    wait_for(lambda: worker_node_busy() or driver.poll() is not None, timeout=900, interval=0.2)
    assert driver.poll() is None, 'the job ended before the raylet could be killed'
    os.kill(cluster.raylet_pid(1), signal.SIGKILL)
    killed_at = n_traced(out)
    stdout, stderr = driver.communicate(timeout=900)
    assert driver.returncode == 0, stderr[-3000:]
    assert killed_at < len(local_reference)
    assert 'lost the actor on node' in stderr
    assert records(out) == local_reference  # every id once: none lost, none duplicated
    with open(out / 'progress.json') as f:
        nodes = {node['node']: node for node in json.load(f)['nodes']}
    assert sorted(node['alive'] for node in nodes.values()) == [False, True]
