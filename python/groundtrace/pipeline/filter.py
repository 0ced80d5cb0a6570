"""Stage 1, filter: the original pipeline's rules for problems and i/o pairs (SPEC §3.1)."""

import hashlib
import json

from pympler import asizeof

RANDOM_MARKERS = ('import random', 'from random', 'import rand')

MAX_DEEP_BYTES = 1024      # deep size (Pympler asizeof) of any value
MAX_ITEMS = 20             # keys of a dict, items of a list/tuple/set
MAX_STR_CHARS = 100
MAX_SCALAR_BYTES = 128     # any other value


def input_fits(value):
    """The original's ``strict_check_size``: the value and everything inside it is small."""
    if asizeof.asizeof(value) >= MAX_DEEP_BYTES:
        return False
    if isinstance(value, dict):
        if len(value) >= MAX_ITEMS:
            return False
        return all(input_fits(k) and input_fits(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        if len(value) >= MAX_ITEMS:
            return False
        return all(input_fits(item) for item in value)
    if isinstance(value, str):
        return len(value) < MAX_STR_CHARS
    return asizeof.asizeof(value) < MAX_SCALAR_BYTES


def input_key(value):
    try:
        return json.dumps(value, sort_keys=True)
    except TypeError:
        return str(value)


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


def filter_problem(record):
    """Return ``(problem or None, notes)``.

    ``notes`` counts what happened: ``random_import`` / ``no_ios`` reject the problem;
    ``duplicate_pairs`` and ``input_too_large`` count dropped pairs of a kept problem.
    """
    code = record['refcode']
    if any(marker in code for marker in RANDOM_MARKERS):
        return None, {'random_import': 1}
    ios = record.get('ios')
    if not ios:
        return None, {'no_ios': 1}
    notes = {}
    pairs = unique_pairs(ios)
    if len(pairs) != len(ios):
        notes['duplicate_pairs'] = len(ios) - len(pairs)
    kept = []
    for pair in pairs:
        if input_fits(pair['input']):
            kept.append({'input': pair['input'], 'output': pair['output']})
        else:
            notes['input_too_large'] = notes.get('input_too_large', 0) + 1
    problem = {k: v for k, v in record.items() if k != 'ios'}
    problem['id'] = record['meta']['msgidx']
    problem['input_output'] = kept
    if not kept:
        notes['no_usable_pairs'] = 1  # kept, as the original does; it yields no trace item
    return problem, notes
