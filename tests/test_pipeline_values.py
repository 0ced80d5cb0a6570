"""Exact Python values through JSON files: the stored form, its reading back, and the child's use."""

import json
import math

import pytest

from groundtrace.pipeline import values
from groundtrace.pipeline.compare import output_matches
from groundtrace.pipeline.trace_stage import run_item

# Every value class of issue 11, with what JSON alone would have made of it.
VALUE_CLASSES = {
    'int dict keys': {1: 'a', 2: 'b'},
    'tuple dict keys': {(1, 2): 'x'},
    'frozenset dict keys': {frozenset({1}): 'y'},
    'tuple': (1, 'two', 3.0),
    'set': {3, 1, 2},
    'frozenset': frozenset({'a', 'b'}),
    'bytes': b'\x00\xffab',
    'bytearray': bytearray(b'xy'),
    'complex': 1 - 2.5j,
    'nan': math.nan,
    'inf': math.inf,
    '-inf': -math.inf,
    '-0.0': -0.0,
    'int beyond 2**64': 2 ** 70 + 1,
    'negative int beyond 2**64': -(2 ** 70) - 1,
    'empty set': set(),
    'nested': [{1: (2, {b'z'})}, frozenset({(1, 2)}), {'k': [math.inf, (None, True)]}],
    'lone surrogate': 'a\ud800b',
}


def through_a_file(stored):
    """What reading back a stored form from a JSONL line gives."""
    return json.loads(json.dumps(stored, ensure_ascii=True, allow_nan=False))


@pytest.mark.parametrize('name', sorted(VALUE_CLASSES))
def test_every_value_class_reads_back_as_the_same_python_value(name):
    value = VALUE_CLASSES[name]
    stored = through_a_file(values.encode(value))
    assert values.is_exact(stored)
    assert values.same_value(values.decode(stored), value)


def test_json_values_are_stored_as_json_unchanged():
    pyedu_input = {'n': 3, 'xs': [1.5, -0.0, 'a'], 'd': {'k': None, 'b': True}}
    assert values.encode(pyedu_input) == pyedu_input
    assert values.encode(pyedu_input) is not pyedu_input or True


def test_an_object_is_stored_as_its_repr_flagged_inexact_and_not_decoded():
    stored = values.encode(object())
    assert stored['exact'] is False and stored[values.TAG].startswith('<object object')
    assert not values.is_exact([1, stored])
    with pytest.raises(ValueError):
        values.decode(stored)


def test_a_dict_that_looks_like_a_tag_is_itself_tagged():
    value = {values.TAG: 'x'}
    assert values.same_value(values.decode(through_a_file(values.encode(value))), value)


def test_encoding_never_raises_on_deep_nesting_or_a_failing_repr():
    deep = []
    for _ in range(5000):
        deep = [deep]

    class Bad:
        def __repr__(self):
            raise RuntimeError('no')
    for value in (deep, Bad()):
        stored = values.encode(value)
        json.dumps(stored)
        assert values.is_exact(stored) is False


def test_literal_text_is_parsed_never_run():
    assert values.literal_value("frozenset({1, 2})") == frozenset({1, 2})
    assert math.isnan(values.literal_value('nan'))
    for text in ('__import__("os").system("true")', 'open("x")', '[1] * 3', 'float("1e5")'):
        with pytest.raises(values.NotLiteral):
            values.literal_value(text)


def test_an_expression_argument_is_kept_as_text_and_evaluated_only_when_asked():
    stored = values.literal_or_expression('lambda x: x * 2')
    assert stored == {values.EXPR: 'lambda x: x * 2'}
    with pytest.raises(ValueError):
        values.decode(stored)
    assert values.decode(stored, evaluate=True)(4) == 8


def test_display_shows_python_text_without_evaluating():
    assert values.display_arguments({'d': values.encode({1: 'a'}), 'f': {values.EXPR: 'range(5)'}}) \
        == "d={1: 'a'}, f=range(5)"


def test_the_comparison_tells_int_keys_from_str_keys_when_the_expected_value_is_exact():
    assert output_matches({1: 'a'}, {1: 'a'})
    assert not output_matches({'1': 'a'}, {1: 'a'})
    assert output_matches({1: 'a'}, {'1': 'a'})  # a JSON-written expected output (PyEdu)
    assert not output_matches([1, 2], (1, 2))
    assert output_matches((1, 2), [1, 2])  # JSON turned the tuple into a list
    assert not output_matches(2 ** 70, 2 ** 70 + 1)
    assert not output_matches(b'ab', 'ab')


CODE = '''
def f(d, fn):
    keys = sorted(d)
    return tuple(fn(k) for k in keys), {keys[0]: frozenset(d.values())}
'''


def test_the_child_gets_exact_values_and_evaluates_expression_arguments():
    stored_input = through_a_file({'d': values.encode({2: 'b', 1: 'a'}),
                                   'fn': values.literal_or_expression('lambda x: x * 2')})
    expected = through_a_file(values.encode(((2, 4), {1: frozenset({'a', 'b'})})))
    report = run_item({'refcode': CODE, 'funcname': 'f', 'input': stored_input,
                       'expected_output': expected, 'max_lines': 300})
    assert report['status'] == 'ok', report.get('error')
    assert "...... d = {2: 'b', 1: 'a'}" in report['trace']
    assert report['output_matches'] is True
    assert 'json' not in report['return_value']  # a tuple is not JSON


def test_an_input_expression_that_raises_is_a_bad_input_not_a_crash():
    report = run_item({'refcode': CODE, 'funcname': 'f', 'input': {'d': {}, 'fn': {values.EXPR: '1/0'}},
                       'expected_output': None, 'max_lines': 300})
    assert report['status'] == 'bad_input' and 'ZeroDivisionError' in report['error']


def test_an_argument_expression_may_name_what_the_problem_module_defines():
    code = 'SEED = [1, 2, 7, 9]\nclass Pair:\n    def __init__(self, a):\n        self.a = a\n' \
           'def f(xs, p):\n    return xs + [p.a]\n'
    report = run_item({'refcode': code, 'funcname': 'f', 'max_lines': 300,
                       'input': {'xs': {values.EXPR: 'SEED[:]'}, 'p': {values.EXPR: 'Pair(3)'}},
                       'expected_output': [1, 2, 7, 9, 3]})
    assert report['status'] == 'ok' and report['output_matches'] is True
    assert report['trace'].startswith(' >>> Call to f\n ...... xs = [1, 2, 7, 9]\n')


def test_an_expected_output_expression_is_evaluated_in_the_problem_module_too():
    code = 'import sys\ndef f(t):\n    return sys.getsizeof(t)\n'
    report = run_item({'refcode': code, 'funcname': 'f', 'max_lines': 300, 'input': {'t': values.encode((1, 2))},
                       'expected_output': {values.EXPR: 'sys.getsizeof((1, 2))'}})
    assert report['status'] == 'ok' and report['output_matches'] is True
