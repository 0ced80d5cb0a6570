"""Dataset adapters: each turns one source record into a PyEdu-shaped problem.

``pyedu`` (CodeI/O records), ``cruxeval`` (``code``, ``input`` = argument text, ``output`` =
literal text) and ``asserts`` (MBPP's ``test_list``, or ``code`` + ``test`` + ``entry_point``).
``detect`` names the adapter a record's fields call for (``--format auto``). Every value of the
problems they return is in its stored form (``pipeline/values``).
"""

from . import asserts, cruxeval, pyedu

ADAPTERS = {'pyedu': pyedu, 'cruxeval': cruxeval, 'asserts': asserts}
FORMATS = ('auto',) + tuple(ADAPTERS)


def detect(record):
    """The adapter a record's fields call for, or None."""
    if 'refcode' in record:
        return 'pyedu'
    if 'test_list' in record or ('test' in record and 'entry_point' in record):
        return 'asserts'
    if 'code' in record and 'input' in record and 'output' in record:
        return 'cruxeval'
    return None
