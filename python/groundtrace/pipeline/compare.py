"""Does a returned (or predicted) value equal the expected output?

The one place this rule lives: the trace stage and, later, answer verification use it.
Values are compared after parsing (JSON or a Python literal), floats with a relative
tolerance of 1e-3 (as CodeI/O does), ints exactly, sets without regard to order. An expected
value is taken as exact (``pipeline/values``) except where it has the shape JSON would have
given the returned value: a list for a tuple or a set, str keys for other keys (PyEdu's
outputs were written with ``json.dumps``). So ``{1: 'a'}`` equals an expected ``{'1': 'a'}``
but not an expected ``{1: 'a'}`` when returned as ``{'1': 'a'}``; ``(1, 2)`` equals ``[1, 2]``
but ``[1, 2]`` does not equal ``(1, 2)``.
"""

import ast
import json
import math

REL_TOL = 1e-3
ABS_TOL = 1e-9


def parse_value(text):
    """A value from its text: JSON first, then a Python literal; else the text itself."""
    if not isinstance(text, str):
        return text
    stripped = text.strip()
    try:
        return json.loads(stripped)
    except ValueError:
        pass
    try:
        return ast.literal_eval(stripped)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _plain(value):
    """numpy-like scalars and arrays as Python values."""
    tolist = getattr(value, 'tolist', None)
    if callable(tolist) and not isinstance(value, (list, tuple, set, frozenset, dict, str)):
        try:
            return tolist()
        except Exception:
            return value
    return value


def values_equal(actual, expected, _depth=0):
    if _depth > 100:
        return False
    actual, expected = _plain(actual), _plain(expected)
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
    if _is_number(actual) and _is_number(expected):
        if isinstance(actual, int) and isinstance(expected, int):
            return actual == expected
        if isinstance(actual, float) and isinstance(expected, float) and math.isnan(actual) and math.isnan(expected):
            return True
        try:
            return math.isclose(actual, expected, rel_tol=REL_TOL, abs_tol=ABS_TOL)
        except OverflowError:
            return actual == expected
    if isinstance(expected, (set, frozenset)):
        return isinstance(actual, (set, frozenset)) and _same_multiset(list(actual), list(expected), _depth)
    if isinstance(actual, (set, frozenset)):  # JSON wrote a set as a list
        return isinstance(expected, list) and _same_multiset(list(actual), expected, _depth)
    if isinstance(expected, tuple) and not isinstance(actual, tuple):
        return False
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        return len(actual) == len(expected) and all(
            values_equal(a, e, _depth + 1) for a, e in zip(actual, expected))
    if isinstance(actual, dict) and isinstance(expected, dict):
        if len(actual) != len(expected):
            return False
        if all(isinstance(k, str) for k in expected):  # JSON turned every key into a string
            exp = {_key(k): v for k, v in expected.items()}
            key = _key
        else:
            exp, key = expected, _same
        for k, v in actual.items():
            try:
                found = key(k) in exp
            except TypeError:
                return False
            if not found or not values_equal(v, exp[key(k)], _depth + 1):
                return False
        return True
    if isinstance(actual, str) and isinstance(expected, str):
        return actual == expected
    if isinstance(actual, str) or isinstance(expected, str):
        # One side is text (e.g. a JSON-encoded output): compare parsed forms.
        a = parse_value(actual) if isinstance(actual, str) else actual
        e = parse_value(expected) if isinstance(expected, str) else expected
        if isinstance(a, str) or isinstance(e, str):
            return False
        return values_equal(a, e, _depth + 1)
    try:
        return bool(actual == expected)
    except Exception:
        return False


def _key(k):
    return k if isinstance(k, str) else json.dumps(k) if isinstance(k, (int, float, bool)) or k is None else repr(k)


def _same(k):
    return k


def _same_multiset(a, b, depth):
    if len(a) != len(b):
        return False
    rest = list(b)
    for item in a:
        for i, candidate in enumerate(rest):
            if values_equal(item, candidate, depth + 1):
                del rest[i]
                break
        else:
            return False
    return True


def output_matches(actual, expected):
    """True when ``actual`` (a live value, or text to parse) equals ``expected``."""
    try:
        return values_equal(actual, expected)
    except Exception:
        return False
