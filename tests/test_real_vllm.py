"""Translation against the real vLLM (CPU build) serving the demo model: one server for the run.

What a real server does on its own is tested here: a whole job, streamed and whole
completions, token counting through /tokenize, its own over-context message, the cap of
max_tokens at its max_model_len, and the offline batch runner's round trip. What it will not
do on demand (429, 500, dropped connections, reasoning fields) is tests/fake_vllm.py's part.
The figures each test measures are printed (pytest -s shows them).
"""

import asyncio
import json
import os
import subprocess
import sys
import time

import pytest

from groundtrace.translate.client import BatchClient
from groundtrace.translate.config import build_config
from groundtrace.verify import VERDICTS
from real_vllm import REPO, VENV_PYTHON, vllm_server  # noqa: F401 (the fixture)
from toy_traces import selected_records, write_selected

TOY = REPO / 'data' / 'pyedu_toy.jsonl'
BUDGET = 1050  # prompt tokens
SHORT = 96  # tokens per answer: the 135M model on two CPU cores writes about 10 a second


def lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def groundtrace(*args, timeout=1200):
    env = dict(os.environ, PYTHONPATH=str(REPO / 'python'))
    result = subprocess.run([sys.executable, '-m', 'groundtrace.cli', *args], cwd=REPO, capture_output=True,
                            text=True, timeout=timeout, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def report(name, **figures):
    print('\n[real vLLM] {}: {}'.format(name, json.dumps(figures, sort_keys=True)))


def test_a_job_of_every_stage_on_five_toy_problems(vllm_server, tmp_path):
    out = tmp_path / 'job'
    groundtrace('run', '--input', str(TOY), '--output', str(out), '--limit', '5',
                '--stages', 'filter,trace,select,translate,build', '--quiet',
                '--translator-url', vllm_server.url, '--model', vllm_server.model,
                '--max-tokens', str(SHORT), '--concurrency', '5', '--no-thinking')
    selected = [r['id'] for r in lines(out / 'selected.jsonl')]
    translated = lines(out / 'translated.jsonl')
    assert 0 < len(selected) <= 5 and sorted(r['id'] for r in translated) == sorted(selected)
    assert all(r['status'] == 'ok' and r['verdict'] in VERDICTS for r in translated)
    assert all(r['usage']['completion_tokens'] > 0 and r['model'] == vllm_server.model for r in translated)
    stats = json.load(open(out / 'stats.json'))
    translate, build = stats['stages']['translate'], stats['stages']['build']
    passed = sum(r['verdict'] == 'pass' for r in translated)
    samples = lines(out / 'train.jsonl') if (out / 'train.jsonl').exists() else []
    assert len(samples) == build['out'] == passed  # the default policy trains on pass only
    assert translate['tokens_per_s'] > 0
    report('job', items=len(translated), verdicts=translate['verdicts'],
           retries=translate['counts'].get('retries', 0), tokens_per_s=translate['tokens_per_s'],
           completion_tokens=translate['completion_tokens'], train_samples=len(samples))


def complete(server, messages, **options):
    async def go():
        config = build_config(urls=server.url, model=server.model, enable_thinking=False, **options)
        async with BatchClient(config) as client:
            await client.check()
            capped = client.fit_to_server()
            started = time.monotonic()
            result = await client.complete(messages)
            return result, capped, time.monotonic() - started
    return asyncio.run(go())


ASK = [{'role': 'user', 'content': 'What is 6 times 7? End with a line "Final answer: <number>".'}]


@pytest.mark.parametrize('stream', [True, False])
def test_streamed_and_whole_completions(vllm_server, stream):
    result, _, elapsed = complete(vllm_server, ASK, stream=stream, max_tokens=48, temperature=0.0)
    assert result.status == 'ok' and result.attempts == 1, result.error
    assert result.narration.final and result.narration.thinking is None
    assert result.narration.finish_reason in ('stop', 'length')
    assert result.usage['completion_tokens'] > 0 and result.usage['prompt_tokens'] > 10
    report('stream' if stream else 'whole', completion_tokens=result.usage['completion_tokens'],
           tokens_per_s=round(result.usage['completion_tokens'] / elapsed, 1))


def test_max_tokens_over_the_servers_context_is_capped(vllm_server):
    # A stop string keeps the answer short: what is tested is that the capped request is taken.
    result, capped, _ = complete(vllm_server, [{'role': 'user', 'content': 'Say OK.'}], max_tokens=16384,
                                 temperature=0.0, stream=True, extra_body={'stop': ['.', '\n']})
    assert capped == {'asked': 16384, 'max_model_len': 8192, 'sent': 8192}
    assert result.status == 'ok', result.error


def test_the_servers_own_over_context_message_skips_the_item(vllm_server):
    result, _, _ = complete(vllm_server, [{'role': 'user', 'content': 'word ' * 9000}], max_tokens=16)
    assert result.status == 'skipped' and result.attempts == 1
    assert result.error.startswith('over_context: ') and 'maximum context length is 8192' in result.error


@pytest.fixture(scope='module')
def five_selected(toy_problems, tmp_path_factory):
    folder = tmp_path_factory.mktemp('selected')
    write_selected(folder, selected_records(toy_problems, 5))
    return folder


def test_budget_in_tokens_counts_with_the_servers_tokenize(vllm_server, five_selected, tmp_path):
    folder = tmp_path / 'tokens'
    folder.mkdir()
    records = lines(five_selected / 'selected.jsonl')
    write_selected(folder, records)
    # A budget between the prompts' sizes (806 to 1,161 tokens with this tokenizer): some are
    # skipped unsent, the rest translated.
    groundtrace('translate', str(folder), '--translator-url', vllm_server.url, '--model', vllm_server.model,
                '--budget-unit', 'tokens', '--prompt-budget', str(BUDGET), '--max-tokens', '8', '--no-thinking')
    translated = lines(folder / 'translated.jsonl')
    stats = json.load(open(folder / 'stats.json'))['stages']['translate']
    assert stats['prompt_budget'] == {'unit': 'tokens', 'limit': BUDGET, 'counted_by': 'server /tokenize'}
    assert len(translated) == len(records)
    for record in translated:
        assert (record['status'] == 'skipped') == (record['prompt_tokens'] > BUDGET)
        if record['status'] == 'ok':  # /tokenize counted what the server then read
            assert record['prompt_tokens'] == record['usage']['prompt_tokens']
    assert 0 < sum(r['status'] == 'ok' for r in translated) < len(translated)
    report('token budget', prompt_tokens=sorted(r['prompt_tokens'] for r in translated),
           skipped=sum(r['status'] == 'skipped' for r in translated))


def test_export_batch_then_vllms_batch_runner_then_import_batch(vllm_server, five_selected, tmp_path):
    folder = tmp_path / 'batch'
    folder.mkdir()
    write_selected(folder, lines(five_selected / 'selected.jsonl')[:3])
    exported = json.loads(groundtrace('export-batch', str(folder), '--model', vllm_server.model,
                                      '--max-tokens', str(SHORT), '--no-thinking').stdout)
    results = folder / 'results.jsonl'
    env = dict(os.environ, VLLM_TARGET_DEVICE='cpu', VLLM_CPU_KVCACHE_SPACE='1', HF_HUB_OFFLINE='1',
               VLLM_CPU_OMP_THREADS_BIND='nobind', OMP_NUM_THREADS='1', VLLM_EXECUTE_MODEL_TIMEOUT_SECONDS='3600')
    started = time.monotonic()
    subprocess.run([str(VENV_PYTHON), '-m', 'vllm.entrypoints.openai.run_batch', '-i', exported['path'],
                    '-o', str(results), '--model', str(vllm_server.model_dir), '--served-model-name',
                    vllm_server.model, '--enforce-eager', '--max-model-len', '4096', '--dtype', 'float32'],
                   check=True, env=env, capture_output=True, timeout=1200)
    ran_s = round(time.monotonic() - started, 1)
    counts = json.loads(groundtrace('import-batch', str(folder), str(results)).stdout)
    translated = lines(folder / 'translated.jsonl')
    assert exported['requests'] == len(lines(results)) == counts['translated'] == len(translated) == 3
    assert sum(counts['verdicts'].values()) == 3
    assert all(r['status'] == 'ok' and r['model'] == vllm_server.model for r in translated)
    report('batch round trip', requests=exported['requests'], results=len(lines(results)),
           imported=counts['translated'], verdicts=counts['verdicts'], batch_runner_s=ran_s)

