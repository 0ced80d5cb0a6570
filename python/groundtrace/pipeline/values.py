"""Python values kept exactly through JSON files: the one encoding of inputs and outputs.

JSON holds what it holds exactly (None, bool, str, finite floats, ints within ±2**53, lists,
dicts with str keys). Anything else is stored as ``{"__py__": "<Python literal text>"}`` (its
``repr``), read back by ``literal_value``: ``ast.literal_eval``'s grammar plus ``nan``,
``inf``, ``set()``, ``frozenset(...)`` and ``bytearray(...)``, still parsing only, never running
code. A value whose repr does not read back as the same value (an object of a class) is
stored as ``{"__py__": repr, "exact": false}``. Argument text that is an expression, not a
literal (``lambda x: x * 2``, ``range(5)``), is kept as ``{"__expr__": text}`` and evaluated
only inside the sandboxed child (``decode(..., evaluate=True)``), right before the call.
"""

import ast
import builtins
import math

TAG = '__py__'
EXPR = '__expr__'
JSON_INT_LIMIT = 2 ** 53  # beyond it JSON readers other than Python round off


class NotLiteral(ValueError):
    pass


class ReprOnly(ValueError):
    """Only the repr of this value was stored (it is not a literal)."""


# ------------------------------------------------------------------ literal text → value

_NAMES = {'nan': math.nan, 'inf': math.inf, 'True': True, 'False': False, 'None': None}
_CALLS = {'set': set, 'frozenset': frozenset, 'bytearray': bytearray, 'float': float}


def literal_value(text):
    """The value of Python literal text (see the module docstring); ``NotLiteral`` otherwise."""
    try:
        tree = ast.parse(text.strip(), mode='eval')
        return _literal(tree.body)
    except NotLiteral:
        raise
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError, OverflowError) as exc:
        raise NotLiteral('{}: {}'.format(type(exc).__name__, exc)) from None


def _literal(node):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple):
        return tuple(_literal(e) for e in node.elts)
    if isinstance(node, ast.List):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.Set):
        return {_literal(e) for e in node.elts}
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _literal(node.operand)
        if _is_number(operand):
            return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        left, right = _literal(node.left), _literal(node.right)
        if _is_number(left) and isinstance(right, complex) and not isinstance(left, complex):
            return left + right if isinstance(node.op, ast.Add) else left - right
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _CALLS
            and not node.keywords and len(node.args) <= 1):
        args = [_literal(a) for a in node.args]
        if node.func.id == 'float' and not (args and isinstance(args[0], str)
                                            and args[0].strip().lower().lstrip('+-') in ('nan', 'inf', 'infinity')):
            raise NotLiteral('float() of {!r}'.format(args))
        return _CALLS[node.func.id](*args)
    raise NotLiteral('not a literal: {}'.format(type(node).__name__))


def _is_number(v):
    return isinstance(v, (int, float, complex)) and not isinstance(v, bool)


# ------------------------------------------------------------------ identity

def same_value(a, b, _depth=0):
    """True when ``a`` and ``b`` are the same Python value: same types all the way down,
    nan equal to nan, -0.0 not equal to 0.0, dict keys in the same order."""
    if _depth > 200 or type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, complex):
        return same_value(a.real, b.real) and same_value(a.imag, b.imag)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y, _depth + 1) for x, y in zip(a, b))
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            same_value(ka, kb, _depth + 1) and same_value(va, vb, _depth + 1)
            for (ka, va), (kb, vb) in zip(a.items(), b.items()))
    if isinstance(a, (set, frozenset)):
        return len(a) == len(b) and all(any(same_value(x, y, _depth + 1) for y in b) for x in a)
    try:
        return bool(a == b)
    except Exception:
        return False


# ------------------------------------------------------------------ value → stored form

def safe_repr(value):
    try:
        return repr(value)
    except BaseException as exc:  # RecursionError, or a __repr__ that raises anything
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return '<repr failed: {}>'.format(type(exc).__name__)


def encode(value):
    """The stored (JSON-able) form of a value; never raises."""
    try:
        return _encode(value, 0)
    except RecursionError:
        return _tagged(value)


