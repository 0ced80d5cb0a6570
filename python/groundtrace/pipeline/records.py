"""Reading problems from any supported input, record by record.

Every input row becomes either a problem (PyEdu-shaped, values in stored form, see
``adapters``) or a ``Malformed`` (its line number, reason and a short detail): the engine
never stops on one bad record.
"""

from collections import Counter
from dataclasses import dataclass

from .adapters import ADAPTERS, detect
from .adapters.common import BadRecord
from .adapters.sources import BadRow, InputError, read_rows  # noqa: F401 (InputError: the CLI catches it)

DETAIL_CHARS = 200


@dataclass
class Malformed:
    line_no: int
    reason: str
    detail: str


def to_problem(record, line_no, input_format='auto'):
    """A problem, or a ``Malformed``; never raises on a record."""
    fmt = detect(record) if input_format == 'auto' else input_format
    if fmt is None:
        return Malformed(line_no, 'unknown_format', 'fields {}'.format(sorted(map(str, record))[:12])[:DETAIL_CHARS])
    try:
        return ADAPTERS[fmt].to_problem(record, line_no)
    except BadRecord as exc:
        return Malformed(line_no, exc.reason, str(exc)[:DETAIL_CHARS])
    except Exception as exc:  # anything else a hostile record provokes is still that record's
        return Malformed(line_no, 'bad_record', '{}: {}'.format(type(exc).__name__, exc)[:DETAIL_CHARS])


def read_problems(path, input_format='auto', formats=None):
    """Yield ``(line_no, problem)`` or ``(line_no, Malformed)`` for every input row;
    ``formats`` (a Counter), when given, counts the adapter each problem came through."""
    for line_no, row in read_rows(path):
        if isinstance(row, BadRow):
            yield line_no, Malformed(line_no, row.reason, row.detail[:DETAIL_CHARS])
            continue
        problem = to_problem(row, line_no, input_format)
        if formats is not None and not isinstance(problem, Malformed):
            formats[problem['format']] += 1
        yield line_no, problem


def detected_format(formats):
    """The format most problems came in (``formats`` from ``read_problems``), or None."""
    return Counter(formats).most_common(1)[0][0] if formats else None
