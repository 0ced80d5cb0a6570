"""The real vLLM (CPU build, ``.venv-vllm``) serving the demo model, started once per test run.

``scripts/setup.sh`` makes the environment and the model; without them the tests that need
the server are skipped with the reason — except under CI, where setup made them and their
absence is a failure.
"""

import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
VENV_PYTHON = REPO / '.venv-vllm' / 'bin' / 'python'
MODEL_DIR = REPO / '.cache' / 'models' / 'SmolLM2-135M-Instruct'
MODEL_NAME = 'smollm2-135m-instruct-demo'
MAX_MODEL_LEN = 8192
START_TIMEOUT_S = 900  # about 80 s on an idle machine; a busy one takes longer


def missing_reason():
    if not VENV_PYTHON.exists():
        return 'no .venv-vllm (scripts/setup.sh makes it; GROUNDTRACE_MODEL_ENVS=0 leaves it out)'
    if not (MODEL_DIR / 'config.json').exists():
        return 'no demo model in {} (scripts/setup.sh converts it)'.format(MODEL_DIR)
    return None


def require_environment():
    reason = missing_reason()
    if reason and os.environ.get('CI'):
        pytest.fail('the real vLLM is needed in CI: ' + reason)
    if reason:
        pytest.skip(reason)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def healthy(root):
    try:
        with urllib.request.urlopen(root + '/health', timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class Server:
    def __init__(self, port, process, log_path):
        self.port = port
        self.process = process
        self.log_path = log_path
        self.root = 'http://127.0.0.1:{}'.format(port)
        self.url = self.root + '/v1'
        self.model = MODEL_NAME
        self.model_dir = MODEL_DIR
        self.started_in_s = None

    def log_tail(self, chars=3000):
        return Path(self.log_path).read_text(errors='replace')[-chars:]

    def metrics(self):
        with urllib.request.urlopen(self.root + '/metrics', timeout=10) as response:
            return response.read().decode()


def start_server(extra=()):
    """Start ``scripts/vllm-server.sh`` on a free port and wait for /health."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix='vllm-', suffix='.log', delete=False)
    process = subprocess.Popen(['bash', str(REPO / 'scripts' / 'vllm-server.sh'), '--port', str(port), *extra],
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(port, process, log.name)
    started = time.monotonic()
    while not healthy(server.root):
        if process.poll() is not None:
            raise RuntimeError('vLLM exited with {} before it was healthy:\n{}'.format(
                process.returncode, server.log_tail()))
        if time.monotonic() - started > START_TIMEOUT_S:
            stop_server(server)
            raise RuntimeError('vLLM was not healthy after {} s:\n{}'.format(START_TIMEOUT_S, server.log_tail()))
        time.sleep(1)
    server.started_in_s = round(time.monotonic() - started, 1)
    return server


def stop_server(server):
    if server.process.poll() is None:
        os.killpg(server.process.pid, 15)
        try:
            server.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, 9)
            server.process.wait()


@pytest.fixture(scope='session')
def vllm_server():
    """One real vLLM for the whole test run (GROUNDTRACE_TEST_VLLM_PORT: one already running
    from scripts/vllm-server.sh on that port, left running)."""
    require_environment()
    port = os.environ.get('GROUNDTRACE_TEST_VLLM_PORT')
    if port:
        server = Server(int(port), None, os.devnull)
        assert healthy(server.root), 'no healthy vLLM on port ' + port
        yield server
        return
    server = start_server()
    print('\nreal vLLM healthy after {} s on port {}'.format(server.started_in_s, server.port))
    try:
        yield server
    finally:
        stop_server(server)
