"""Answer extraction on a labelled set of narration endings (tests/data/answer_endings.jsonl): real
ones from the demo vLLM and hand-written variants of every form, right and wrong.

Precision: of the answers extracted, the share that is the value the text states. Recall: of
the endings that state an answer, the share whose answer is extracted as that value. And the
rule that matters most: under the default policy, no ending whose stated answer is not the
executed value (or that states none) is trained on.
"""

import json
from pathlib import Path

from groundtrace.verify import (
    answers_match,
    extract_answer,
    verdict_allows,
    verify_narration,
)

ENDINGS = Path(__file__).resolve().parent / 'data' / 'answer_endings.jsonl'


def labelled():
    with open(ENDINGS) as f:
        return [json.loads(line) for line in f]


def record_for(row):
    return {'trace': '', 'input': {}, 'refcode': '', 'problem_description': '', 'io_requirements': '',
            'return_value': row['expected']}


def scores(rows):
    extracted = right = stating = 0
    misses = []
    for row in rows:
        answer, _ = extract_answer(row['ending'])
        correct = answer is not None and row['states_answer'] and answers_match(answer, row['stated'])
        extracted += answer is not None
        right += correct
        stating += row['states_answer']
        if (answer is not None or row['states_answer']) and not correct:
            misses.append((row['form'], row['stated'], answer))
    return (right / extracted if extracted else None), (right / stating if stating else None), misses


def test_the_set_is_large_and_mixed():
    rows = labelled()
    assert len(rows) >= 200
    assert {r['source'] for r in rows} == {'written', 'vllm'}
    assert sum(r['source'] == 'vllm' for r in rows) >= 60  # real endings from the demo vLLM, labelled by hand
    assert any(r['states_answer'] and r['stated'] != r['expected'] for r in rows)
    assert any(not r['states_answer'] for r in rows)


def test_precision_and_recall_of_answer_extraction():
    rows = labelled()
    precision, recall, misses = scores(rows)
    real = [r for r in rows if r['source'] == 'vllm']
    real_precision, real_recall, _ = scores(real) if any(r['states_answer'] for r in real) else (None, None, [])
    print('\n[answer extraction] {} endings ({} from the demo vLLM): precision {:.3f}, recall {:.3f}; '
          'real only: precision {}, recall {}; misses: {}'.format(
              len(rows), len(real), precision, recall, real_precision, real_recall, misses))
    assert precision >= 0.97 and recall >= 0.95, misses


def test_no_wrong_answer_reaches_the_default_training_data():
    trained_wrong = []
    kept = 0
    for row in labelled():
        result = verify_narration(row['ending'], record_for(row))
        if verdict_allows({'status': 'ok', 'verdict': result['verdict']}):
            kept += 1
            if not (row['states_answer'] and answers_match(json.dumps(row['stated']), row['expected'])):
                trained_wrong.append((row['form'], row['stated'], result['evidence']['answer']))
    print('\n[answer extraction] default policy keeps {}; wrong among them: {}'.format(kept, len(trained_wrong)))
    assert kept and trained_wrong == []
