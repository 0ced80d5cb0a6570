"""A dataset folder with one item traced in the compact format, for the folded-loop UI test.

Prints ``{file name: text}`` for traces.jsonl and documents.jsonl, as the trace stage writes
them with ``--trace-format compact`` (the record's ``trace`` is the compact text; the document
has every event and the folds).
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'python'))

from groundtrace import tracer  # noqa: E402
from groundtrace.pipeline.trace_format import apply_format, tracer_limits  # noqa: E402

CODE = '''def main_solution(n):
    total = 0
    for i in range(n):
        square = i * i
        total += square
    return total
'''


def main():
    kwargs = {'n': 30}
    raw_lines, max_events, cap = tracer_limits('compact', 300, None)
    result = tracer.trace_call(CODE, 'main_solution', kwargs, max_lines=raw_lines, max_events=max_events,
                               max_document_events=cap)
    report = apply_format({'trace': result.text, 'document': result.document}, result, 'compact', 300)
    item = {
        'id': '7_0', 'problem_id': '7', 'pair_index': 0,
        'problem_description': 'Sum the squares of 0 .. n-1.', 'io_requirements': 'Input: n (int).',
        'refcode': CODE, 'funcname': 'main_solution', 'input': kwargs, 'expected_output': result.returned,
        'status': 'ok', 'trace': report['trace'], 'snoop_trace': report['snoop_trace'],
        'folding': report['folding'], 'return_value': tracer.value_record(result.returned),
        'output_matches': True, 'n_lines': report['n_lines'],
    }
    print(json.dumps({
        'traces.jsonl': json.dumps(item) + '\n',
        'documents.jsonl': json.dumps({'id': '7_0', 'document': report['document']}) + '\n',
    }))


if __name__ == '__main__':
    main()
