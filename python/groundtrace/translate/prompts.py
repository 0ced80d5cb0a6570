"""The translation prompt: SPEC §3 stage 4, from an editable template file.

A template is plain text with the placeholders ``{{question}}``, ``{{input}}``, ``{{code}}``
and ``{{trace}}``; each is filled once, so braces in code or traces are left alone.
"""

import json
import re
from pathlib import Path

DEFAULT_TEMPLATE = Path(__file__).resolve().parent.parent / 'templates' / 'translate.txt'
DEFAULT_PROMPT_BUDGET_CHARS = 40960  # the paper's limit on the prompt's characters

_PLACEHOLDER = re.compile(r'\{\{(question|input|code|trace)\}\}')
_ADDRESS = re.compile(r' at 0x[0-9a-fA-F]+')
_RETURN_LINE = re.compile(r'<<< Return value from [\w.<>]+: (.*)$')
_BLANK_LINES = re.compile(r'\n\s*\n')


def load_template(path=None):
    text = Path(path or DEFAULT_TEMPLATE).read_text(encoding='utf-8')
    missing = {'question', 'input', 'code', 'trace'} - set(_PLACEHOLDER.findall(text))
    if missing:
        raise ValueError('translation template {} lacks {}'.format(
            path or DEFAULT_TEMPLATE, ', '.join('{{%s}}' % m for m in sorted(missing))))
    return text


def question_text(record):
    """``problem_description`` + newline + ``io_requirements``, double newlines collapsed."""
    text = '{}\n{}'.format(record.get('problem_description', ''), record.get('io_requirements', ''))
    return _BLANK_LINES.sub('\n', text).strip()


def clean_trace(trace):
    """The trace as the translator sees it: memory addresses removed."""
    return _ADDRESS.sub('', trace)


def input_text(value):
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def trace_answer(trace):
    """The executed answer as printed: the text after ``<<< Return value from …: `` on the last line."""
    lines = trace.rstrip('\n').split('\n')
    match = _RETURN_LINE.search(lines[-1]) if lines else None
    return match.group(1).strip() if match else None


def render_prompt(record, template):
    fields = {
        'question': question_text(record),
        'input': input_text(record.get('input')),
        'code': record.get('refcode', record.get('code', '')).strip('\n'),
        'trace': clean_trace(record['trace']).strip('\n'),
    }
    return _PLACEHOLDER.sub(lambda m: fields[m.group(1)], template)


def prompt_messages(prompt):
    return [{'role': 'user', 'content': prompt}]
