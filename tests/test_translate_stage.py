"""The translate stage against a local vLLM-shaped server: faults, resume, skips, budgets, reasoning."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fake_vllm import FakeVLLM
from groundtrace.translate.client import TranslatorRejected
from groundtrace.translate.config import build_config
from groundtrace.translate.stage import translate_folder
from toy_traces import selected_records, write_selected

REPO = Path(__file__).resolve().parent.parent
SEED = 4  # one whose 30 requests meet each kind of fault
FAULTS = dict(rate_429=0.10, rate_500=0.05, rate_drop=0.02)
MIXED = {'wrong_answer': 0.1, 'no_answer': 0.05, 'ungrounded': 0.05, 'mentions_trace': 0.05,
         'contains_code': 0.05, 'unfinished': 0.05}


@pytest.fixture(scope='module')
def toy_selected(toy_problems):
    return selected_records(toy_problems, 30)


@pytest.fixture
def folder(tmp_path, toy_selected):
    write_selected(tmp_path, toy_selected)
    return tmp_path


def config_for(server, **options):
    options.setdefault('backoff_base', 0.01)
    options.setdefault('concurrency', 8)
    return build_config(urls=server.url, model=server.model, **options)


def lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


@pytest.mark.parametrize('stream', [True, False])
def test_faults_translate_each_selected_item_exactly_once(folder, toy_selected, stream):
    with FakeVLLM(seed=SEED, modes=MIXED, **FAULTS) as server:
        stats = translate_folder(str(folder), config_for(server, stream=stream))
        counts = dict(server.counts)
    assert counts['fault_429'] and counts['fault_500'] and counts['fault_drop'], counts
    ids = [r['id'] for r in lines(folder / 'translated.jsonl')]
    assert sorted(ids) == sorted(r['id'] for r in toy_selected)
    assert len(ids) == len(set(ids)) == 30
    assert stats['done'] == 30 and stats['failed'] == 0
    assert counts['completed'] == 30  # no item was answered in full twice
    assert sum(stats['verdicts'].values()) == 30


def test_rerun_sends_nothing_already_translated(folder):
    with FakeVLLM() as server:
        translate_folder(str(folder), config_for(server))
        sent = server.counts['completed']
        stats = translate_folder(str(folder), config_for(server))
        assert server.counts['completed'] == sent
    assert stats['already_done'] == 30 and stats['done'] == 0
    assert len(lines(folder / 'translated.jsonl')) == 30


def test_killed_run_resumes_without_resending(folder, toy_selected):
    with FakeVLLM(latency=0.3) as server:
        code = ('import sys; sys.path.insert(0, "python");'
                'from groundtrace.translate.config import build_config;'
                'from groundtrace.translate.stage import translate_folder;'
                'translate_folder(sys.argv[1], build_config(urls=sys.argv[2], model=sys.argv[3], concurrency=3))')
        child = subprocess.Popen([sys.executable, '-c', code, str(folder), server.url, server.model], cwd=REPO,
                                 stderr=subprocess.DEVNULL)
        out = folder / 'translated.jsonl'
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (not out.exists() or len(lines(out)) < 6):
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        first = {r['id'] for r in lines(out)}
        assert 6 <= len(first) < 30
        attempts_before = dict(server.attempts)
        translate_folder(str(folder), config_for(server))
        resent = [d for d, n in server.attempts.items() if attempts_before.get(d) and n > attempts_before[d]]
    ids = [r['id'] for r in lines(out)]
    assert sorted(ids) == sorted(r['id'] for r in toy_selected)
    # Only what was in flight at the kill is asked again (at most the 3 in flight).
    assert len(resent) <= 3


def test_prompt_over_context_is_skipped_with_reason_not_retried(folder):
    with FakeVLLM(max_model_len=700) as server:
        translate_folder(str(folder), config_for(server, max_tokens=64))
        over = server.counts['over_context']
    skipped = [r for r in lines(folder / 'translated.jsonl') if r['status'] == 'skipped']
    assert 0 < len(skipped) == over < 30
    assert all("maximum context length is 700 tokens" in r['skip_reason'] for r in skipped)
    assert all(r['skip_reason'].startswith('over_context') for r in skipped)


def test_max_tokens_over_the_servers_context_is_capped_and_said_once(folder, capsys):
    with FakeVLLM(max_model_len=4096, chars_per_token=8) as server:
        stats = translate_folder(str(folder), config_for(server))
        sent = {body['max_tokens'] for body in server.bodies}
        refused = server.counts['max_tokens_refused']
    assert stats['max_tokens_capped'] == {'asked': 16384, 'max_model_len': 4096, 'sent': 4096}
    assert sent == {4096} and refused == 0 and stats['done'] == 30
    assert capsys.readouterr().err.count("max_tokens 16384 is more than the server's max_model_len 4096") == 1


def test_a_setting_the_server_refuses_stops_the_stage_once(folder):
    with FakeVLLM(max_model_len=4096, report_max_model_len=False) as server:
        with pytest.raises(TranslatorRejected) as refused:
            translate_folder(str(folder), config_for(server, concurrency=2))
        asked = sum(server.attempts.values())
    assert 'max_tokens=16384 cannot be greater than max_model_len=4096' in str(refused.value)
    assert 'stage stopped after 0 items' in str(refused.value)
    assert asked <= 2  # the requests in flight, each tried once: not every item, not retried
    assert not (folder / 'translate_failed.jsonl').exists() or not lines(folder / 'translate_failed.jsonl')


def test_prompt_over_character_budget_is_skipped_unsent(folder):
    with FakeVLLM() as server:
        stats = translate_folder(str(folder), config_for(server, prompt_budget=2500))
        sent = sum(server.attempts.values())
    skipped = [r for r in lines(folder / 'translated.jsonl') if r['status'] == 'skipped']
    assert skipped and all(r['skip_reason'].startswith('prompt_too_long') for r in skipped)
    assert sent == 30 - len(skipped)
    assert stats['prompt_budget'] == {'unit': 'chars', 'limit': 2500, 'counted_by': 'characters'}


def test_token_budget_counts_with_server_tokenize(folder):
    with FakeVLLM() as server:
        stats = translate_folder(str(folder), config_for(server, budget_unit='tokens', prompt_budget=600))
    assert stats['prompt_budget']['counted_by'] == 'server /tokenize'
    records = lines(folder / 'translated.jsonl')
    assert all((r['prompt_tokens'] > 600) == (r['status'] == 'skipped') for r in records)
    assert stats['prompt_budget']['unit'] == 'tokens'


@pytest.mark.parametrize('reasoning', ['reasoning_content', 'reasoning', 'think'])
@pytest.mark.parametrize('stream', [True, False])
def test_thinking_and_final_text_are_stored_apart(folder, reasoning, stream):
    with FakeVLLM(reasoning=reasoning) as server:
        translate_folder(str(folder), config_for(server, stream=stream))
    record = lines(folder / 'translated.jsonl')[0]
    assert record['thinking'].startswith('Let me follow the code')
    assert record['final'].startswith('We start from the given input')
    assert '</think>' not in record['final'] and record['thinking_closed'] is True
    assert record['verdict'] == 'pass'


@pytest.mark.parametrize('reasoning', ['reasoning_content', 'think'])
def test_thought_cut_off_by_length_is_recorded_unfinished(folder, reasoning):
    with FakeVLLM(reasoning=reasoning, modes={'unfinished': 1.0}) as server:
        translate_folder(str(folder), config_for(server))
    record = lines(folder / 'translated.jsonl')[0]
    assert record['finish_reason'] == 'length' and record['thinking_closed'] is False
    assert record['final'] == '' and record['verdict'] == 'unfinished'


def test_translated_records_carry_what_build_needs(folder, toy_selected):
    with FakeVLLM() as server:
        translate_folder(str(folder), config_for(server))
    record = lines(folder / 'translated.jsonl')[0]
    source = next(r for r in toy_selected if r['id'] == record['id'])
    for key in ('problem_description', 'io_requirements', 'refcode', 'input', 'return_value'):
        assert record[key] == source[key]
    assert record['answer'] == source['trace'].rstrip().split('<<< Return value from main_solution: ')[-1]
    assert set(record['evidence']) >= {'answer', 'answer_matches', 'ungrounded', 'mentions_trace', 'code'}


def test_api_key_is_sent_but_never_written(folder, monkeypatch):
    monkeypatch.setenv('GROUNDTRACE_TRANSLATOR_API_KEY', 'sk-test-secret-123')
    with FakeVLLM(api_key='sk-test-secret-123') as server:
        stats = translate_folder(str(folder), config_for(server))
    assert stats['done'] == 30 and stats['translator']['api_key_set'] is True
    for name in os.listdir(folder):
        assert 'sk-test-secret-123' not in (folder / name).read_text()
