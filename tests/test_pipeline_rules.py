"""Filter, compare, select and build rules of the dataset engine (SPEC §3)."""

import gzip
import json
import os
import subprocess
import sys

from pympler import asizeof

from conftest import REPO, TOY_DATA
from groundtrace.pipeline.build import (
    answer_after_thinking,
    build_dataset,
    question_text,
)
from groundtrace.pipeline.compare import output_matches
from groundtrace.pipeline.filter import (
    MAX_DEEP_BYTES,
    MAX_ITEMS,
    MAX_SCALAR_BYTES,
    MAX_STR_CHARS,
    filter_problem,
    input_fits,
    shard_of,
    sized_value,
)
from groundtrace.pipeline.records import Malformed, read_problems
from groundtrace.pipeline.selection import reject_reason, select_traces
from groundtrace.pipeline.trace_stage import sample_pairs


def problem(code='def main_solution(x):\n    return x\n', ios=None, msgidx=1):
    return {'problem_description': 'd', 'io_requirements': 'r', 'refcode': code,
            'funcname': 'main_solution', 'ios': ios if ios is not None else [{'input': {'x': 1}, 'output': 1}],
            'meta': {'msgidx': msgidx}}


def test_filter_rejects_code_that_imports_random():
    for line in ('import random', 'from random import choice', 'import randint_helper'):
        assert filter_problem(problem(code=line + '\ndef main_solution(x): return x'))[1] == {'random_import': 1}


def test_filter_rejects_a_problem_without_io_pairs():
    assert filter_problem(problem(ios=[]))[1] == {'no_ios': 1}


def test_filter_keeps_the_first_of_pairs_with_equal_inputs():
    kept, notes = filter_problem(problem(ios=[{'input': {'x': 1, 'y': 2}, 'output': 1},
                                              {'input': {'y': 2, 'x': 1}, 'output': 2}]))
    assert kept['input_output'] == [{'input': {'x': 1, 'y': 2}, 'output': 1}]
    assert notes == {'duplicate_pairs': 1}


def test_input_size_limits_follow_the_original():
    assert input_fits({'x': list(range(10))})
    assert not input_fits({'x': [0] * 20})  # 20 items, though small in bytes
    assert not input_fits({'x': list(range(19))})  # 1024 bytes or more deep
    assert not input_fits({'x': 'a' * 100})
    assert input_fits({'x': 'a' * 99})
    assert not input_fits({'k{}'.format(i): 0 for i in range(20)})
    assert not input_fits({'x': [[0] * 20]})  # checked recursively
    assert not input_fits({'x': 10 ** 300})  # an int of 128 bytes or more


def original_strict_check_size(value):
    """The original's rule as it reads: the deep size checked again at every level."""
    if asizeof.asizeof(value) >= MAX_DEEP_BYTES:
        return False
    if isinstance(value, dict):
        return len(value) < MAX_ITEMS and all(original_strict_check_size(k) and original_strict_check_size(v)
                                              for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        return len(value) < MAX_ITEMS and all(original_strict_check_size(item) for item in value)
    if isinstance(value, str):
        return len(value) < MAX_STR_CHARS
    return asizeof.asizeof(value) < MAX_SCALAR_BYTES


def test_input_fits_decides_as_the_original_rule_does():
    """input_fits checks the deep size once, at the top; on every toy input of the first 150
    problems and on values built to sit at each limit it decides as the original's rule does."""
    values_seen = []
    for n, (_, record) in enumerate(read_problems(str(TOY_DATA))):
        if n >= 150:
            break
        values_seen += [sized_value(pair['input']) for pair in record['ios']]
    edge = [{'x': list(range(k))} for k in range(15, 20)] + [{'x': [list(range(9))] * k} for k in range(1, 4)]
    edge += [{'x': 'a' * k, 'y': [['b' * 60] * 3] * 2} for k in (10, 60, 99)] + [[10 ** k] for k in (200, 260, 300)]
    edge += [{'d': {str(i): [i] * 3 for i in range(k)}} for k in (3, 6, 9)] + [(1.5, None, True, {1, 2})]
    decisions = [(input_fits(v), original_strict_check_size(v)) for v in values_seen + edge]
    assert all(new == old for new, old in decisions), [v for v, (a, b) in zip(values_seen + edge, decisions) if a != b]
    assert {new for new, _ in decisions} == {True, False}


def test_the_job_starts_without_numpy_or_the_pools_machinery():
    """numpy is the pool's (sandboxed items may use it; the job's filter sizes JSON values
    only), and so are the child's and the event loop's modules (ctypes): each costs start-up."""
    code = 'import sys, groundtrace.cli; print([m in sys.modules for m in ("numpy", "ctypes", "groundtrace.pipeline.pool.loop")])'
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=str(REPO / 'python')))
    assert out.stdout.strip() == '[False, False, False]'


