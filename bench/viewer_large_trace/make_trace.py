"""A large trace document for the viewer benchmark, made by the real tracer.

Usage: make_trace.py EVENTS OUT.json — traces a loop that calls a helper each iteration
(about ten events an iteration) long enough for EVENTS events, and writes the document.
"""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'python'))

from groundtrace import tracer  # noqa: E402

CODE = '''def mix(x):
    y = (x * 31 + 7) % 1000
    return y

def main_solution(n):
    total = 0
    last = []
    for i in range(n):
        v = mix(i)
        total += v
        if v % 3 == 0:
            last = [v, total, i]
    return total
'''


def main():
    target, out = int(sys.argv[1]), Path(sys.argv[2])
    t0 = time.perf_counter()
    n = 100
    probe = tracer.trace_call(CODE, 'main_solution', {'n': n}, source_name='problem')
    per_iteration = len(probe.document['events']) / n
    n = int(target / per_iteration * 1.05) + 1  # a little over: the limit cuts at target
    result = tracer.trace_call(CODE, 'main_solution', {'n': n}, source_name='problem',
                               max_events=target)
    doc = result.document
    out.write_text(json.dumps(doc))
    print('{} events, {} snoop lines, {:.1f} MB, traced in {:.1f} s'.format(
        len(doc['events']), doc['text'].count('\n') + 1, out.stat().st_size / 1e6,
        time.perf_counter() - t0), file=sys.stderr)


if __name__ == '__main__':
    main()
