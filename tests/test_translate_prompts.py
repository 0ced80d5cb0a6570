"""The translation prompt puts what every item shares first, so a server's prefix cache can reuse it."""

import os

from groundtrace.translate.prompts import load_template, render_prompt
from toy_traces import selected_records


def test_instructions_come_before_the_item(toy_problems):
    first, second = selected_records(toy_problems, 2)
    template = load_template()
    a, b = render_prompt(first, template), render_prompt(second, template)
    shared = os.path.commonprefix([a, b])
    assert 'Final answer: <value>' in shared and 'Do not write any code' in shared
    assert first['refcode'].strip() not in shared and first['refcode'].strip() in a
    assert template.index('### Your task') < template.index('{{question}}')
