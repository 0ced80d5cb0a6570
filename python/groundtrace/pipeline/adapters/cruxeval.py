"""CRUXEval-style records: ``code``, ``input`` (the call's argument text, or ``f(...)``),
``output`` (a Python literal), the function ``f`` or the one a ``funcname`` field names."""

import ast

from .. import values
from .common import (
    BadRecord,
    call_arguments,
    functions_of,
    parse_code,
    problem,
    problem_id,
    require_str,
)


def parse_call(text, funcname):
    """``f(ARGS)`` or bare ``ARGS`` as an ``ast.Call`` and the text it was parsed from."""
    text = text.strip()
    try:
        node = ast.parse(text, mode='eval').body
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == funcname:
            return node, text
    except (SyntaxError, ValueError):
        pass
    wrapped = '{}(\n{}\n)'.format(funcname, text)
    try:
        return ast.parse(wrapped, mode='eval').body, wrapped
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise BadRecord('bad_input_call', '{}: {}'.format(type(exc).__name__, exc)) from None


def output_value(text):
    try:
        return values.encode(values.literal_value(text))
    except values.NotLiteral:
        return {values.EXPR: text.strip()}  # evaluated in the child, like an input expression


def to_problem(record, line_no):
    require_str(record, 'code', 'input', 'output')
    funcname = record.get('funcname', 'f')
    if not isinstance(funcname, str) or not funcname.isidentifier():
        raise BadRecord('wrong_type', 'funcname')
    function = functions_of(parse_code(record['code'])).get(funcname)
    if function is None:
        raise BadRecord('no_function', 'no function {!r} in code'.format(funcname))
    call, text = parse_call(record['input'], funcname)
    kwargs = call_arguments(call, text, function)
    description = record.get('problem_description')
    if not isinstance(description, str):
        description = 'What does the function `{}` return?'.format(funcname)
    return problem(problem_id=problem_id(record, line_no, 'id'), description=description,
                   code=record['code'], funcname=funcname,
                   ios=[{'input': kwargs, 'output': output_value(record['output'])}],
                   source=record.get('source') if isinstance(record.get('source'), str) else 'cruxeval',
                   fmt='cruxeval')