def test_problem_id_is_meta_msgidx():
    assert filter_problem(problem(msgidx=77))[0]['id'] == 77


def test_shards_split_problem_ids_stably():
    assert [shard_of(i, 4) for i in range(8)] == [shard_of(i, 4) for i in range(8)]
    assert {shard_of(i, 4) for i in range(100)} == {0, 1, 2, 3}


def test_pairs_are_sampled_per_problem_with_the_seed():
    p = {'id': 5, 'input_output': [{'input': {'x': i}, 'output': i} for i in range(30)]}
    first = sample_pairs(p, 10, 123)
    assert len(first) == 10 and first == sample_pairs(p, 10, 123)
    assert first != sample_pairs(p, 10, 124)


def test_floats_match_within_relative_tolerance():
    assert output_matches(1.0004, 1.0)
    assert not output_matches(1.01, 1.0)
    assert output_matches({'a': [1.00001, 2]}, {'a': [1.0, 2]})


def test_sets_match_in_any_order_and_tuples_match_lists():
    assert output_matches({3, 1, 2}, [1, 2, 3])
    assert output_matches((1, 2), [1, 2])
    assert not output_matches(['b', 'a'], ['a', 'b'])


def test_text_outputs_are_parsed_before_comparing():
    assert output_matches([1, 2], '[1, 2]')
    assert output_matches('{"a": 1}', {'a': 1})
    assert not output_matches(True, 1)


def test_malformed_lines_are_reported_with_line_numbers(tmp_path):
    good = json.dumps(problem())
    path = tmp_path / 'in.jsonl'
    path.write_bytes(b'\n'.join([good.encode(), b'{not json', b'\xff\xfe bad utf8',
                                 json.dumps({'refcode': 1}).encode(), b'[1, 2]',
                                 json.dumps(dict(problem(), ios='x')).encode(), good.encode()]) + b'\n')
    seen = [(n, r.reason if isinstance(r, Malformed) else 'ok') for n, r in read_problems(str(path))]
    assert seen == [(1, 'ok'), (2, 'bad_json'), (3, 'bad_utf8'), (4, 'missing_field'), (5, 'wrong_type'),
                    (6, 'wrong_type'), (7, 'ok')]


def test_gzip_input_is_read(tmp_path):
    path = tmp_path / 'in.jsonl.gz'
    with gzip.open(path, 'wt') as f:
        f.write(json.dumps(problem()) + '\n')
    assert [n for n, _ in read_problems(str(path))] == [1]


def test_cruxeval_records_become_one_keyword_pair(tmp_path):
    path = tmp_path / 'crux.jsonl'
    path.write_text(json.dumps({'id': 'sample_3', 'code': 'def f(a, b):\n    return a + b\n',
                                'input': 'f([1], b=[2])', 'output': '[1, 2]'}) + '\n')
    (_, record), = read_problems(str(path))
    assert record['funcname'] == 'f'
    assert record['ios'] == [{'input': {'a': [1], 'b': [2]}, 'output': [1, 2]}]
    assert record['meta']['msgidx'] == 'sample_3'


