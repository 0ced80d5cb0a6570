"""The run options have one source, jobs.schema.json: the CLI, JobConfig, the stage registry and the
panel's settings (schema/generator.json) all agree with it."""

import dataclasses
import json
from pathlib import Path

from groundtrace.cli import build_parser
from groundtrace.pipeline.job import JobConfig
from groundtrace.pipeline.run_options import DEFAULTS, OPTIONS, SCHEMA_PATH, STAGE_NAMES
from groundtrace.pipeline.stages import REGISTRY

REPO = Path(__file__).resolve().parent.parent


def run_defaults():
    parser = build_parser()
    args = parser.parse_args(['run', '--input', 'in.jsonl', '--output', 'out'])
    return vars(args)


def test_the_stage_registry_runs_in_the_schema_order():
    schema = json.loads(Path(SCHEMA_PATH).read_text())
    assert tuple(REGISTRY) == STAGE_NAMES == tuple(schema['$defs']['Stage']['enum'])
    assert all(stage.name == name for name, stage in REGISTRY.items())


def test_cli_defaults_are_the_schema_defaults():
    args = run_defaults()
    assert DEFAULTS  # the schema gives defaults
    for name, default in DEFAULTS.items():
        assert args[name] == default, name


def test_job_config_defaults_are_the_schema_defaults():
    fields = {f.name: f.default for f in dataclasses.fields(JobConfig)}
    for name, default in DEFAULTS.items():
        assert fields[name] == default, name


def test_the_panel_settings_are_generated_from_the_run_options():
    settings = json.loads((REPO / 'schema' / 'generator.json').read_text())['properties']
    schema = json.loads(Path(SCHEMA_PATH).read_text())['$defs']['JobOptions']
    assert len(settings) == len(schema['x-panel'])
    for name in schema['x-panel']:
        key = name.split('_')[0] + ''.join(part.title() for part in name.split('_')[1:])
        spec = OPTIONS[name]
        expected = spec.get('x-panel-default', spec.get('default'))
        assert settings[key]['default'] == (list(expected) if isinstance(expected, tuple) else expected), name
