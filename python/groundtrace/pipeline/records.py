"""Reading problems: PyEdu (CodeI/O) records and CRUXEval-style records, line by line.

Every input line becomes either a ``Problem`` or a ``Malformed`` (with its line number and
reason); the engine never stops on bad data.
"""

import ast
import json
from dataclasses import dataclass

from .jsonl import open_input_bytes

PROBLEM_FIELDS = ('problem_description', 'io_requirements', 'refcode', 'funcname',
                  'source', 'category', 'meta')


@dataclass
class Malformed:
    line_no: int
    reason: str
    detail: str


def _pyedu(record):
    """Validate a PyEdu record in place; return an error string or None."""
    for field in ('problem_description', 'io_requirements', 'refcode'):
        if not isinstance(record.get(field), str):
            return 'missing_field' if field not in record else 'wrong_type', field
    record.setdefault('funcname', 'main_solution')
    if not isinstance(record['funcname'], str) or not record['funcname'].isidentifier():
        return 'wrong_type', 'funcname'
    meta = record.get('meta')
    if not isinstance(meta, dict) or 'msgidx' not in meta:
        return ('missing_field' if meta is None or isinstance(meta, dict) else 'wrong_type'), 'meta.msgidx'
    if not isinstance(meta['msgidx'], (int, str)) or isinstance(meta['msgidx'], bool):
        return 'wrong_type', 'meta.msgidx'
    ios = record.get('ios')
    if ios is not None:
        if not isinstance(ios, list):
            return 'wrong_type', 'ios'
        for pair in ios:
            if not isinstance(pair, dict) or 'input' not in pair or 'output' not in pair:
                return 'wrong_type', 'ios[]'
            if not isinstance(pair['input'], dict) or not all(
                    isinstance(k, str) and k.isidentifier() for k in pair['input']):
                return 'wrong_type', 'ios[].input'
    return None


def _param_names(code, funcname):
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == funcname:
            return [a.arg for a in node.args.posonlyargs + node.args.args]
    raise ValueError('no function {!r} in code'.format(funcname))


def cruxeval_to_pyedu(record, line_no):
    """A CRUXEval-style record (``code``, ``input`` as ``f(...)`` text or bare arguments,
    ``output`` as literal text) as a PyEdu problem with one i/o pair of keyword arguments."""
    code = record['code']
    text = record['input'].strip()
    try:
        call = ast.parse(text, mode='eval').body
    except SyntaxError:
        call = None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
        call = ast.parse('f({})'.format(text), mode='eval').body
    funcname = call.func.id
    names = _param_names(code, funcname)
    if len(call.args) > len(names):
        raise ValueError('more arguments than parameters')
    kwargs = {name: ast.literal_eval(arg) for name, arg in zip(names, call.args)}
    kwargs.update({kw.arg: ast.literal_eval(kw.value) for kw in call.keywords})
    output = record['output']
    if isinstance(output, str):
        try:
            output = ast.literal_eval(output)
        except (ValueError, SyntaxError):
            pass
    problem_id = record.get('id', 'line{}'.format(line_no))
    return {
        'problem_description': record.get('problem_description', 'What does the function `{}` return?'.format(funcname)),
        'io_requirements': record.get('io_requirements', ''),
        'refcode': code,
        'funcname': funcname,
        'ios': [{'input': kwargs, 'output': output}],
        'source': record.get('source', 'cruxeval'),
        'category': record.get('category', ''),
        'meta': {'msgidx': problem_id, 'repo_name': '', 'path': ''},
    }


def is_cruxeval(record):
    return 'code' in record and 'refcode' not in record and isinstance(record.get('input'), str)


def read_problems(path):
    """Yield ``(line_no, problem)`` or ``(line_no, Malformed)`` for every non-blank line."""
    with open_input_bytes(path) as f:
        for line_no, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                text = raw.decode('utf-8')
            except UnicodeDecodeError as exc:
                yield line_no, Malformed(line_no, 'bad_utf8', str(exc))
                continue
            try:
                record = json.loads(text)
            except ValueError as exc:
                yield line_no, Malformed(line_no, 'bad_json', str(exc))
                continue
            if not isinstance(record, dict):
                yield line_no, Malformed(line_no, 'wrong_type', 'line is not a JSON object')
                continue
            if is_cruxeval(record):
                try:
                    record = cruxeval_to_pyedu(record, line_no)
                except (ValueError, SyntaxError, TypeError, KeyError) as exc:
                    yield line_no, Malformed(line_no, 'bad_cruxeval', str(exc))
                    continue
            problem = _pyedu(record)
            if problem is not None:
                reason, field = problem
                yield line_no, Malformed(line_no, reason, field)
                continue
            yield line_no, record
