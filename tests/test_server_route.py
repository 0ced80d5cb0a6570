"""The Jupyter server route to the translator, in a real jupyter server process."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from fake_vllm import FakeVLLM

REPO = Path(__file__).resolve().parent.parent
TOKEN = 'test-jupyter-token'
KEY = 'sk-upstream-secret'
ROUTE = '/groundtrace/translator'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='module')
def fake():
    with FakeVLLM(api_key=KEY, chunk_delay=0.05, words_per_chunk=12) as server:
        yield server


@pytest.fixture(scope='module')
def jupyter(fake, tmp_path_factory):
    """A jupyter server with the groundtrace extension enabled by the packaged config file."""
    home = tmp_path_factory.mktemp('jupyter')
    config_dir = home / 'config'
    (config_dir / 'jupyter_server_config.d').mkdir(parents=True)
    shutil.copy(REPO / 'jupyter-config' / 'server-config' / 'groundtrace.json',
                config_dir / 'jupyter_server_config.d' / 'groundtrace.json')
    key_file = home / 'key'
    key_file.write_text(KEY + '\n')
    port = free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config_dir), JUPYTER_DATA_DIR=str(home / 'data'),
               JUPYTER_RUNTIME_DIR=str(home / 'runtime'), HOME=str(home),
               PYTHONPATH=os.pathsep.join([str(REPO / 'python'), os.environ.get('PYTHONPATH', '')]),
               GROUNDTRACE_TRANSLATOR_URL=fake.url, GROUNDTRACE_TRANSLATOR_MODEL=fake.model,
               GROUNDTRACE_TRANSLATOR_API_KEY_FILE=str(key_file))
    env.pop('GROUNDTRACE_TRANSLATOR_API_KEY', None)
    log = open(home / 'server.log', 'w')
    process = subprocess.Popen(
        [sys.executable, '-m', 'jupyter_server', '--ip=127.0.0.1', '--port={}'.format(port), '--port-retries=0',
         '--no-browser', '--allow-root', '--IdentityProvider.token=' + TOKEN, '--ServerApp.root_dir=' + str(home)],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    base = 'http://127.0.0.1:{}'.format(port)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + '/api/status', headers={'Authorization': 'token ' + TOKEN}).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, (home / 'server.log').read_text()
            time.sleep(0.2)
        else:
            pytest.fail('jupyter server did not start: ' + (home / 'server.log').read_text())
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def authed(token=TOKEN):
    return {'Authorization': 'Bearer ' + token}  # what the openai npm client sends as its apiKey


def chat(stream, **extra):
    body = {'messages': [{'role': 'user', 'content': 'Hi.\n .......... x = 41\n <<< Return value from main_solution: 42'}],
            'stream': stream, 'max_tokens': 64}
    if stream:
        body['stream_options'] = {'include_usage': True}
    body.update(extra)
    return body


def test_streaming_is_passed_through_chunk_by_chunk(jupyter):
    started = time.monotonic()
    arrivals, events = [], []
    with httpx.stream('POST', jupyter + ROUTE + '/v1/chat/completions', json=chat(True), headers=authed(),
                      timeout=20) as response:
        assert response.status_code == 200
        assert response.headers['content-type'].startswith('text/event-stream')
        for line in response.iter_lines():
            if line.startswith('data: '):
                arrivals.append(time.monotonic() - started)
                events.append(line[6:])
    assert events[-1] == '[DONE]'
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks[-1]['usage']['completion_tokens'] > 0 and chunks[-1]['choices'] == []
    reasoning = ''.join(c['choices'][0]['delta'].get('reasoning_content') or '' for c in chunks if c['choices'])
    content = ''.join(c['choices'][0]['delta'].get('content') or '' for c in chunks if c['choices'])
    assert 'x becomes 41' in reasoning and content.endswith('Final answer: 42')
    # The first chunk came well before the last: nothing buffered the stream.
    assert arrivals[-1] - arrivals[0] > 0.1


def test_upstream_key_replaces_the_browser_token(jupyter, fake):
    response = httpx.post(jupyter + ROUTE + '/v1/chat/completions', json=chat(False), headers=authed(), timeout=20)
    assert response.status_code == 200, response.text
    assert response.json()['choices'][0]['message']['content'].endswith('Final answer: 42')
    assert response.json()['model'] == fake.model  # the configured model filled in


def test_max_tokens_over_the_endpoints_context_is_capped(jupyter, fake):
    response = httpx.post(jupyter + ROUTE + '/v1/chat/completions', json=chat(False, max_tokens=fake.max_model_len + 1),
                          headers=authed(), timeout=20)
    assert response.status_code == 200, response.text
    assert fake.bodies[-1]['max_tokens'] == fake.max_model_len


def test_unauthenticated_requests_are_refused_and_not_forwarded(jupyter, fake):
    before = fake.counts['requests']
    post = httpx.post(jupyter + ROUTE + '/v1/chat/completions', json=chat(False), timeout=10)
    wrong = httpx.post(jupyter + ROUTE + '/v1/chat/completions', json=chat(False), headers=authed('nope'), timeout=10)
    models = httpx.get(jupyter + ROUTE + '/v1/models', timeout=10, follow_redirects=False)
    assert post.status_code == 403 and wrong.status_code == 403
    assert models.status_code in (302, 403)
    assert fake.counts['requests'] == before


def test_models_and_settings_never_show_the_key(jupyter, fake):
    models = httpx.get(jupyter + ROUTE + '/v1/models', headers=authed(), timeout=10)
    assert models.status_code == 200 and models.json()['data'][0]['id'] == fake.model
    settings = httpx.get(jupyter + ROUTE + '/settings', headers=authed(), timeout=10)
    assert settings.json() == {'configured': True, 'host': '127.0.0.1:{}'.format(fake.port),
                               'model': fake.model, 'api_key_set': True}
    assert KEY not in settings.text


def test_error_status_and_body_are_passed_on(jupyter, fake):
    # max_tokens is capped by the route now; a prompt over the context is still the server's 400.
    too_long = [{'role': 'user', 'content': 'x' * (fake.max_model_len * fake.chars_per_token + 10)}]
    response = httpx.post(jupyter + ROUTE + '/v1/chat/completions', json=chat(False, messages=too_long),
                          headers=authed(), timeout=10)
    assert response.status_code == 400
    assert "maximum context length is" in response.json()['message']
