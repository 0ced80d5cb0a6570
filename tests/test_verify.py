"""groundtrace.verify: answer extraction, parsed comparison, grounding, trace mentions, code, policies."""

import pytest

from groundtrace.verify import (
    POLICIES,
    extract_answer,
    parse_policy,
    verdict_allows,
    verify_narration,
)
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
    assert extract_answer('Therefore the output is **True**.') == ('True', 'sentence')


@pytest.mark.parametrize('text, expected', [
    ('**Final Output:** 11', '11'),
    ('Final output: `11`.', '11'),
    ('FINAL ANSWER: [1, 2]', '[1, 2]'),
    ('**Final answer**: 12', '12'),
    ('Output: 5', '5'),
    ('The answer is 7.', '7'),
    ('So the function returns `[3, 4]`.', '[3, 4]'),
    ('Final answer: 11 (the sum of all the values)', '11'),
    ('The result is 3 + 4 = 7.', '7'),
    ('We add them up.\n\n**42**', '42'),
    ('The sorted strings:\n```\n["a", "b"]\n```', '["a", "b"]'),
])
def test_the_forms_models_use(text, expected):
    assert extract_answer(text)[0] == expected


def test_the_answer_stated_last_wins():
    assert extract_answer('Output: 5\nthen we fix a mistake\nFinal answer: 6')[0] == '6'
    assert extract_answer('Final answer: 6\nSo the output is 5.')[0] == '5'


def test_words_after_an_answer_sentence_are_no_answer():
    assert extract_answer('The result is built by appending each letter.') == (None, None)


def test_cut_off_by_the_token_limit_is_unfinished_without_thinking_too(permutations):
    result = verify_narration(GOOD, permutations, thinking_closed=True, finish_reason='length')
    assert result['verdict'] == 'unfinished'


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


def test_default_policy_keeps_only_pass():
    assert verdict_allows({'status': 'ok', 'verdict': 'pass'})
    for verdict in ('ungrounded', 'no_answer', 'wrong_answer', 'unfinished', 'mentions_trace', 'contains_code'):
        assert not verdict_allows({'status': 'ok', 'verdict': verdict}), verdict
    assert not verdict_allows({'status': 'skipped'})
    assert verdict_allows({'status': 'ok', 'verdict': 'ungrounded'}, 'verified')
    assert not verdict_allows({'status': 'ok', 'verdict': 'no_answer'}, 'verified')


def test_policies_by_name_and_by_list():
    assert not verdict_allows({'status': 'ok', 'verdict': 'ungrounded'}, 'strict')
    assert verdict_allows({'status': 'ok', 'verdict': 'ungrounded'}, 'keep:pass,ungrounded')
    assert not verdict_allows({'status': 'ok', 'verdict': 'no_answer'}, 'drop:no_answer')
    assert parse_policy('all') == POLICIES['all']
    with pytest.raises(ValueError):
        parse_policy('drop:nonsense')
