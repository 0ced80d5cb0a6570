"""The engine's snoop text equals the original pipeline's on toy items (addresses and the
wrapper file's line offset normalised), and the same input always gives the same trace."""

import pytest

from groundtrace.pipeline.baseline import normalise, run_baseline, script_for
from groundtrace.pipeline.fidelity import compare_item
from groundtrace.pipeline.filter import filter_problem
from groundtrace.pipeline.records import read_problems
from groundtrace.pipeline.sandbox import Limits, WorkerPool
from groundtrace.pipeline.trace_stage import items_of


@pytest.fixture(scope='module')
def traced(toy_data_path):
    """Two pairs each of every 80th toy problem, traced by the engine."""
    chosen = []
    for n, (_, record) in enumerate(read_problems(str(toy_data_path))):
        # Every 80th problem; ones that draw random numbers (e.g. numpy.random) cannot match.
        if n % 80 or not isinstance(record, dict) or 'random' in record['refcode']:
            continue
        problem, _ = filter_problem(record)
        if problem:
            chosen += [(problem, item) for item in items_of(problem, 2, 123)]
    tasks = [(item['id'], 'trace', {'refcode': p['refcode'], 'funcname': p['funcname'], 'input': item['input'],
                                    'expected_output': item['expected_output'], 'max_lines': 300})
             for p, item in chosen]
    with WorkerPool(2, Limits(), log=lambda m: None) as pool:
        reports = {r['id']: r for r in pool.run(tasks)}
        again = {r['id']: r for r in pool.run(tasks)}
    return chosen, reports, again


def test_successful_traces_equal_the_originals(traced):
    chosen, reports, _ = traced
    compared = 0
    for problem, item in chosen:
        report = reports[item['id']]
        if report['status'] != 'ok':
            continue
        status, text, line_map = run_baseline(problem['refcode'], problem['funcname'], item['input'])
        assert status == 'ok', item['id']
        assert normalise(report['result']['trace']) == normalise(text, line_map, problem['refcode']), item['id']
        compared += 1
    assert compared >= 10


def test_the_same_input_gives_the_same_trace(traced):
    _, reports, again = traced
    for item_id, report in reports.items():
        assert report['status'] == again[item_id]['status']
        assert normalise(report.get('result', {}).get('trace', '')) == \
            normalise(again[item_id].get('result', {}).get('trace', ''))


def _trace_in_pool_and_compare(code, kwargs):
    with WorkerPool(1, Limits(), log=lambda m: None) as pool:
        report, = pool.run([('x', 'trace', {'refcode': code, 'funcname': 'main_solution', 'input': kwargs,
                                            'expected_output': None, 'max_lines': 5000})])
    assert report['status'] == 'ok', report
    trace = report['result']['trace']
    verdict, detail = compare_item({'refcode': code, 'funcname': 'main_solution', 'input': kwargs, 'trace': trace})
    return trace, verdict, detail


def _functions(n):
    """n - 1 unused functions: with main_solution, snoop traces n calls deep (the original's
    depth rule), into the standard library's Python code."""
    return ''.join('def f{}(x):\n    return x\n\n'.format(k) for k in range(n - 1))


def test_an_import_the_pool_has_done_runs_again_in_the_item_as_in_the_original():
    # The pool itself imports `queue`; the original's fresh interpreter has not, so there
    # the import runs (and is traced). The item must see the same.
    code = _functions(3) + 'def main_solution(n):\n    import queue\n    return queue.Queue(n).maxsize\n'
    trace, verdict, detail = _trace_in_pool_and_compare(code, {'n': 2})
    assert '>>> Call to _find_and_load' in trace
    assert verdict.startswith('equal'), detail


def test_abstract_class_checks_start_from_the_originals_caches():
    # The pool's warm-up asks isinstance(list, Mapping) (in Counter); in the original's fresh
    # interpreter the answer is not cached yet, so the check runs (and is traced).
    code = _functions(5) + ('def main_solution(n):\n    from collections.abc import Mapping\n'
                   '    return isinstance(list(range(n)), Mapping)\n')
    trace, verdict, detail = _trace_in_pool_and_compare(code, {'n': 3})
    # ... and asks each subclass of Mapping in turn: only the original's may be there.
    assert "cls = <class 'collections.abc.MutableMapping'>" in trace
    assert verdict.startswith('equal'), detail


