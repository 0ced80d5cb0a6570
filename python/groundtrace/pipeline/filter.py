"""Stage 1, filter: the original pipeline's rules for problems and i/o pairs (SPEC §3.1).

The size rule (``strict_check_size``) comes from how PyEdu's inputs were generated, so it
applies to PyEdu records by default and to other sources only when asked
(``size_limits='pyedu'``); the random-import rule applies to all.
"""

import hashlib
import json
import sys

from . import values


def _import_asizeof():
    """Pympler's ``asizeof`` without its numpy support: the filter sizes decoded JSON values
    only, and importing numpy would double the job's start-up (``import numpy`` inside Pympler
    is optional: with ``sys.modules['numpy'] = None`` it fails at once)."""
    if 'numpy' in sys.modules:
        from pympler import asizeof
        return asizeof
    sys.modules['numpy'] = None
    try:
        from pympler import asizeof
    finally:
        del sys.modules['numpy']
    return asizeof


asizeof = _import_asizeof()

RANDOM_MARKERS = ('import random', 'from random', 'import rand')

MAX_DEEP_BYTES = 1024      # deep size (Pympler asizeof) of any value
MAX_ITEMS = 20             # keys of a dict, items of a list/tuple/set
MAX_STR_CHARS = 100
MAX_SCALAR_BYTES = 128     # any other value
SIZE_LIMITS = ('pyedu', 'none')


def size_limits_for(record, size_limits=None):
    """The size rule for a record: the one asked for, else PyEdu's for PyEdu records only."""
    if size_limits is not None:
        return size_limits
    return 'pyedu' if record.get('format', 'pyedu') == 'pyedu' else 'none'


def input_fits(value):
    """The original's ``strict_check_size``: the value and everything inside it is small."""
    return asizeof.asizeof(value) < MAX_DEEP_BYTES and _parts_fit(value)


def _parts_fit(value):
    # The original checks every part's deep size against MAX_DEEP_BYTES again; a part's deep
    # size counts a subset of the objects its whole counts, so inside a whole under the limit
    # that check always passes, and is left out (each asizeof call costs about 0.1 ms).
    if isinstance(value, dict):
        if len(value) >= MAX_ITEMS:
            return False
        return all(_parts_fit(k) and _parts_fit(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        if len(value) >= MAX_ITEMS:
            return False
        return all(_parts_fit(item) for item in value)
    if isinstance(value, str):
        return len(value) < MAX_STR_CHARS
    return _scalar_size(value) < MAX_SCALAR_BYTES


_SCALAR_SIZES = {}
_FLAT_TYPES = (int, float, bool, complex, type(None))


def _scalar_size(value):
    """asizeof of a value; for a number or None, whose deep size is its flat size, looked up
    by type and ``sys.getsizeof`` (the same pair gives the same size)."""
    if type(value) not in _FLAT_TYPES:
        return asizeof.asizeof(value)
    key = (type(value), sys.getsizeof(value))
    if key not in _SCALAR_SIZES:
        _SCALAR_SIZES[key] = asizeof.asizeof(value)
    return _SCALAR_SIZES[key]


def input_key(stored):
    """An input's identity for de-duplication: its stored form as JSON with sorted keys."""
    try:
        return json.dumps(stored, sort_keys=True)
    except (TypeError, ValueError, RecursionError):
        return values.safe_repr(stored)


def sized_value(stored):
    """The value the size rule measures: the input itself (an expression: its text)."""
    if values.is_tagged(stored):
        if values.EXPR in stored or stored.get('exact') is False:
            return next(iter(stored.values()))
        return values.decode(stored)
    if type(stored) is list:
        return [sized_value(v) for v in stored]
    if type(stored) is dict:
        return {k: sized_value(v) for k, v in stored.items()}
    return stored


def unique_pairs(ios):
    """i/o pairs with a repeated input dropped (first one kept)."""
    seen = set()
    kept = []
    for pair in ios:
        key = input_key(pair['input'])
        if key not in seen:
            seen.add(key)
            kept.append(pair)
    return kept


def shard_of(problem_id, n_shards):
    """A stable shard number for a problem id (same on every machine and Python run)."""
    digest = hashlib.sha256(str(problem_id).encode('utf-8')).digest()
    return int.from_bytes(digest[:8], 'big') % n_shards


def filter_problem(record, size_limits=None):
    """Return ``(problem or None, notes)``; never raises on a record.

    ``notes`` counts what happened: ``random_import`` / ``no_ios`` / ``bad_values`` reject the
    problem; ``duplicate_pairs``, ``input_too_large`` and ``unencodable_input`` count dropped
    pairs of a kept problem, and the adapter's notes (asserts skipped, by reason) are added.
    """
    try:
        return _filter_problem(record, size_limits_for(record, size_limits))
    except Exception:  # a value the rules cannot measure: the problem goes, the job does not
        return None, {'bad_values': 1}


def _filter_problem(record, size_limits):
    code = record['refcode']
    if any(marker in code for marker in RANDOM_MARKERS):
        return None, {'random_import': 1}
    ios = record.get('ios')
    if not ios:
        skipped_asserts = any(k.startswith('assert_') for k in record.get('adapter_notes') or {})
        return None, {'no_usable_asserts' if skipped_asserts else 'no_ios': 1}
    notes = dict(record.get('adapter_notes') or {})
    pairs = unique_pairs(ios)
    if len(pairs) != len(ios):
        notes['duplicate_pairs'] = len(ios) - len(pairs)
    kept = []
    for pair in pairs:
        if not values.is_exact(pair['input']):
            notes['unencodable_input'] = notes.get('unencodable_input', 0) + 1
        elif size_limits == 'none' or input_fits(sized_value(pair['input'])):
            kept.append({'input': pair['input'], 'output': pair['output']})
        else:
            notes['input_too_large'] = notes.get('input_too_large', 0) + 1
    problem = {k: v for k, v in record.items() if k not in ('ios', 'adapter_notes')}
    problem['id'] = record['meta']['msgidx']
    problem['input_output'] = kept
    if not kept:
        notes['no_usable_pairs'] = 1  # kept, as the original does; it yields no trace item
    return problem, notes
