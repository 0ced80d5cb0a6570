"""Shared fixtures: the toy problems and the package under test from this checkout."""

import json
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / 'python'))
sys.path.insert(0, str(REPO / 'tests'))

# The toy problems bundled in data/ (a copy of shared/data); GROUNDTRACE_TOY_DATA overrides.
TOY_DATA = Path(os.environ.get('GROUNDTRACE_TOY_DATA', REPO / 'data' / 'pyedu_toy.jsonl'))


@pytest.fixture(scope='session')
def toy_problems():
    """The toy problems by problem id (meta.msgidx)."""
    with open(TOY_DATA) as f:
        records = [json.loads(line) for line in f]
    return {record['meta']['msgidx']: record for record in records}


@pytest.fixture(scope='session')
def toy_data_path():
    return TOY_DATA
