"""What the adapters share: a problem's shape, its entry function's parameters, and the
splitting of call text into keyword arguments (parsed here, never run)."""

import ast
import re

from .. import values


class BadRecord(ValueError):
    """A record an adapter cannot use; ``reason`` is its counted name."""

    def __init__(self, reason, detail):
        super().__init__(detail)
        self.reason = reason


def require_str(record, *fields):
    for field in fields:
        if field not in record:
            raise BadRecord('missing_field', field)
        if not isinstance(record[field], str):
            raise BadRecord('wrong_type', field)


def parse_code(code):
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise BadRecord('bad_code', '{}: {}'.format(type(exc).__name__, exc)) from None


def functions_of(tree):
    """Top-level and nested function definitions by name (the first of each name)."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.setdefault(node.name, node)
    return found


def call_arguments(call, text, function):
    """The keyword arguments (stored forms) of ``call`` (an ``ast.Call`` parsed from ``text``)
    to ``function`` (its ``ast.FunctionDef``): positional arguments take the parameter names,
    literals become values, anything else stays text for the sandboxed child to evaluate."""
    params = function.args.posonlyargs + function.args.args
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        raise BadRecord('starred_arguments', 'a *args or **kwargs argument')
    if len(call.args) > len(params):
        raise BadRecord('too_many_arguments', '{} arguments for {} parameters'.format(len(call.args), len(params)))
    lines = source_lines(text)
    kwargs = {}
    for param, node in zip(params, call.args):
        kwargs[param.arg] = values.literal_or_expression(source_segment(lines, node))
    for keyword in call.keywords:
        if keyword.arg in kwargs:
            raise BadRecord('bad_call', 'argument {!r} given twice'.format(keyword.arg))
        kwargs[keyword.arg] = values.literal_or_expression(source_segment(lines, keyword.value))
    return kwargs


_LINE_END = re.compile(r'\r\n|\r|\n')


def source_lines(text):
    """``text``'s lines as ``ast`` counts them (``ast.get_source_segment`` splits them again,
    char by char in Python, on every call: minutes for a 10 MB argument)."""
    lines, start = [], 0
    for match in _LINE_END.finditer(text):
        lines.append(text[start:match.end()])
        start = match.end()
    lines.append(text[start:])
    return lines


def source_segment(lines, node):
    """The source text of ``node`` (its offsets are in UTF-8 bytes, as in ``ast``)."""
    first, last = node.lineno - 1, node.end_lineno - 1
    if first == last:
        return lines[first].encode()[node.col_offset:node.end_col_offset].decode()
    head = lines[first].encode()[node.col_offset:].decode()
    tail = lines[last].encode()[:node.end_col_offset].decode()
    return ''.join([head] + lines[first + 1:last] + [tail])


def problem(*, problem_id, description, code, funcname, ios, source, fmt, notes=None):
    return {
        'problem_description': description,
        'io_requirements': '',
        'refcode': code,
        'funcname': funcname,
        'ios': ios,
        'source': source,
        'category': '',
        'meta': {'msgidx': problem_id, 'repo_name': '', 'path': ''},
        'format': fmt,
        'adapter_notes': notes or {},
    }


def problem_id(record, line_no, *fields):
    for field in fields:
        value = record.get(field)
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            return value
    return 'line{}'.format(line_no)
