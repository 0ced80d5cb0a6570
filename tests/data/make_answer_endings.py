"""Writes the hand-written half of tests/data/answer_endings.jsonl: every form models use to state
an answer, each with a right and a wrong value, plus endings that state none.

Each line: ``{"ending", "expected", "states_answer", "stated", "source", "form"}`` — ``expected``
is the executed value, ``stated`` the value the text states as its final answer when
``states_answer``, as a person reads it. The real endings (``source: "vllm"``) were labelled by hand and are kept
when this script rewrites the file.

    python tests/data/make_answer_endings.py
"""

import json
from pathlib import Path

OUT = Path(__file__).with_name('answer_endings.jsonl')

# (executed value, a wrong value a model might state instead)
VALUES = [
    (11, 12),
    (-3, 3),
    (0.5589, 0.56),
    ([1, 2, 3], [3, 2, 1]),
    (['msy', 'mys', 'smy'], ['msy', 'smy']),
    ('abc', 'abd'),
    (True, False),
    ({'a': 1, 'b': 2}, {'a': 1, 'b': 3}),
    (None, 0),
]

BODY = 'We follow the loop: each step updates the running value, and the last step gives the result.\n'


def literal(value, style='json'):
    if style == 'python':
        return repr(value)
    return json.dumps(value)


# form name -> function(value text) -> ending
FORMS = {
    'final_answer': lambda v: BODY + 'Final answer: {}'.format(v),
    'Final_Answer': lambda v: BODY + 'Final Answer: {}'.format(v),
    'FINAL_ANSWER': lambda v: BODY + 'FINAL ANSWER: {}'.format(v),
    'final_output': lambda v: BODY + 'Final output: {}'.format(v),
    'bold_final_output': lambda v: BODY + '**Final Output:** {}'.format(v),
    'bold_label_colon_outside': lambda v: BODY + '**Final answer**: {}'.format(v),
    'heading_final_answer': lambda v: BODY + '### Final Answer\n{}'.format(v),
    'output_label': lambda v: BODY + 'Output: {}'.format(v),
    'the_output_is': lambda v: BODY + 'The output is {}.'.format(v),
    'the_answer_is': lambda v: BODY + 'So the answer is {}.'.format(v),
    'function_returns': lambda v: BODY + 'Therefore the function returns {}.'.format(v),
    'boxed': lambda v: BODY + 'The result is $\\boxed{{{}}}$'.format(v),
    'fenced_block': lambda v: BODY + 'The value returned:\n```\n{}\n```'.format(v),
    'output_of_the_code_is': lambda v: BODY + 'The output of the given Python code is `{}`, the last value.'.format(v),
    'output_is_colon_block': lambda v: BODY + 'The output is:\n\n```\n{}\n```\n\nThis is what the loop leaves.'.format(v),
    'heading_output_sentence': lambda v: BODY + '### Output\nThe value after the last step is {}.'.format(v),
    'solution_to_problem_is': lambda v: BODY + 'The solution to this problem is `{}`.'.format(v),
    'output_is_return_block': lambda v: BODY + 'The output of the main_solution function is:\n\n```\nreturn {}\n```'.format(v),
    'output_of_code_colon_paragraph': lambda v: BODY + 'The output of the above code is:\n\n{}\n\nIt is built step by step.'.format(v),
    'last_line_value': lambda v: BODY + '\n{}'.format(v),
    'backticks_period': lambda v: BODY + 'Final answer: `{}`.'.format(v),
    'bold_value': lambda v: BODY + 'Final answer: **{}**'.format(v),
    'python_literal': None,  # the value written as Python, filled in below
    'explained_after': lambda v: BODY + 'Final answer: {} (the value after the last step)'.format(v),
    'earlier_guess_corrected': None,
}


def endings():
    out = []
    for expected, wrong in VALUES:
        for stated in (expected, wrong):
            for form, make in FORMS.items():
                if form == 'python_literal':
                    text = BODY + 'Final answer: {}'.format(literal(stated, 'python'))
                elif form == 'earlier_guess_corrected':
                    other = wrong if stated == expected else expected
                    text = ('At first it looks like the output is {}, but the last iteration changes it.\n'
                            'Final answer: {}').format(literal(other), literal(stated))
                else:
                    text = make(literal(stated))
                out.append({'ending': text, 'expected': expected, 'states_answer': True, 'stated': stated,
                            'source': 'written',
                            'form': form + ('' if stated == expected else ':wrong')})
    no_answer = [
        'We loop over the list and add each value to the total, then return it.',
        'The result is built by appending each letter in turn.',
        'Final answer: the list of permutations, sorted.',
        'Let us trace the code step by step. First, x is set. Then the loop starts and',
        'The function computes the factorial recursively and returns the product.',
        'Output: a dictionary mapping each word to its count',
        'Thus, we obtain the expected output for this input.',
        'The answer depends on the input values given.',
        'If the list is empty, the function returns None. Otherwise, it returns the largest element.',
        'The output is:\n\nthe sorted list of the words, one per line.',
        'The output of the code is:\n\n```\n[11, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,',
        'Output:\n```\n{"a": 1, "b":',
        'The output of this code snippet is:\n\n```\n1116201\n1116201\n1116201',
        'The `check` function takes a string and returns `True` if it is valid, otherwise it returns `False`.',
        'Here is the code:\n\n```python\ndef main():\n    result = []\n    for i in range(3):\n        result.append(i)\n'
        '    return result\n```\n\nIt builds the list one item at a time.',
    ]
    for i, text in enumerate(no_answer):
        expected = VALUES[i % len(VALUES)][0]
        out.append({'ending': text, 'expected': expected, 'states_answer': False, 'stated': None,
                    'source': 'written', 'form': 'none'})
    return out


def main():
    kept = []
    if OUT.exists():
        kept = [json.loads(line) for line in OUT.open() if json.loads(line)['source'] != 'written']
    rows = endings() + kept
    with OUT.open('w') as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + '\n')
    print('{} endings ({} written, {} kept from real runs) -> {}'.format(len(rows), len(rows) - len(kept),
                                                                       len(kept), OUT))


if __name__ == '__main__':
    main()