@pytest.mark.parametrize('abc_class, value', [('collections.abc.Sequence', 'tuple(range(n))'),
                                              ('collections.abc.MutableMapping', 'list(range(n))'),
                                              ('numbers.Number', 'str(n)')])
def test_abstract_class_checks_visit_only_the_originals_classes(abc_class, value):
    # What the pool loads beyond the original's script (numpy.random, asttokens) must add no
    # subclass or registration that such a check visits, and is traced visiting.
    module, _, name = abc_class.rpartition('.')
    code = _functions(5) + ('def main_solution(n):\n    from {} import {}\n'
                            '    return isinstance({}, {})\n').format(module, name, value, name)
    trace, verdict, detail = _trace_in_pool_and_compare(code, {'n': 3})
    assert '>>> Call to __subclasscheck__' in trace
    assert verdict.startswith('equal'), detail


def test_regular_expressions_start_from_the_originals_cache():
    # re.compile's Python code runs only on a miss of re's own cache, which the pool shares.
    code = _functions(3) + "def main_solution(s):\n    import re\n    return re.findall(r'\\bdef\\s+\\w+\\s*\\(.*?\\)', s)\n"
    trace, verdict, detail = _trace_in_pool_and_compare(code, {'s': 'def f(x): pass'})
    assert '>>> Call to _compile' in trace
    assert verdict.startswith('equal'), detail


def test_line_numbers_of_the_wrapper_map_to_the_problem_source():
    code = 'import math\n\ndef helper(x):\n    return x\n\ndef main_solution(n):\n    return helper(n)\n'
    script, line_map = script_for(code, 'main_solution', {'n': 1})
    lines = script.split('\n')
    for wrapper_line, source_line in line_map.items():
        assert lines[wrapper_line - 1] == code.split('\n')[source_line - 1]


def _assert_items_trace_as_the_original_in_one_child(code, ns, expected_call):
    """Items ``main_solution(n)`` for each of ``ns``, one problem: one child, each trace the original's."""
    tasks = [('i{}'.format(n), 'trace', {'refcode': code, 'funcname': 'main_solution', 'input': {'n': n},
                                         'expected_output': None, 'max_lines': 5000}, 'one-problem') for n in ns]
    with WorkerPool(1, Limits(), log=lambda m: None) as pool:
        reports = {r['id']: r for r in pool.run(tasks)}
    assert pool.pool_children == 1
    for task_id, _, payload, _ in tasks:
        report = reports[task_id]
        assert report['status'] == 'ok', report
        trace = report['result']['trace']
        assert expected_call in trace
        verdict, detail = compare_item({'refcode': code, 'funcname': 'main_solution', 'input': payload['input'],
                                        'trace': trace})
        assert verdict.startswith('equal'), (task_id, detail)


def test_the_items_of_a_problem_that_loads_decimal_trace_as_in_the_original_in_one_child():
    # decimal is a C module with state that the child keeps for the problem's next item
    # (pool/reuse.py, PUT_BACK_EXTENSIONS); each item's trace must still be the original's,
    # including the ABC walks of Number, which decimal's import registers Decimal with.
    code = _functions(5) + ('import numbers\nfrom fractions import Fraction\nimport decimal\n\n'
                            'def main_solution(n):\n    x = Fraction(n, 3) + 1\n'
                            '    d = decimal.Decimal(n) / 7\n'
                            '    return [isinstance(x, numbers.Number), isinstance(d, numbers.Number), str(x), str(d)]\n')
    _assert_items_trace_as_the_original_in_one_child(code, (1, 2, 4), '>>> Call to __subclasscheck__')


def test_an_abc_registration_by_the_module_code_keeps_the_child_and_each_trace_is_the_originals():
    # The module code registers its own class with Sequence, as every item's run of it does;
    # only a registration during the traced call ends the child (pool/reuse.py).
    code = _functions(5) + ('from collections.abc import Sequence\n\nclass Seq:\n    pass\n\n'
                            'Sequence.register(Seq)\n\n'
                            'def main_solution(n):\n    return [isinstance(Seq(), Sequence), isinstance([n] * n, Sequence)]\n')
    _assert_items_trace_as_the_original_in_one_child(code, (1, 2, 3), '>>> Call to __instancecheck__')
