"""One child per problem: the items of a group run one after another in one child, each from
the state a fresh child starts from; what cannot be put back ends the child (pool/reuse.py).

Real pools (inside bubblewrap where it works). Every item returns its child's pid, so each
test also shows whether the items shared a child.
"""

import ast

import pytest

from groundtrace.pipeline.sandbox import Limits, WorkerPool

# What an item can see of the state it starts from.
OBSERVE = '''
import builtins, os, re, sys, warnings
from collections.abc import Mapping
import _abc, numpy
u = os.umask(0o22); os.umask(u)
result = {
    'builtin': hasattr(builtins, 'gt_left'), 'len': len is builtins.len,
    'recursion': sys.getrecursionlimit(), 'path': list(sys.path), 'argv': list(sys.argv),
    'env': sorted((k, v.replace(os.getcwd(), '<cwd>')) for k, v in os.environ.items()),  # HOME: the scratch
    'cwd_files': sorted(os.listdir('.')),
    'warning_filters': len(warnings.filters), 'umask': u,
    'modules': sorted(m for m in sys.modules if m in ('string', 'textwrap', 'gt_mod')),
    're_cached': any(k[1] == r'gt-\\d+-left' for k in re._cache),
    'abc_cached': [r() is list for r in _abc._get_dump(Mapping)[2]].count(True),
    'main': sys.modules['__main__'].__name__,
    'numpy_errors': sorted(numpy.geterr().items()), 'numpy_precision': numpy.get_printoptions()['precision'],
}
'''

# Each leaves something behind that the child puts back before the next item.
PUT_BACK = {
    'builtins': 'import builtins; builtins.gt_left = 1; builtins.len = lambda x: 0',
    'recursion limit': 'import sys; sys.setrecursionlimit(123)',
    'sys.path and argv': 'import sys; sys.path.insert(0, "/gt-left"); sys.argv.append("x"); sys.path = ["/"]',
    'environment': 'import os; os.environ["GT_LEFT"] = "1"; del os.environ["HOME"]',
    'files and cwd': 'import os; open("left.txt", "w").write("x"); os.mkdir("d"); open("d/f", "w"); os.chdir("d")',
    'warnings filters': 'import warnings; warnings.simplefilter("ignore"); warnings.filters.append(("x",))',
    'umask': 'import os; os.umask(0o077)',
    'imports': 'import string, textwrap',
    're cache': 'import re; re.compile(r"gt-\\d+-left")',
    'abc cache': 'from collections.abc import Mapping; isinstance([], Mapping)',
    'stdout closed': 'import os, sys; os.close(1); os.close(2)',
    '__main__': 'import sys, types; sys.modules["__main__"] = types.ModuleType("gt_left")',
    # numpy keeps these in context variables, and each item runs in a context of its own.
    'a numpy error setting': 'import numpy; numpy.seterr(all="raise")',
    'a numpy print setting': 'import numpy; numpy.set_printoptions(precision=2)',
}

# Each leaves something the child cannot put back: the next item gets a new child.
ENDS_CHILD = {
    'a thread': 'import threading, time; threading.Thread(target=time.sleep, args=(30,), daemon=True).start()',
    'a C module with state': 'import decimal; decimal.getcontext().prec = 5',
    'another C module with state': 'import csv; csv.field_size_limit(5)',
    'a signal handler': 'import signal; signal.signal(signal.SIGUSR1, lambda *a: None)',
    'an alarm': 'import signal; signal.alarm(30)',
    'a resource limit': 'import resource; resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))',
    'an ABC registration': 'from collections.abc import Sequence\nclass S: pass\nSequence.register(S)',
    'a closed stream object': 'import sys; sys.stdout.close()',
    "a typing cache entry": 'import typing; typing.List[frozenset]',
}


def run_exec(pool, items):
    """``items``: (id, code, group); returns each report by id."""
    return {r['id']: r for r in pool.run([(i, 'exec', {'code': code + '\nimport os as _o\npid = _o.getpid()\n'
                                                          'result = dict(result, pid=pid) if isinstance(result, dict)'
                                                          ' else {"value": result, "pid": pid}'}, group)
                                          for i, code, group in items])}


def value(report):
    assert report['status'] == 'ok', report
    return ast.literal_eval(report['result']['value'])


@pytest.fixture(scope='module')
def pool():
    with WorkerPool(1, Limits(timeout=2, wall_factor=15), log=lambda m: None) as p:
        yield p


@pytest.fixture(scope='module')
def alone(pool):
    """What an item sees in a child of its own (no group)."""
    seen = value(run_exec(pool, [('alone', OBSERVE, None)])['alone'])
    seen.pop('pid')
    return seen


def _without_pid(seen):
    seen = dict(seen)
    return seen.pop('pid'), seen


def test_the_items_of_one_group_share_a_child_and_others_do_not():
    with WorkerPool(1, Limits(), log=lambda m: None) as grouped:
        reports = run_exec(grouped, [('p{}'.format(i), 'result = 1', 'p') for i in range(5)])
    with WorkerPool(1, Limits(), log=lambda m: None) as ungrouped:
        reports_alone = run_exec(ungrouped, [('a{}'.format(i), 'result = 1', None) for i in range(5)])
    assert len({value(r)['pid'] for r in reports.values()}) == 1 and grouped.pool_children == 1
    assert len({value(r)['pid'] for r in reports_alone.values()}) == 5 and ungrouped.pool_children == 5


