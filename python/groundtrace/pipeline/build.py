"""Stage 5, build: LLaMA-Factory training data (sharegpt format) from translated traces.

Build applies the verdict policy itself to every record (``verify.build_verdict``): by
default only narrations whose final answer was found and equals the executed value, with
no other flag (``pass``), are trained on — whether ``translated.jsonl`` came from the
translate stage, ``import-batch`` or the user.
"""

import json
import os
from collections import Counter
from string import Template

from ..verify import DEFAULT_POLICY, build_verdict, parse_policy
from .job_folder import JobFolder
from .jsonl import AtomicJsonlWriter, iter_jsonl, write_json_atomic

TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), 'templates')
DEFAULT_TRAINING_TEMPLATE = os.path.join(TEMPLATE_DIR, 'training_prompt.txt')
THINK_END = '</think>'
DEFAULT_MAX_LENGTH = 8192


def question_text(record):
    """The question as the original states it: description and i/o requirements, with
    double newlines collapsed (one pass, as the original does)."""
    return (record['problem_description'] + '\n' + record['io_requirements']).replace('\n\n', '\n')


def input_text(value):
    return json.dumps(value, ensure_ascii=False)


def load_template(path=None):
    with open(path or DEFAULT_TRAINING_TEMPLATE, encoding='utf-8') as f:
        return Template(f.read())


def training_prompt(record, template):
    """``$question``, ``$code`` and ``$input`` in the template are filled in."""
    return template.safe_substitute(question=question_text(record), code=record['refcode'],
                                    input=input_text(record['input'])).rstrip('\n') + '\n'


def narration_of(record):
    for field in ('nl_trace', 'narration'):
        if isinstance(record.get(field), str):
            return record[field]
    return None


def answer_after_thinking(narration):
    """The text after the first ``</think>``, or None when the thinking never closed."""
    if THINK_END not in narration:
        return None
    return narration.split(THINK_END, 1)[1].strip()


class LengthMeter:
    """Measures a sample in real tokens when a tokenizer is given, else in characters."""

    def __init__(self, tokenizer_name=None):
        self.unit = 'characters'
        self._tok = None
        if tokenizer_name:
            from transformers import AutoTokenizer  # optional dependency
            self._tok = AutoTokenizer.from_pretrained(tokenizer_name)
            self.unit = 'tokens ({})'.format(tokenizer_name)

    def __call__(self, messages):
        if self._tok is None:
            return sum(len(m['content']) for m in messages)
        return len(self._tok.apply_chat_template(messages, tokenize=True))


def build_dataset(translated_path, folder, *, template_path=None, max_length=DEFAULT_MAX_LENGTH,
                  tokenizer=None, dataset_name='groundtrace', policy=DEFAULT_POLICY, progress=None):
    dropped_verdicts = parse_policy(policy)
    template = load_template(template_path)
    verdicts = Counter()
    meter = LengthMeter(tokenizer)
    reasons = Counter()
    n_in = n_out = 0
    files = JobFolder(folder)
    writer = AtomicJsonlWriter(files.train)
    try:
        for record in iter_jsonl(translated_path):
            n_in += 1
            if progress:
                progress.advance()
            narration = narration_of(record)
            if narration is None:
                reasons['no_narration'] += 1
                continue
            answer = answer_after_thinking(narration)
            if answer is None:
                reasons['thinking_unclosed'] += 1
                continue
            if not answer:
                reasons['empty_answer'] += 1
                continue
            verdict = build_verdict(record, _final_text(record, answer))
            if verdict is None and policy != 'all':
                reasons['no_executed_value'] += 1
                continue
            verdicts[verdict or 'unchecked'] += 1
            if verdict in dropped_verdicts:
                reasons['verdict_' + verdict] += 1
                continue
            messages = [{'role': 'user', 'content': training_prompt(record, template)},
                        {'role': 'assistant', 'content': answer}]
            if meter(messages) > max_length:
                reasons['over_length'] += 1
                continue
            writer.write({'messages': messages})
            n_out += 1
    except BaseException:
        writer.abort()
        raise
    writer.commit()
    write_json_atomic(files.dataset_info, {
        dataset_name: {
            'file_name': os.path.basename(files.train),
            'formatting': 'sharegpt',
            'columns': {'messages': 'messages'},
            'tags': {'role_tag': 'role', 'content_tag': 'content',
                     'user_tag': 'user', 'assistant_tag': 'assistant'},
        }
    })
    return {'in': n_in, 'out': n_out, 'reasons': dict(reasons), 'length_unit': meter.unit,
            'max_length': max_length, 'verdict_policy': policy if isinstance(policy, str) else sorted(policy),
            'verdicts': dict(verdicts)}


def _final_text(record, answer):
    """The narration's final text: as the translate stage stored it, else the text after ``</think>``."""
    final = record.get('final')
    return final if isinstance(final, str) else answer
