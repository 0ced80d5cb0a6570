"""One job, two faces: the CLI's summary and the panel's stage rows (the jobs protocol's status
message, which the panel renders) show the same counts for every stage, translate included."""

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conftest import TOY_DATA
from fake_vllm import FakeVLLM
from groundtrace.jobs import JobManager
from groundtrace.pipeline.run_options import SCHEMA_PATH, STAGE_NAMES

REPO = Path(__file__).resolve().parent.parent


def groundtrace(*args):
    env = dict(os.environ, PYTHONPATH=str(REPO / 'python'))
    env.pop('GROUNDTRACE_TRANSLATOR_URL', None)
    result = subprocess.run([sys.executable, '-m', 'groundtrace.cli', *args], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def parse_summary(stdout):
    """{stage: [(label, n)]} from the CLI's table (fixed-width columns under a dashed rule)."""
    lines = stdout.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith('---'))
    w1, w2, _ = (len(part) for part in lines[rule].split('  '))
    rows = {}
    for line in lines[rule + 1:]:
        stage, label = line[:w1].strip(), line[w1 + 2:w1 + 2 + w2].strip()
        if stage not in STAGE_NAMES:
            break  # the lines after the table
        value = line[w1 + 4 + w2:].strip()
        rows.setdefault(stage, []).append((label, json.loads(value) if value else None))
    return rows


@functools.lru_cache(maxsize=None)
def validator(definition):
    defs = json.loads(Path(SCHEMA_PATH).read_text())['$defs']
    return jsonschema.Draft202012Validator({'$ref': '#/$defs/' + definition, '$defs': defs})


@pytest.fixture(scope='module')
def job(tmp_path_factory):
    folder = tmp_path_factory.mktemp('summary') / 'job'
    modes = {'wrong_answer': 0.3, 'unfinished': 0.1}
    with FakeVLLM(seed=3, modes=modes) as server:
        stdout = groundtrace('run', '--input', str(TOY_DATA), '--output', str(folder), '--limit', '8',
                             '--pairs-per-problem', '2', '--workers', '2', '--quiet',
                             '--translator-url', server.url, '--model', server.model)
    return folder, stdout


def panel_status(folder):
    events = []
    status = JobManager(events.append).attach(str(folder))
    assert events and events[-1]['type'] == 'status'
    validator('StatusEvent').validate(events[-1])
    return status


def test_every_stage_ran_and_each_has_rows_in_both_faces(job):
    folder, stdout = job
    summary = parse_summary(stdout)
    rows = panel_status(folder)['progress']['rows']
    assert [row['stage'] for row in rows] == list(STAGE_NAMES)
    assert all(row['status'] == 'done' for row in rows)
    assert list(summary) == list(STAGE_NAMES)


def test_the_cli_summary_and_the_panel_rows_show_the_same_counts(job):
    folder, stdout = job
    summary = parse_summary(stdout)
    for row in panel_status(folder)['progress']['rows']:
        assert list(row['counts'].items()) == summary[row['stage']], row['stage']


def test_the_counts_are_the_folder_s_files(job):
    folder, _ = job
    counts = {row['stage']: row['counts'] for row in panel_status(folder)['progress']['rows']}

    def n_lines(name):
        return sum(1 for _ in open(folder / name))

    assert counts['trace']['in'] == n_lines('traces.jsonl')
    assert counts['select']['out'] == n_lines('selected.jsonl')
    assert counts['translate']['in'] == n_lines('selected.jsonl')
    assert counts['build']['in'] == n_lines('translated.jsonl')
    assert counts['build']['out'] == n_lines('train.jsonl')
    assert counts['build']['out'] < counts['build']['in']  # wrong answers are not trained on


def test_groundtrace_status_prints_the_same_rows(job):
    folder, _ = job
    text = groundtrace('status', str(folder))
    assert 'finished' in text.splitlines()[0]
    for row in panel_status(folder)['progress']['rows']:
        for label, n in row['counts'].items():
            assert any(line.split() == label.split() + [str(n)] for line in text.splitlines()), (row['stage'], label)
