"""Offline batches: export-batch writes OpenAI Batch JSONL, import-batch reads results back, verified."""

import json

import pytest

from fake_vllm import FakeVLLM
from groundtrace.translate.batch_files import export_batch, import_batch
from groundtrace.translate.config import build_config
from toy_traces import selected_records, write_selected


@pytest.fixture
def folder(tmp_path, toy_problems):
    write_selected(tmp_path, selected_records(toy_problems, 6))
    return tmp_path


def lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def results_from(server, requests, fail=()):
    """What ``vllm run-batch`` writes: one result a line, the server's whole answer as body."""
    out = []
    for i, request in enumerate(requests):
        if request['custom_id'] in fail:
            out.append({'id': 'r{}'.format(i), 'custom_id': request['custom_id'], 'error': None, 'response': {
                'status_code': 400, 'body': {'object': 'error', 'type': 'BadRequestError', 'code': 400,
                                             'message': "This model's maximum context length is 8 tokens."}}})
            continue
        prompt = request['body']['messages'][0]['content']
        thinking, final, finish = server.narrate(prompt, str(i))
        body = server._completion(thinking, final, finish, {'prompt_tokens': 1, 'completion_tokens': 2,
                                                            'total_tokens': 3})
        out.append({'id': 'r{}'.format(i), 'custom_id': request['custom_id'], 'error': None,
                    'response': {'status_code': 200, 'request_id': 'x', 'body': body}})
    return out


def test_export_writes_one_openai_batch_request_per_item(folder):
    counts = export_batch(str(folder), build_config(model='Qwen/Qwen3-32B'))
    requests = lines(folder / 'batch_requests.jsonl')
    assert counts['requests'] == len(requests) == 6
    first = requests[0]
    assert set(first) == {'custom_id', 'method', 'url', 'body'}
    assert first['method'] == 'POST' and first['url'] == '/v1/chat/completions'
    assert first['body']['model'] == 'Qwen/Qwen3-32B' and 'stream' not in first['body']
    assert first['body']['chat_template_kwargs'] == {'enable_thinking': True}
    assert 'Final answer:' in first['body']['messages'][0]['content']


def test_import_appends_verified_records_and_skips_over_context(folder):
    export_batch(str(folder), build_config(model='m'))
    requests = lines(folder / 'batch_requests.jsonl')
    results = folder / 'results.jsonl'
    with FakeVLLM(reasoning='think') as server:
        results.write_text(''.join(json.dumps(r) + '\n' for r in results_from(server, requests, {requests[0]['custom_id']})))
    counts = import_batch(str(folder), str(results))
    assert counts['translated'] == 5 and counts['skipped_over_context'] == 1
    records = {r['id']: r for r in lines(folder / 'translated.jsonl')}
    assert records[requests[0]['custom_id']]['status'] == 'skipped'
    ok = records[requests[1]['custom_id']]
    assert ok['verdict'] == 'pass' and ok['thinking_closed'] and ok['final'].startswith('We start')


def test_import_twice_adds_nothing_and_export_then_asks_nothing(folder):
    export_batch(str(folder), build_config(model='m'))
    requests = lines(folder / 'batch_requests.jsonl')
    results = folder / 'results.jsonl'
    with FakeVLLM() as server:
        results.write_text(''.join(json.dumps(r) + '\n' for r in results_from(server, requests)))
    import_batch(str(folder), str(results))
    again = import_batch(str(folder), str(results))
    assert again['already_done'] == 6 and len(lines(folder / 'translated.jsonl')) == 6
    assert export_batch(str(folder), build_config(model='m'))['already_done'] == 6
    assert lines(folder / 'batch_requests.jsonl') == []
