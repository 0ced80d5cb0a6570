"""Regenerates the jest fixtures in src/__tests__/fixtures with the real tracer.

Run: .venv/bin/python scripts/make-fixtures.py
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'python'))

from groundtrace import tracer  # noqa: E402
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

LOOP = '''total = 0
for i in range(200):
    total += i
'''


def write(name, result):
    path = OUT / name
    path.write_text(json.dumps(result.document, indent=1, ensure_ascii=False) + '\n')
    print('wrote', path.relative_to(ROOT), len(result.document['events']), 'events')


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    write('factorial.json', tracer.trace_cell(FACTORIAL, {}, filename='<fixture-1>', source_name='cell[1]'))
    write('exception.json', tracer.trace_cell(RAISES, {}, filename='<fixture-2>', source_name='cell[2]'))
    write('truncated.json', tracer.trace_cell(
        LOOP, {}, filename='<fixture-3>', source_name='cell[3]', limits=TraceLimits(max_events=25, max_bytes=4_000_000)))


if __name__ == '__main__':
    main()
