"""`groundtrace run … --translator-url` from filter to build against the local vLLM-shaped server with faults."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TOY_DATA
from fake_vllm import FakeVLLM

REPO = Path(__file__).resolve().parent.parent


def lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def groundtrace(*args, check=True):
    result = subprocess.run([sys.executable, '-m', 'groundtrace.cli', *args], cwd=REPO, capture_output=True,
                            text=True, timeout=240, env={'PYTHONPATH': str(REPO / 'python'), 'PATH': '/usr/bin:/bin'})
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope='module')
def job(tmp_path_factory):
    """A toy job (40 problems, 2 pairs each) translated through 10% 429s, 5% 500s, 2% drops."""
    folder = tmp_path_factory.mktemp('job')
    modes = {'wrong_answer': 0.1, 'no_answer': 0.05, 'mentions_trace': 0.05, 'unfinished': 0.05}
    with FakeVLLM(seed=8, rate_429=0.10, rate_500=0.05, rate_drop=0.02, modes=modes) as server:
        result = groundtrace('run', '--input', str(TOY_DATA), '--output', str(folder), '--limit', '40',
                             '--pairs-per-problem', '2', '--quiet', '--translator-url', server.url,
                             '--model', server.model, '--concurrency', '16')
        yield folder, server, result


def test_every_selected_item_is_translated_exactly_once(job):
    folder, server, _ = job
    selected = [r['id'] for r in lines(folder / 'selected.jsonl')]
    translated = [r['id'] for r in lines(folder / 'translated.jsonl')]
    assert len(selected) >= 20
    assert sorted(translated) == sorted(selected)
    assert server.counts['completed'] == len(selected)
    assert server.counts['fault_429'] and server.counts['fault_500']


def test_stats_count_verdicts_and_what_the_policy_dropped(job):
    folder, _, result = job
    stats = json.load(open(folder / 'stats.json'))
    translate = stats['stages']['translate']
    verdicts = translate['verdicts']
    assert sum(verdicts.values()) == translate['done']
    build = stats['stages']['build']  # build re-checks each answer and applies the verdict policy
    dropped = {k[len('verdict_'):]: n for k, n in build['reasons'].items() if k.startswith('verdict_')}
    assert dropped and dropped == {v: n for v, n in build['verdicts'].items() if v != 'pass'}  # pass only
    assert build['in'] == len(lines(folder / 'translated.jsonl'))
    assert build['out'] == len(lines(folder / 'train.jsonl')) <= build['verdicts']['pass']
    assert 'translate' in result.stdout


def test_train_jsonl_is_a_llama_factory_sharegpt_dataset(job):
    folder, _, _ = job
    info = json.load(open(folder / 'dataset_info.json'))
    (name, entry), = info.items()
    assert entry['file_name'] == 'train.jsonl' and entry['formatting'] == 'sharegpt'
    assert entry['columns'] == {'messages': 'messages'}
    tags = entry['tags']
    samples = lines(folder / entry['file_name'])
    assert samples
    for sample in samples:
        roles = [m[tags['role_tag']] for m in sample['messages']]
        assert roles == [tags['user_tag'], tags['assistant_tag']]
        assistant = sample['messages'][1][tags['content_tag']]
        assert assistant and '<think>' not in assistant and '</think>' not in assistant
        assert assistant.rstrip().splitlines()[-1].startswith('Final answer:')


def test_rerun_sends_nothing_again(job):
    folder, server, _ = job
    before = sum(server.attempts.values())
    with FakeVLLM(seed=7) as fresh:
        groundtrace('run', '--input', str(TOY_DATA), '--output', str(folder), '--limit', '40',
                    '--pairs-per-problem', '2', '--quiet', '--translator-url', fresh.url, '--model', fresh.model)
        assert sum(fresh.attempts.values()) == 0
    assert sum(server.attempts.values()) == before


def test_unreachable_translator_is_a_clear_error(tmp_path):
    (tmp_path / 'selected.jsonl').write_text('')
    result = groundtrace('translate', str(tmp_path), '--translator-url', 'http://127.0.0.1:9/v1', '--model', 'm',
                         check=False)
    assert result.returncode == 2
    assert 'is unreachable' in result.stderr and 'Traceback' not in result.stderr
