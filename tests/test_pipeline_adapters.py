"""Dataset adapters and input files: CRUXEval-style, assert-style (MBPP) and PyEdu records from
JSONL, Parquet and a Hugging Face ``save_to_disk`` folder, through the real pipeline."""

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from groundtrace.pipeline import values
from groundtrace.pipeline.filter import filter_problem
from groundtrace.pipeline.records import Malformed, read_problems

REPO = Path(__file__).resolve().parent.parent
CRUX_VALUES = REPO / 'data' / 'cruxeval_values.jsonl'
MBPP_SAMPLE = REPO / 'data' / 'mbpp_sample.jsonl'
ENV = dict(os.environ, PYTHONPATH=str(REPO / 'python'))


def problems(path, **kw):
    return [(n, r) for n, r in read_problems(str(path), **kw)]


def test_every_cruxeval_value_record_reads_with_its_format_counted():
    formats = Counter()
    read = problems(CRUX_VALUES, formats=formats)
    assert [r for _, r in read if isinstance(r, Malformed)] == []
    assert formats == {'cruxeval': len(read)} and len(read) == 18


def test_cruxeval_arguments_are_values_or_expression_text():
    by_id = {r['meta']['msgidx']: r for _, r in problems(CRUX_VALUES)}
    (pair,) = by_id['values_int_keys']['ios']
    assert values.decode(pair['input']) == {'d': {2: 'b', 1: 'a'}}
    assert type(next(iter(values.decode(pair['input'])['d']))) is int
    (pair,) = by_id['values_call_inputs']['ios']
    assert pair['input'] == {'d': {values.EXPR: 'dict(a=1, b=2)'}, 'r': {values.EXPR: 'range(3)'},
                             'xs': {values.EXPR: '[1, 2] * 3'}}
    (pair,) = by_id['values_keyword_input']['ios']
    assert pair['input'] == {'text': 'a;b', 'sep': ';'}


def test_each_equality_assert_is_one_pair_and_other_asserts_are_counted_by_reason():
    by_id = {r['meta']['msgidx']: r for _, r in problems(MBPP_SAMPLE)}
    assert by_id[1]['funcname'] == 'swap_halves'
    assert [values.decode(p['output']) for p in by_id[1]['ios']] == [(3, 4, 1, 2), ('b', 'a'), ()]
    assert by_id[1]['problem_description'] == 'Write a function to swap the two halves of a tuple.'
    problem, notes = filter_problem(by_id[3])
    assert len(problem['input_output']) == 2 and notes == {'assert_calls_another_function': 1}
    assert filter_problem(by_id[4])[1] == {'assert_not_an_equality': 1}


def test_a_humaneval_style_check_function_is_read_through_its_entry_point(tmp_path):
    path = tmp_path / 'he.jsonl'
    path.write_text(json.dumps({
        'task_id': 'HumanEval/0', 'prompt': 'Add two numbers.', 'entry_point': 'add',
        'code': 'def add(a, b):\n    return a + b\n',
        'test': 'def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(a=0, b=0) == 0\n'
                '    assert abs(candidate(1.5, 1) - 2.5) < 1e-6\n'}) + '\n')
    ((_, problem),) = problems(path)
    assert problem['funcname'] == 'add' and problem['adapter_notes'] == {'assert_not_an_equality': 1}
    assert [p['input'] for p in problem['ios']] == [{'a': 1, 'b': 2}, {'a': 0, 'b': 0}]


def test_the_size_rule_applies_to_pyedu_records_only_unless_asked(tmp_path):
    code = 'def f(s):\n    return len(s)\n'
    path = tmp_path / 'long.jsonl'
    path.write_text(json.dumps({'id': 'long', 'code': code, 'input': repr('x' * 500), 'output': '500'}) + '\n')
    ((_, record),) = problems(path)
    assert len(filter_problem(dict(record))[0]['input_output']) == 1
    assert filter_problem(dict(record), size_limits='pyedu')[1] == {'input_too_large': 1, 'no_usable_pairs': 1}