def trace_record(i, trace, status='ok', desc='d'):
    return {'id': 'p{}_0'.format(i), 'status': status, 'trace': trace, 'funcname': 'main_solution',
            'problem_description': desc, 'output_matches': True}


GOOD = ' >>> Call to main_solution\n   1 | x\n <<< Return value from main_solution: 1\n'


def test_select_drops_errors_exception_lines_unfinished_and_long_traces():
    assert reject_reason(trace_record(0, GOOD), 300) is None
    assert reject_reason(trace_record(0, GOOD, status='timeout'), 300) == 'status_timeout'
    assert reject_reason(trace_record(0, GOOD.replace('   1 | x', ' !!! ValueError')), 300) == 'exception_line'
    assert reject_reason(trace_record(0, GOOD + ' extra\n'), 300) == 'no_final_return'
    assert reject_reason(trace_record(0, GOOD), 3) == 'too_long'


def test_select_keeps_n_traces_per_problem_description(tmp_path):
    traces = tmp_path / 'traces.jsonl'
    traces.write_text(''.join(json.dumps(trace_record(i, GOOD, desc='d{}'.format(i % 2))) + '\n'
                              for i in range(10)))
    stats = select_traces(str(traces), str(tmp_path / 'selected.jsonl'), per_problem=2)
    assert stats['out'] == 4 and stats['reasons'] == {'sampled_out': 6}


def test_build_writes_llamafactory_sharegpt_data(tmp_path):
    base = {'problem_description': 'Q?\n\nMore.', 'io_requirements': 'In', 'refcode': 'code',
            'input': {'x': 1}, 'return_value': 1}
    rows = [dict(base, id='a', nl_trace='<think>t</think>\n\nThe answer is 1.'),
            dict(base, id='b', nl_trace='<think>never closed'),
            dict(base, id='c', nl_trace='</think>' + 'x' * 9000 + '\nFinal answer: 1')]
    (tmp_path / 'translated.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in rows))
    stats = build_dataset(str(tmp_path / 'translated.jsonl'), str(tmp_path), dataset_name='toy')
    assert stats['reasons'] == {'thinking_unclosed': 1, 'over_length': 1}
    (sample,) = [json.loads(line) for line in (tmp_path / 'train.jsonl').open()]
    assert [m['role'] for m in sample['messages']] == ['user', 'assistant']
    assert sample['messages'][1]['content'] == 'The answer is 1.'
    assert 'Q?\nMore.\nIn' in sample['messages'][0]['content']
    info = json.loads((tmp_path / 'dataset_info.json').read_text())
    assert info['toy']['formatting'] == 'sharegpt' and info['toy']['columns'] == {'messages': 'messages'}


def test_question_collapses_double_newlines_once():
    assert question_text({'problem_description': 'a\n\n\nb', 'io_requirements': 'c'}) == 'a\n\nb\nc'


def test_answer_is_the_text_after_thinking():
    assert answer_after_thinking('<think>x</think> y ') == 'y'
    assert answer_after_thinking('no thinking end') is None


def test_the_pool_keeps_a_bounded_number_of_parsed_problem_sources():
    # The pool parses each problem's source for snoop before forking its child; a long job
    # must not keep them all (about 90 KB each). Counted as live parse objects, not through
    # executing's private cache, so a rename there cannot make this pass.
    import gc

    from snoop.formatting import Source

    from groundtrace.pipeline import trace_stage

    sources = ['def main_solution(x):\n    return x + {}\n'.format(n) for n in range(3 * trace_stage._WARM_KEEP)]
    for code in sources:
        trace_stage.prepare_in_parent({'refcode': code})
    gc.collect()
    kept = {s.filename for s in gc.get_objects() if isinstance(s, Source)
            and s.filename.startswith('<groundtrace:problem:') and any(code in s.text for code in sources)}
    assert len(kept) == trace_stage._WARM_KEEP
