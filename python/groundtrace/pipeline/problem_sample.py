"""``--sample N``: a seeded random sample of N problems (input lines) of the input.

Lines are ranked by a seeded hash of their line number, so the sample is the same in every
shard and every rerun, and memory holds N line numbers, not the input.
"""

import hashlib
import heapq


def _rank(seed, line_no):
    return hashlib.sha256('{}:{}'.format(seed, line_no).encode()).digest()[:8]


def sampled_line_numbers(line_numbers, n, seed):
    """The ``n`` of ``line_numbers`` with the smallest seeded rank."""
    return set(heapq.nsmallest(n, line_numbers, key=lambda line_no: _rank(seed, line_no)))