def test_a_named_format_refuses_records_of_another_shape_one_by_one(tmp_path):
    path = tmp_path / 'mixed.jsonl'
    lines = [MBPP_SAMPLE.read_text().splitlines()[0], CRUX_VALUES.read_text().splitlines()[0], '{"a": 1}']
    path.write_text('\n'.join(lines) + '\n')
    assert [getattr(r, 'reason', 'ok') for _, r in problems(path, input_format='cruxeval')] == \
        ['missing_field', 'ok', 'missing_field']
    assert [getattr(r, 'reason', 'ok') for _, r in problems(path)] == ['ok', 'ok', 'unknown_format']


def stored_problems(path):
    return [(n, json.dumps(r, sort_keys=True)) for n, r in read_problems(str(path))]


def python_with_datasets():
    """A Python that has Hugging Face ``datasets`` (not the engine's: it pulls pandas, which
    snoop would import and so change traces); LLaMA-Factory's environment has it."""
    for python in (REPO / '.venv-lf' / 'bin' / 'python', Path(sys.executable)):
        if python.exists() and subprocess.run([str(python), '-c', 'import datasets'],
                                              capture_output=True).returncode == 0:
            return str(python)
    pytest.skip('no Python with the datasets library (scripts/setup.sh makes .venv-lf)')


WRITE_WITH_DATASETS = """
import json, sys
import datasets
rows = [json.loads(line) for line in open(sys.argv[1])]
ds = datasets.Dataset.from_list(rows)
ds.to_parquet(sys.argv[2])
ds.save_to_disk(sys.argv[3])
"""


def test_parquet_and_a_datasets_folder_give_the_same_problems_as_jsonl(tmp_path):
    parquet, folder = tmp_path / 'crux.parquet', tmp_path / 'crux_hf'
    subprocess.run([python_with_datasets(), '-c', WRITE_WITH_DATASETS, str(CRUX_VALUES), str(parquet), str(folder)],
                   check=True, capture_output=True, timeout=300)
    expected = stored_problems(CRUX_VALUES)
    assert stored_problems(parquet) == expected
    assert stored_problems(folder) == expected


def test_every_value_class_is_traced_and_compared_exactly_by_the_real_pipeline(tmp_path):
    out = tmp_path / 'values'
    proc = subprocess.run([sys.executable, '-m', 'groundtrace.cli', 'run', '--input', str(CRUX_VALUES),
                           '--output', str(out), '--quiet', '--workers', '2', '--stages', 'filter,trace'],
                          env=ENV, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    records = {r['problem_id']: r for r in map(json.loads, open(out / 'traces.jsonl'))}
    assert len(records) == 18
    assert {k: (r['status'], r['output_matches']) for k, r in records.items()} == {
        k: ('ok', True) for k in records}
    assert "...... d = {2: 'b', 1: 'a'}" in records['values_int_keys']['trace']
    assert records['values_bytes']['expected_output_repr'] == "b'AB\\xff\\x00'"
    assert records['values_call_inputs']['input_repr'] == 'd=dict(a=1, b=2), r=range(3), xs=[1, 2] * 3'


def test_the_panel_preview_says_which_format_it_detected():
    from groundtrace.jobs_comm import preview_input
    assert preview_input(str(CRUX_VALUES))['input_format'] == 'cruxeval'
    assert preview_input(str(MBPP_SAMPLE))['input_format'] == 'asserts'


def test_an_input_that_cannot_be_read_as_a_whole_is_one_clear_error(tmp_path):
    (tmp_path / 'bad.parquet').write_bytes(b'PAR1 not really')
    (tmp_path / 'folder').mkdir()
    for path, message in ((tmp_path / 'bad.parquet', 'as Parquet'), (tmp_path / 'folder', 'save_to_disk'),
                          (tmp_path / 'missing.jsonl', 'No such file')):
        proc = subprocess.run([sys.executable, '-m', 'groundtrace.cli', 'run', '--input', str(path), '--output',
                               str(tmp_path / ('out_' + path.name)), '--quiet', '--stages', 'filter'],
                              env=ENV, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2 and message in proc.stderr and 'Traceback' not in proc.stderr, proc.stderr
