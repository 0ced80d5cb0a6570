"""The trace viewer's routes (prompt and verification), in a real jupyter server process."""

import json
from pathlib import Path

import httpx

from groundtrace.translate.prompts import load_template, render_prompt
from test_server_route import authed, fake, jupyter  # noqa: F401 (module fixtures: one server for these tests)

ROUTE = '/groundtrace/viewer'
FIXTURE = Path(__file__).resolve().parent.parent / 'src' / '__tests__' / 'fixtures' / 'factorial.json'
RECORD = {
    'id': '7_0', 'problem_description': 'Add one to a number.', 'io_requirements': 'Input: x, an int.',
    'refcode': 'def main_solution(x):\n    y = x + 1\n    return y\n', 'input': {'x': 41},
    'trace': (' >>> Call to main_solution\n ...... x = 41\n    1 | def main_solution(x):\n'
              '    2 |     y = x + 1\n .......... y = 42\n    3 |     return y\n'
              ' <<< Return value from main_solution: 42\n'),
    'return_value': {'repr': '42', 'json': 42},
}


def post(jupyter, path, body, headers=None):
    return httpx.post(jupyter + ROUTE + path, json=body, headers=authed() if headers is None else headers, timeout=20)


def test_prompt_is_the_batch_stage_prompt(jupyter):
    response = post(jupyter, '/prompt', {'record': RECORD})
    assert response.status_code == 200
    body = response.json()
    expected = render_prompt(RECORD, load_template())
    assert body['messages'] == [{'role': 'user', 'content': expected}]
    assert body['prompt_chars'] == len(expected)


def test_prompt_of_a_notebook_trace_uses_its_snoop_text_and_source(jupyter):
    document = json.loads(FIXTURE.read_text())
    content = post(jupyter, '/prompt', {'record': {'document': document}}).json()['messages'][0]['content']
    assert 'Return value from factorial: 6' in content
    assert 'def factorial(n):' in content


def test_verify_splits_thinking_and_gives_the_verdict_with_grounded_values(jupyter):
    narration = '<think>x is 41</think>\nWe add one: y = 42.\nFinal answer: 42'
    body = post(jupyter, '/verify', {'record': RECORD, 'content': narration}).json()
    assert body['verdict'] == 'pass'
    assert body['thinking'] == 'x is 41'
    assert body['final'].endswith('Final answer: 42')
    assert [g['value'] for g in body['grounded']] == ['42', '42']


def test_verify_marks_a_wrong_answer_and_ungrounded_values(jupyter):
    body = post(jupyter, '/verify', {'record': RECORD, 'content': 'Then 41 + 987654 gives 987695.\nFinal answer: 43',
                                     'reasoning': 'thinking', 'finish_reason': 'stop'}).json()
    assert body['verdict'] == 'wrong_answer'
    assert body['evidence']['answer_matches'] is False
    assert [u['value'] for u in body['evidence']['ungrounded']] == ['987654', '987695', '43']


def test_viewer_routes_need_authentication_and_a_record(jupyter):
    assert post(jupyter, '/prompt', {'record': RECORD}, headers={}).status_code == 403
    assert post(jupyter, '/verify', {'content': 'x'}).status_code == 400