def _encode(value, depth):
    if value is None or type(value) in (bool, str):
        return value
    if type(value) is int:
        return value if -JSON_INT_LIMIT <= value <= JSON_INT_LIMIT else _tagged(value)
    if type(value) is float:
        return value if math.isfinite(value) else _tagged(value)
    if type(value) is list:
        return [_encode(v, depth + 1) for v in value]
    if type(value) is dict and all(type(k) is str for k in value) and TAG not in value and EXPR not in value:
        return {k: _encode(v, depth + 1) for k, v in value.items()}
    return _tagged(value)


def _tagged(value):
    text = safe_repr(value)
    try:
        exact = same_value(literal_value(text), value)
    except NotLiteral:
        exact = False
    return {TAG: text} if exact else {TAG: text, 'exact': False}


def is_tagged(data):
    return type(data) is dict and (TAG in data or EXPR in data) and all(
        k in (TAG, EXPR, 'exact') for k in data)


def is_exact(data):
    """False when the stored form (anywhere inside) is only a repr."""
    if is_tagged(data):
        return data.get('exact', True) is not False
    if type(data) is list:
        return all(is_exact(v) for v in data)
    if type(data) is dict:
        return all(is_exact(v) for v in data.values())
    return True


# ------------------------------------------------------------------ stored form → value

def decode(data, evaluate=False, namespace=None):
    """The value of a stored form. Expressions (``{"__expr__": text}``) are evaluated only
    with ``evaluate=True``, which the sandboxed child alone passes (otherwise ``ValueError``),
    in a copy of ``namespace`` (the problem's module, whose names an argument may use) or
    with the builtins alone."""
    if type(data) is list:
        return [decode(v, evaluate, namespace) for v in data]
    if type(data) is dict:
        if is_tagged(data):
            if EXPR in data:
                if not evaluate:
                    raise ValueError('an expression is evaluated only in the sandboxed child')
                scope = dict(namespace) if namespace is not None else {'__builtins__': builtins}
                return eval(compile(data[EXPR], '<input>', 'eval'), scope)
            if data.get('exact', True) is False:
                raise ReprOnly('only the repr of this value was stored: {}'.format(data[TAG][:200]))
            return literal_value(data[TAG])
        return {k: decode(v, evaluate, namespace) for k, v in data.items()}
    return data


def literal_or_expression(text):
    """The stored form of one argument's source text: its value if it is a literal, else the
    text as an expression for the child to evaluate."""
    try:
        return encode(literal_value(text))
    except NotLiteral:
        return {EXPR: text.strip()}


# ------------------------------------------------------------------ stored form → text for people

def display(data):
    """Python text of a stored form, without evaluating anything (what viewers show)."""
    if is_tagged(data):
        return data[EXPR] if EXPR in data else data[TAG]
    if type(data) is list:
        return '[' + ', '.join(display(v) for v in data) + ']'
    if type(data) is dict:
        return '{' + ', '.join('{!r}: {}'.format(k, display(v)) for k, v in data.items()) + '}'
    return safe_repr(data)


def display_arguments(kwargs):
    """``name=value, ...`` for a stored dict of keyword arguments."""
    if type(kwargs) is not dict:
        return display(kwargs)
    return ', '.join('{}={}'.format(k, display(v)) for k, v in kwargs.items())


def value_record(value):
    """A returned value for a trace record: its repr, and JSON when JSON holds it exactly."""
    record = {'repr': safe_repr(value)}
    plain = value
    for kind in (bool, int, float, str):  # numpy scalars and other subclasses: their plain value
        if isinstance(value, kind) and type(value) is not kind:
            plain = kind(value)
            break
    try:
        stored = encode(plain)
        if not _has_tag(stored):
            record['json'] = stored
    except Exception:
        pass
    return record


def _has_tag(data):
    if type(data) is dict:
        return is_tagged(data) or any(_has_tag(v) for v in data.values())
    if type(data) is list:
        return any(_has_tag(v) for v in data)
    return False
