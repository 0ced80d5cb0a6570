"""Regenerates the jest fixtures in src/__tests__/fixtures with the real tracer.

Run: .venv/bin/python scripts/make-fixtures.py
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'python'))

from groundtrace import tracer  # noqa: E402
from groundtrace.pipeline.trace_format import apply_format, tracer_limits  # noqa: E402
from groundtrace.recorder import TraceLimits  # noqa: E402

OUT = ROOT / 'src' / '__tests__' / 'fixtures'

FACTORIAL = '''def factorial(n):
    if n <= 1:
        return 1
    return n * factorial(n - 1)

result = factorial(3)
squares = [x * x for x in range(3)]
'''

RAISES = '''def divide(a, b):
    return a / b

label = '<img src=x onerror="alert(1)">'
divide(1, 0)
'''

EARLIER_CELL = '''def square(x):
    return x * x
'''

LATER_CELL = '''values = [square(v) for v in (2, 3)]
'''

LOOP = '''total = 0
for i in range(200):
    total += i
'''

SUM_OF_SQUARES = '''def main_solution(n):
    total = 0
    for i in range(n):
        total += i * i
    return total
'''


def compact_document(source, kwargs, max_lines=300):
    """A dataset item's document in the compact format (as the trace stage writes it)."""
    raw_lines, max_events, cap = tracer_limits('compact', max_lines, None)
    result = tracer.trace_call(source, 'main_solution', kwargs, max_lines=raw_lines, max_events=max_events,
                               max_document_events=cap)
    apply_format({'document': result.document}, result, 'compact', max_lines)
    return result


def write(name, result):
    path = OUT / name
    path.write_text(json.dumps(result.document, indent=1, ensure_ascii=False) + '\n')
    print('wrote', path.relative_to(ROOT), len(result.document['events']), 'events')


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    write('factorial.json', tracer.trace_cell(FACTORIAL, {}, source_name='cell[1]'))
    write('exception.json', tracer.trace_cell(RAISES, {}, source_name='cell[2]'))
    # A function defined in an earlier cell: its events point at that cell's source.
    namespace = {}
    earlier = tracer._register_source('cell', EARLIER_CELL)
    exec(compile(EARLIER_CELL, earlier, 'exec'), namespace)
    write('two_cells.json', tracer.trace_cell(
        LATER_CELL, namespace, source_name='cell[2]', source_names={earlier: 'cell[1]'}))
    write('truncated.json', tracer.trace_cell(
        LOOP, {}, source_name='cell[3]', limits=TraceLimits(max_events=25, max_bytes=4_000_000)))
    # A loop of 12 iterations: the compact text folds iterations 4 to 10.
    write('compact_loop.json', compact_document(SUM_OF_SQUARES, {'n': 12}))


if __name__ == '__main__':
    main()
