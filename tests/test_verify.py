"""groundtrace.verify: answer extraction, parsed comparison, grounding, trace mentions, code, policies."""

import pytest

from groundtrace.verify import (POLICIES, extract_answer, parse_policy, verdict_allows, verify_narration)
from toy_traces import trace_record

PERMUTATIONS = 849  # "unique permutations", first pair input 'yms'


@pytest.fixture(scope='module')
def permutations(toy_problems):
    return trace_record(toy_problems[PERMUTATIONS])


def narration(*lines):
    return '\n'.join(lines)


GOOD = narration(
    "The input string is 'yms', so chars becomes ['y', 'm', 's'].",
    "All 6 orderings are generated and the duplicates removed.",
    "Sorting gives ['msy', 'mys', 'smy', 'sym', 'yms', 'ysm'].",
    'Final answer: ["msy", "mys", "smy", "sym", "yms", "ysm"]')


def test_final_answer_line_is_the_convention():
    assert extract_answer('work\nFinal answer: 42') == ('42', 'final_answer_line')


@pytest.mark.parametrize('text, expected', [
    ('**Final answer:** `[1, 2]`.', '[1, 2]'),
    ('Final Answer: 3.5.', '3.5'),
    ('Final answer:\n```json\n{"a": 1}\n```', '{"a": 1}'),
    ('Final answer: [1,\n 2]', '[1,\n 2]'),
])
def test_final_answer_markup_is_stripped(text, expected):
    assert extract_answer(text)[0] == expected


def test_fallbacks_boxed_fence_and_output_is():
    assert extract_answer('so \\boxed{{1, 2}}') == ('{1, 2}', 'boxed')
    assert extract_answer('text\n```json\n[1, 2]\n```') == ('[1, 2]', 'fenced_block')
    assert extract_answer('Therefore the output is **True**.') == ('True', 'output_is')


def test_no_answer_when_nothing_states_one():
    assert extract_answer('We loop twice and stop.') == (None, None)


def test_correct_narration_passes(permutations):
    result = verify_narration(GOOD, permutations)
    assert result['verdict'] == 'pass', result['evidence']
    assert result['evidence']['answer_matches'] is True


def test_answer_compared_parsed_not_as_text(permutations):
    text = GOOD.replace('Final answer: ["msy", "mys", "smy", "sym", "yms", "ysm"]',
                        "Final answer: ['msy','mys','smy','sym','yms','ysm']")
    assert verify_narration(text, permutations)['verdict'] == 'pass'


def test_wrong_answer(permutations):
    text = GOOD.replace('"ysm"]', '"ysm", "xyz"]')
    result = verify_narration(text, permutations)
    assert result['verdict'] == 'wrong_answer'
    assert result['evidence']['answer_matches'] is False


def test_floats_within_relative_tolerance(toy_problems):
    record = {'trace': '', 'input': {}, 'refcode': '', 'return_value': 0.5589099023195271}
    assert verify_narration('Final answer: 0.5589', record)['verdict'] == 'pass'
    assert verify_narration('Final answer: 0.56', record)['verdict'] == 'wrong_answer'


def test_missing_answer(permutations):
    assert verify_narration('We sort the strings.', permutations)['verdict'] == 'no_answer'


def test_unfinished_thought():
    assert verify_narration('', {'trace': ''}, thinking_closed=False)['verdict'] == 'unfinished'


def test_stated_values_missing_from_trace_are_ungrounded(permutations):
    text = GOOD.replace('All 6 orderings', 'All 6 orderings (that is 4096 of 12345 candidates, or 0.333)')
    result = verify_narration(text, permutations)
    assert result['verdict'] == 'ungrounded'
    assert {u['value'] for u in result['evidence']['ungrounded']} == {'4096', '12345', '0.333'}
    offset = result['evidence']['ungrounded'][0]['at']
    assert text[offset:offset + 4] == '4096'


def test_quoted_strings_are_grounded_against_the_trace(permutations):
    result = verify_narration(GOOD, permutations)
    assert result['evidence']['values_grounded'] >= 8
    assert result['evidence']['ungrounded'] == []


def test_mentioning_the_trace_is_flagged(permutations):
    result = verify_narration('As the execution trace shows, it works.\n' + GOOD, permutations)
    assert result['verdict'] == 'mentions_trace'
    assert result['evidence']['mentions_trace'] == ['execution trace']


def test_tracing_the_code_is_not_mentioning_a_trace(permutations):
    assert verify_narration('Let us trace through the code.\n' + GOOD, permutations)['verdict'] == 'pass'


def test_code_is_flagged(permutations):
    text = 'We compute:\n```python\nfor p in permutations(chars):\n    out.add(p)\n```\n' + GOOD
    assert verify_narration(text, permutations)['verdict'] == 'contains_code'


def test_default_policy_drops_wrong_answers_only():
    assert verdict_allows({'status': 'ok', 'verdict': 'ungrounded'})
    assert verdict_allows({'status': 'ok', 'verdict': 'no_answer'})
    assert not verdict_allows({'status': 'ok', 'verdict': 'wrong_answer'})
    assert not verdict_allows({'status': 'skipped'})


def test_policies_by_name_and_by_list():
    assert not verdict_allows({'status': 'ok', 'verdict': 'ungrounded'}, 'strict')
    assert verdict_allows({'status': 'ok', 'verdict': 'ungrounded'}, 'keep:pass,ungrounded')
    assert not verdict_allows({'status': 'ok', 'verdict': 'no_answer'}, 'drop:no_answer')
    assert parse_policy('all') == POLICIES['all']
    with pytest.raises(ValueError):
        parse_policy('drop:nonsense')
