"""A small dataset folder for the trace viewer's UI test, made by the real tracer.

Prints ``{file name: text}`` for traces.jsonl, documents.jsonl and translated.jsonl; the
values and the stored narration carry HTML that must never run (``window.__gtXss``).
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'python'))

from groundtrace import tracer  # noqa: E402
from groundtrace.pipeline.compare import values_equal  # noqa: E402

CODE = '''def shout(word):
    loud = word + '!'
    return loud

def main_solution(label, n):
    tag = '<script>window.__gtXss = 1</script>'
    words = []
    for i in range(n):
        if i % 2:
            words.append(shout(label))
        else:
            words.append(tag)
    total = sum(len(w) for w in words)
    return {'count': len(words), 'total': total}
'''
LABEL = '<img src=x onerror="window.__gtXss = 2">'
NARRATION = (
    'We start with the label <img src=x onerror="window.__gtXss = 3"> and n = 4.\n'
    'The tag is <script>window.__gtXss = 4</script>, appended at even positions.\n'
    'At odd positions shout adds an exclamation mark, so the total length is 987654.\n'
    'Final answer: {}'
)


def main():
    kwargs = {'label': LABEL, 'n': 4}
    result = tracer.trace_call(CODE, 'main_solution', kwargs, source_name='problem')
    expected = result.returned
    item = {
        'id': '1_0', 'problem_id': '1', 'pair_index': 0,
        'problem_description': 'Build a list of tags and shouted labels. <b>Never bold</b>',
        'io_requirements': 'Input: label (str), n (int). Output: a dict of count and total.',
        'refcode': CODE, 'funcname': 'main_solution', 'input': kwargs, 'expected_output': expected,
        'status': 'ok', 'trace': result.text, 'return_value': tracer.value_record(result.returned),
        'output_matches': values_equal(result.returned, expected), 'n_lines': result.text.count('\n'),
    }
    final = NARRATION.format(json.dumps(expected))
    translation = {
        'id': '1_0', 'problem_id': '1', 'status': 'ok', 'model': 'fake/Qwen3-toy',
        'thinking': 'The label is <img src=x onerror="window.__gtXss = 5">.', 'final': final,
        'thinking_closed': True, 'verdict': 'ungrounded', 'evidence': {},
    }
    print(json.dumps({
        'traces.jsonl': json.dumps(item) + '\n',
        'documents.jsonl': json.dumps({'id': '1_0', 'document': result.document}) + '\n',
        'translated.jsonl': json.dumps(translation) + '\n',
    }))


if __name__ == '__main__':
    main()
