"""Translator settings: defaults, a TOML or JSON file, the environment, options; the key stays out."""

import json

import pytest

from groundtrace.translate.config import PAPER_SAMPLING, build_config, normalise_url


def test_defaults_are_the_papers():
    config = build_config()
    assert config.sampling == PAPER_SAMPLING and config.enable_thinking and config.concurrency == 128
    assert config.prompt_budget is None and config.budget_unit == 'chars'


@pytest.mark.parametrize('url', ['http://gpu:8000', 'http://gpu:8000/', 'http://gpu:8000/v1/',
                                 'http://gpu:8000/v1/chat/completions'])
def test_urls_are_normalised_to_v1(url):
    assert normalise_url(url) == 'http://gpu:8000/v1'


def test_file_then_environment_then_options(tmp_path, monkeypatch):
    path = tmp_path / 'translator.toml'
    path.write_text('[translator]\nurls = ["http://a:8000/v1", "http://b:8000"]\nmodel = "Qwen/Qwen3-32B"\n'
                    'concurrency = 256\ntemperature = 0.7\n[translator.sampling]\nmax_tokens = 8192\n')
    monkeypatch.setenv('GROUNDTRACE_TRANSLATOR_MODEL', 'from-env')
    config = build_config(path, concurrency=64)
    assert config.urls == ['http://a:8000/v1', 'http://b:8000/v1']
    assert config.model == 'Qwen/Qwen3-32B'  # the file is more specific than the environment
    assert config.concurrency == 64
    assert config.sampling == dict(PAPER_SAMPLING, temperature=0.7, max_tokens=8192)


def test_a_key_in_the_config_file_is_refused(tmp_path):
    path = tmp_path / 'translator.json'
    path.write_text(json.dumps({'model': 'm', 'api_key': 'sk-x'}))
    with pytest.raises(ValueError, match='not in the config file'):
        build_config(path)


def test_key_from_file_or_environment_never_in_public_settings(tmp_path, monkeypatch):
    key_file = tmp_path / 'key'
    key_file.write_text('sk-from-file\n')
    config = build_config(api_key_file=str(key_file))
    assert config.resolve_key() == 'sk-from-file'
    assert 'sk-from-file' not in json.dumps(config.public()) and 'sk-from-file' not in repr(config)
    monkeypatch.setenv('MY_KEY', 'sk-env')
    assert build_config(api_key_env='MY_KEY').resolve_key() == 'sk-env'


def test_unknown_settings_are_named():
    with pytest.raises(ValueError, match='unknown translator settings: temprature'):
        build_config(temprature=0.1)
