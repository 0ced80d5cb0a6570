"""PyEdu / CodeI/O records (SPEC §3): validated, their i/o values put in stored form."""

from .. import values
from .common import BadRecord

FIELDS = ('problem_description', 'io_requirements', 'refcode')


def to_problem(record, line_no):
    for field in FIELDS:
        if not isinstance(record.get(field), str):
            raise BadRecord('missing_field' if field not in record else 'wrong_type', field)
    record.setdefault('funcname', 'main_solution')
    if not isinstance(record['funcname'], str) or not record['funcname'].isidentifier():
        raise BadRecord('wrong_type', 'funcname')
    meta = record.get('meta')
    if not isinstance(meta, dict) or 'msgidx' not in meta:
        raise BadRecord('missing_field' if meta is None or isinstance(meta, dict) else 'wrong_type', 'meta.msgidx')
    if not isinstance(meta['msgidx'], (int, str)) or isinstance(meta['msgidx'], bool):
        raise BadRecord('wrong_type', 'meta.msgidx')
    ios = record.get('ios')
    if ios is not None:
        if not isinstance(ios, list):
            raise BadRecord('wrong_type', 'ios')
        stored = []
        for pair in ios:
            if not isinstance(pair, dict) or 'input' not in pair or 'output' not in pair:
                raise BadRecord('wrong_type', 'ios[]')
            if not isinstance(pair['input'], dict) or not all(
                    isinstance(k, str) and k.isidentifier() for k in pair['input']):
                raise BadRecord('wrong_type', 'ios[].input')
            stored.append({'input': {k: values.encode(v) for k, v in pair['input'].items()},
                           'output': values.encode(pair['output'])})
        record['ios'] = stored
    record['format'] = 'pyedu'
    return record