@pytest.mark.parametrize('what', sorted(PUT_BACK))
def test_what_an_item_changes_is_put_back_for_the_next_item_of_its_problem(pool, alone, what):
    group = 'put-back-' + what
    reports = run_exec(pool, [('first', PUT_BACK[what] + '\nresult = 0', group), ('next', OBSERVE, group)])
    first_pid = value(reports['first'])['pid']
    pid, seen = _without_pid(value(reports['next']))
    assert pid == first_pid  # the same child ran both
    assert seen == alone


@pytest.mark.parametrize('what', sorted(ENDS_CHILD))
def test_what_cannot_be_put_back_ends_the_child(pool, alone, what):
    group = 'ends-' + what
    observe = OBSERVE + '\nimport decimal\nresult["prec"] = decimal.getcontext().prec\n'
    reports = run_exec(pool, [('first', ENDS_CHILD[what] + '\nresult = 0', group), ('next', observe, group)])
    first_pid = value(reports['first'])['pid']
    pid, seen = _without_pid(value(reports['next']))
    assert pid != first_pid
    assert seen.pop('prec') == 28
    assert seen == alone


SEEDED = 'import numpy, random\nnumpy.random.seed(1); random.seed(1)\nresult = (numpy.random.random(), random.random())'
DRAW = 'import numpy, random\nresult = (numpy.random.random(), random.random())'


def test_each_item_gets_freshly_seeded_generators(pool):
    """numpy.random and random are the pool's (their C state survives a forget): an item
    neither continues the previous item's stream nor shares the pool's with other children."""
    import random

    import numpy
    reports = run_exec(pool, [('seeded', SEEDED, 'seeds'), ('next', DRAW, 'seeds'),
                              ('other-1', DRAW, 'seeds-1'), ('other-2', DRAW, 'seeds-2')])
    first, after = value(reports['seeded']), value(reports['next'])
    assert first['pid'] == after['pid']
    numpy.random.seed(1)
    random.seed(1)
    assert first['value'] == (numpy.random.random(), random.random())
    continued = (numpy.random.random(), random.random())
    assert after['value'][0] != continued[0] and after['value'][1] != continued[1]
    assert value(reports['other-1'])['value'] != value(reports['other-2'])['value']


def test_an_item_that_only_seeds_the_generators_does_not_seed_the_next_item(pool):
    """The child seeds the generators again only after an item that moved them; seeding one
    (drawing nothing) moves it too."""
    import random

    import numpy
    only_seed = 'import numpy, random\nnumpy.random.seed(1); random.seed(1)\nresult = 0'
    reports = run_exec(pool, [('seeds', only_seed, 'only-seeds'), ('draws', DRAW, 'only-seeds'),
                              ('untouched', 'result = 0', 'only-seeds'), ('draws-again', DRAW, 'only-seeds')])
    assert len({value(r)['pid'] for r in reports.values()}) == 1
    numpy.random.seed(1)
    random.seed(1)
    seeded = (numpy.random.random(), random.random())
    draws, again = value(reports['draws'])['value'], value(reports['draws-again'])['value']
    assert draws[0] != seeded[0] and draws[1] != seeded[1]
    assert again[0] != draws[0] and again[1] != draws[1]  # drawn from: seeded anew


def test_output_belongs_to_the_item_that_printed_it(pool):
    reports = run_exec(pool, [('a', 'print("from-a" * 3); result = 0', 'out'),
                              ('b', 'import sys; sys.stderr.write("from-b"); result = 0', 'out')])
    assert value(reports['a'])['pid'] == value(reports['b'])['pid']
    assert reports['a']['output_head'] == 'from-a' * 3 + '\n' and reports['b']['output_head'] == 'from-b'


BUSY = 'import time\nt = time.process_time()\nwhile time.process_time() - t < {}: pass\nresult = 0'


def test_the_cpu_limit_is_each_items_own(pool):
    # 2 s per item: three items of 1.2 s each in one child are all within it.
    reports = run_exec(pool, [('b{}'.format(i), BUSY.format(1.2), 'busy') for i in range(3)]
                       + [('loop', 'while True: pass', 'busy'), ('after', 'result = 1', 'busy')])
    assert len({value(reports['b{}'.format(i)])['pid'] for i in range(3)}) == 1
    assert (reports['loop']['status'], reports['loop']['error']) == ('timeout', 'CPU time limit')
    assert value(reports['after'])['pid'] != value(reports['b0'])['pid']  # a new child for the rest


def test_an_item_that_switches_off_its_cpu_timer_is_still_stopped(pool):
    code = ('import resource, signal\nsignal.setitimer(signal.ITIMER_PROF, 0)\n'
            'hard = resource.getrlimit(resource.RLIMIT_CPU)[1]\n'
            'resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))\n'
            'while True: pass')
    reports = run_exec(pool, [('first', 'result = 0', 'timer'), ('sly', code, 'timer'), ('after', 'result = 0', 'timer')])
    assert (reports['sly']['status'], reports['sly']['error']) == ('timeout', 'CPU time limit')
    assert reports['sly']['cpu_ms'] < 2000 * 4 and value(reports['after'])['value'] == 0


