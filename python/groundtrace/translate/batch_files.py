"""Offline translation: requests out as OpenAI Batch JSONL, results back into ``translated.jsonl``.

For a GPU node without a server: ``groundtrace export-batch`` writes one request a line,
``{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body": {…}}`` (what
``vllm run-batch`` and batch APIs take); ``groundtrace import-batch`` reads the results,
``{"custom_id", "response": {"status_code", "body"}, "error"}``, and appends them to
``translated.jsonl`` with the same splitting and verification as the online stage.
"""

import collections
import json
import os
import time

from ..pipeline.job_folder import JobFolder
from ..pipeline.jsonl import JsonlAppender, iter_jsonl
from .client import _OVER_CONTEXT, Completion, error_message
from .prompts import (
    DEFAULT_PROMPT_BUDGET_CHARS,
    load_template,
    prompt_messages,
    render_prompt,
)
from .reasoning import split_message
from .stage import done_ids, translated_record

CHAT_PATH = '/v1/chat/completions'


def export_batch(folder, config, out_path=None):
    """Write a request for every selected item not yet translated; returns counts."""
    template = load_template(config.template)
    budget = config.prompt_budget or DEFAULT_PROMPT_BUDGET_CHARS
    files = JobFolder(folder)
    out_path = out_path or files.batch_requests
    finished = done_ids(files.translated)
    counts = collections.Counter()
    tmp = out_path + '.tmp{}'.format(os.getpid())
    with open(tmp, 'w', encoding='utf-8') as out, JsonlAppender(files.translated) as skipped:
        for item in iter_jsonl(files.selected):
            if item['id'] in finished:
                counts['already_done'] += 1
                continue
            finished.add(item['id'])
            prompt = render_prompt(item, template)
            if len(prompt) > budget:
                reason = 'prompt_too_long: {} characters > {}'.format(len(prompt), budget)
                skipped.write(translated_record(item, Completion('skipped', error=reason), model=config.model,
                                                prompt_chars=len(prompt)))
                counts['skipped_prompt_too_long'] += 1
                continue
            body = config.request_body(prompt_messages(prompt), stream=False)
            out.write(json.dumps({'custom_id': item['id'], 'method': 'POST', 'url': CHAT_PATH, 'body': body},
                                 ensure_ascii=False) + '\n')
            counts['requests'] += 1
    os.replace(tmp, out_path)
    return dict(counts, path=out_path)


def _outcome(result):
    """A ``Completion`` from one Batch result line."""
    response = result.get('response') or {}
    status = response.get('status_code')
    body = response.get('body')
    if result.get('error') or status != 200 or not isinstance(body, dict):
        message = error_message(json.dumps(result.get('error') or body)) if (result.get('error') or body) \
            else 'no response'
        if status == 400 and _OVER_CONTEXT.search(message):
            return Completion('skipped', error='over_context: ' + message)
        return Completion('failed', error='{}: {}'.format(status, message))
    choice = (body.get('choices') or [{}])[0]
    return Completion('ok', split_message(choice.get('message') or {}, choice.get('finish_reason')),
                      body.get('usage'), attempts=1)


def import_batch(folder, results_path, model=None):
    """Append the results of a batch to ``translated.jsonl``; returns counts (and verdicts)."""
    wanted = {r.get('custom_id') for r in iter_jsonl(results_path)}
    files = JobFolder(folder)
    items = {item['id']: item for item in iter_jsonl(files.selected) if item['id'] in wanted}
    finished = done_ids(files.translated)
    template = None
    counts, verdicts = collections.Counter(), collections.Counter()
    with JsonlAppender(files.translated) as out, \
            JsonlAppender(files.translate_failed) as failed:
        for result in iter_jsonl(results_path):
            key = result.get('custom_id')
            if key in finished:
                counts['already_done'] += 1
                continue
            if key not in items:
                counts['unknown_custom_id'] += 1
                continue
            completion = _outcome(result)
            if completion.status == 'failed':
                counts['failed'] += 1
                failed.write({'id': key, 'error': completion.error, 'attempts': 1, 'at': time.time()})
                continue
            template = template or load_template(None)
            record = translated_record(items[key], completion, prompt_chars=len(render_prompt(items[key], template)),
                                       model=model or ((result.get('response') or {}).get('body') or {}).get('model'))
            out.write(record)
            finished.add(key)
            if completion.status == 'ok':
                counts['translated'] += 1
                verdicts[record['verdict']] += 1
            else:
                counts['skipped_over_context'] += 1
    return dict(counts, verdicts=dict(verdicts))
