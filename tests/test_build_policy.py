"""Build applies the verdict policy itself, whoever wrote translated.jsonl: only verified answers are trained on."""

import json

import pytest

from groundtrace.pipeline.build import build_dataset

BASE = {'problem_description': 'Add one.', 'io_requirements': 'x is an int', 'refcode': 'def f(x):\n    return x + 1',
        'input': {'x': 41}, 'return_value': 42, 'status': 'ok'}


def row(key, final, **extra):
    return dict(BASE, id=key, nl_trace='<think>\nx is 41\n</think>\n\n' + final, **extra)


ROWS = [
    row('right', 'We add one to 41.\nFinal answer: 42'),
    row('right_bold', 'We add one to 41.\n**Final Output:** 42'),
    row('wrong', 'We add one to 41.\nFinal answer: 43'),
    row('wrong_bold', 'We add one to 41.\n**Final Output:** 43'),
    row('none', 'We add one to 41 and stop.'),
    row('cut_off', 'We add one to 41.\nFinal answer: 42', finish_reason='length'),
    # A file of the user's that claims the verdict: the answer is checked all the same.
    row('forged', 'We add one to 41.\nFinal answer: 40', verdict='pass'),
    row('flagged', 'We add one to 41.\nFinal answer: 42', verdict='mentions_trace'),
    dict(BASE, id='no_value', return_value=None, nl_trace='<think>\n</think>\n\nFinal answer: 42'),
]


@pytest.fixture
def built(tmp_path):
    def build(policy='default'):
        (tmp_path / 'translated.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in ROWS))
        stats = build_dataset(str(tmp_path / 'translated.jsonl'), str(tmp_path), dataset_name='t', policy=policy)
        with open(tmp_path / 'train.jsonl') as f:
            answers = [json.loads(line)['messages'][1]['content'] for line in f]
        return stats, answers
    return build


def test_default_trains_only_on_right_answers(built):
    stats, answers = built()
    assert answers == ['We add one to 41.\nFinal answer: 42', 'We add one to 41.\n**Final Output:** 42']
    assert stats['reasons'] == {'verdict_wrong_answer': 3, 'verdict_no_answer': 1, 'verdict_unfinished': 1,
                                'verdict_mentions_trace': 1, 'no_executed_value': 1}
    assert stats['verdict_policy'] == 'default'


def test_verified_policy_also_takes_right_answers_with_grounding_flags(built):
    stats, answers = built('verified')
    assert len(answers) == 3 and stats['verdicts']['mentions_trace'] == 1


def test_all_policy_still_drops_cut_off_answers(built):
    stats, answers = built('all')
    assert stats['reasons'] == {'verdict_unfinished': 1}
    assert len(answers) == len(ROWS) - 1