# Two defs: the dataset rule traces calls that deep, into typing's.
TYPED = ('import typing\ndef unused():\n    pass\n'
         'def main_solution(n: typing.Dict[frozenset, bytes]):\n{}    return n + 1\n')


def trace_payload(code, n):
    return {'refcode': code, 'funcname': 'main_solution', 'input': {'n': n}, 'expected_output': n + 1,
            'max_lines': 300}


def test_a_cache_entry_the_traced_call_makes_gives_the_next_item_a_fresh_child():
    # typing caches a subscript: in a fresh interpreter the call traces typing's __getitem__,
    # in a child whose previous item made the same subscript it would not.
    in_call = TYPED.format('    t = typing.List[frozenset]\n')
    with WorkerPool(1, Limits(), log=lambda m: None) as one:
        grouped = {r['id']: r for r in one.run([(k, 'trace', trace_payload(in_call, n), 'typed')
                                                 for k, n in (('a', 1), ('b', 2))])}
        (alone,) = one.run([('alone', 'trace', trace_payload(in_call, 2))])
    assert one.pool_children == 3
    assert '_SpecialGenericAlias.__getitem__' in alone['result']['trace']
    assert grouped['b']['result']['trace'] == alone['result']['trace']


def test_annotations_the_item_defines_keep_the_child():
    # Made again by each item as its code runs, before its call: they cannot show.
    with WorkerPool(1, Limits(), log=lambda m: None) as one:
        reports = list(one.run([(k, 'trace', trace_payload(TYPED.format(''), n), 'typed') for k, n in (('a', 1), ('b', 2))]))
    assert [r['status'] for r in reports] == ['ok', 'ok'] and one.pool_children == 1


DECIMAL_PROBLEM = '''import decimal, os
from fractions import Fraction
{extra}
def main_solution(n):
    {inside}
    seen = decimal.getcontext().prec
    decimal.getcontext().prec = n
    return [os.getpid(), seen, str(decimal.Decimal(1) / decimal.Decimal(7)), str(Fraction(n, 3))]
'''


def _trace_items(problem, ns):
    tasks = [('d{}'.format(n), 'trace', {'refcode': problem, 'funcname': 'main_solution', 'input': {'n': n},
                                         'expected_output': None, 'max_lines': 300}, 'decimal')
             for n in ns]
    with WorkerPool(1, Limits(), log=lambda m: None) as one:
        reports = {r['id']: r for r in one.run(tasks)}
    children = one.pool_children  # (counted when the pool ends)
    assert all(r['status'] == 'ok' for r in reports.values()), reports
    return [ast.literal_eval(reports['d{}'.format(n)]['result']['return_value']['repr']) for n in ns], children


def test_a_problem_that_imports_decimal_runs_in_one_child_and_each_item_starts_from_its_defaults():
    returned, children = _trace_items(DECIMAL_PROBLEM.format(extra='', inside='pass'), [5, 6, 7])
    assert children == 1 and len({pid for pid, *_ in returned}) == 1
    assert [r[1:] for r in returned] == [[28, '0.14286', '5/3'], [28, '0.142857', '2'], [28, '0.1428571', '7/3']]


@pytest.mark.parametrize('extra, inside', [('', 'import statistics'),  # decimal loaded in the call: not reused
                                           ('decimal.DefaultContext.prec = 9', 'pass')])  # a template changed
def test_decimal_loaded_during_the_call_or_with_a_changed_template_ends_the_child(extra, inside):
    problem = DECIMAL_PROBLEM.format(extra=extra, inside=inside).replace('import decimal, os\n', 'import os\n')
    if 'DefaultContext' in extra:
        problem = 'import decimal\n' + problem
    else:
        problem = problem.replace('from fractions import Fraction\n', '').replace(
            '    import statistics', '    import decimal\n    from fractions import Fraction')
    returned, children = _trace_items(problem, [5, 6])
    assert children == 2 and len({pid for pid, *_ in returned}) == 2
    assert [r[1] for r in returned] == ([9, 9] if 'DefaultContext' in extra else [28, 28])


def test_an_abc_registration_during_the_call_ends_the_child_one_by_the_module_code_does_not():
    template = ('import os\nfrom collections.abc import Sequence\nclass Seq:\n    pass\n{module}\n'
                'def main_solution(n):\n    {call}\n    return [os.getpid(), isinstance(Seq(), Sequence)]\n')
    in_module, children = _trace_items(template.format(module='Sequence.register(Seq)', call='pass'), [1, 2])
    assert children == 1 and [r[1] for r in in_module] == [True, True]
    in_call, children = _trace_items(template.format(module='', call='Sequence.register(Seq)'), [1, 2])
    assert children == 2 and len({pid for pid, _ in in_call}) == 2 and [r[1] for r in in_call] == [True, True]
