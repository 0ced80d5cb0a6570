"""LLaMA-Factory reads what build writes: its own loader on the built folder, then a 2-step LoRA SFT
of the demo model (in .venv-lf, made by scripts/setup.sh)."""

import json
import math
import os
import subprocess

import pytest

from groundtrace.pipeline.build import build_dataset
from real_vllm import MODEL_DIR, REPO
from toy_traces import selected_records

LF_PYTHON = REPO / '.venv-lf' / 'bin' / 'python'


def require_llamafactory():
    reason = None
    if not LF_PYTHON.exists():
        reason = 'no .venv-lf (scripts/setup.sh makes it; GROUNDTRACE_MODEL_ENVS=0 leaves it out)'
    elif not (MODEL_DIR / 'config.json').exists():
        reason = 'no demo model in {} (scripts/setup.sh converts it)'.format(MODEL_DIR)
    if reason and os.environ.get('CI'):
        pytest.fail('LLaMA-Factory is needed in CI: ' + reason)
    if reason:
        pytest.skip(reason)


def narrated(record, answer):
    """A translated record as the translate stage writes it, with a narration ending in ``answer``."""
    final = 'We follow the code on this input step by step.\nFinal answer: {}'.format(json.dumps(answer))
    return dict(record, status='ok', final=final, thinking='', thinking_closed=True, finish_reason='stop',
                nl_trace='<think>\n\n</think>\n\n' + final)


@pytest.fixture(scope='module')
def built(toy_problems, tmp_path_factory):
    folder = tmp_path_factory.mktemp('built')
    records = selected_records(toy_problems, 8)
    rows = [narrated(r, r['return_value']) for r in records[:6]]
    rows += [narrated(r, 'not the answer') for r in records[6:]]  # wrong: build leaves them out
    with open(folder / 'translated.jsonl', 'w') as f:
        for row in rows:
            f.write(json.dumps(row) + '\n')
    stats = build_dataset(str(folder / 'translated.jsonl'), str(folder), dataset_name='groundtrace_toy')
    return folder, stats


def test_dataset_info_names_formatting_columns_and_role_tags(built):
    folder, stats = built
    info = json.loads((folder / 'dataset_info.json').read_text())
    assert info == {'groundtrace_toy': {
        'file_name': 'train.jsonl', 'formatting': 'sharegpt', 'columns': {'messages': 'messages'},
        'tags': {'role_tag': 'role', 'content_tag': 'content', 'user_tag': 'user', 'assistant_tag': 'assistant'}}}
    assert stats['out'] == 6 and stats['reasons'] == {'verdict_wrong_answer': 2}


def test_llamafactory_loads_every_sample_and_trains_two_steps(built, tmp_path):
    require_llamafactory()
    folder, stats = built
    samples = sum(1 for _ in open(folder / 'train.jsonl'))
    env = dict(os.environ, HF_HUB_OFFLINE='1', TOKENIZERS_PARALLELISM='false', DISABLE_VERSION_CHECK='1',
               CUDA_VISIBLE_DEVICES='', WANDB_DISABLED='true')
    result = subprocess.run([str(LF_PYTHON), str(REPO / 'tests' / 'lf_train.py'), str(folder), 'groundtrace_toy',
                             str(MODEL_DIR), str(tmp_path / 'lora'), '2'],
                            capture_output=True, text=True, timeout=3600, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-4000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures['loaded'] == samples == stats['out']
    assert len(figures['losses']) == 2 and all(math.isfinite(loss) and loss > 0 for loss in figures['losses'])
    assert (tmp_path / 'lora' / 'adapter_config.json').exists()
    print('\n[LLaMA-Factory] samples loaded {loaded}, losses {losses}, {seconds} s'.format(**figures))
