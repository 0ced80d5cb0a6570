"""Problems whose tests are assert lines: MBPP (``text``, ``code``, ``test_list``,
``test_setup_code``, ``task_id``) or ``code`` + ``test`` + ``entry_point`` (HumanEval's
``check(candidate)`` form included). Each ``assert f(ARGS) == EXPECTED`` is one i/o pair; an
assert of another shape is counted by reason and skipped."""

import ast
from collections import Counter

from .common import (
    BadRecord,
    call_arguments,
    functions_of,
    parse_code,
    problem,
    problem_id,
    require_str,
    source_lines,
    source_segment,
)
from .cruxeval import output_value


def assert_texts(record):
    """The source text of each test (one per MBPP ``test_list`` entry, or the ``test`` text)."""
    if 'test_list' in record:
        tests = record['test_list']
        if not isinstance(tests, list) or not all(isinstance(t, str) for t in tests):
            raise BadRecord('wrong_type', 'test_list')
        return tests
    require_str(record, 'test', 'entry_point')
    return [record['test']]


def split_assert(node, text, names):
    """``(called name, call, expected node)`` of ``assert NAME(ARGS) == EXPECTED``, or the
    reason this assert has another shape."""
    test = node.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return 'not_an_equality'
    left = test.left
    if not (isinstance(left, ast.Call) and isinstance(left.func, ast.Name)):
        return 'left_side_not_a_call'
    if left.func.id not in names:
        return 'calls_another_function'
    return left.func.id, left, test.comparators[0]


def to_problem(record, line_no):
    require_str(record, 'code')
    code = record['code']
    setup = record.get('test_setup_code') or ''
    if not isinstance(setup, str):
        raise BadRecord('wrong_type', 'test_setup_code')
    functions = functions_of(parse_code(code))
    entry = record.get('entry_point')
    names = set(functions) | ({'candidate'} if isinstance(entry, str) else set())
    skipped, found = Counter(), []
    for test_text in assert_texts(record):
        try:
            tree = ast.parse(test_text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            skipped['bad_syntax'] += 1
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Assert):
                continue
            shape = split_assert(node, test_text, names)
            if isinstance(shape, str):
                skipped[shape] += 1
            else:
                found.append((test_text,) + shape)
    called = Counter(entry if name == 'candidate' else name for _, name, _, _ in found)
    funcname = entry if isinstance(entry, str) and entry in functions else (
        called.most_common(1)[0][0] if called else None)
    if funcname is None:  # no usable assert: the filter rejects it, counted (no_usable_asserts)
        funcname = entry if isinstance(entry, str) else next(iter(functions), None)
    if funcname is None or funcname not in functions:
        raise BadRecord('no_function', 'no function the asserts call is defined in code')
    ios = []
    for test_text, name, call, expected in found:
        if (entry if name == 'candidate' else name) != funcname:
            skipped['calls_another_function'] += 1
            continue
        try:
            kwargs = call_arguments(call, test_text, functions[funcname])
        except BadRecord as exc:
            skipped[exc.reason] += 1
            continue
        ios.append({'input': kwargs, 'output': output_value(source_segment(source_lines(test_text), expected))})
    description = next((record[f] for f in ('text', 'prompt') if isinstance(record.get(f), str)),
                       'What does the function `{}` return?'.format(funcname))
    return problem(problem_id=problem_id(record, line_no, 'task_id', 'id'), description=description,
                   code=code + ('\n' + setup if setup.strip() else ''), funcname=funcname, ios=ios,
                   source=record.get('source') if isinstance(record.get('source'), str) else 'asserts',
                   fmt='asserts', notes={'assert_' + k: v for k, v in skipped.items()})
