"""The translate stage: ``selected.jsonl`` → ``translated.jsonl``, resumable.

Each finished item is appended to ``translated.jsonl`` the moment its answer arrives, so a
killed run loses only what was in flight; a rerun skips every id already there. Items the
server will never take (prompt over the budget or over the model's context) are written
as ``status: skipped`` with the reason; items that still failed after all retries go to
``translate_failed.jsonl`` and are tried again by the next run.
"""

import asyncio
import collections
import sys
import time

from ..pipeline.job_folder import JobFolder
from ..pipeline.jsonl import JsonlAppender, iter_jsonl
from ..verify import verify_narration
from .client import BatchClient, Completion
from .errors import TranslatorRejected
from .prompts import (
    DEFAULT_PROMPT_BUDGET_CHARS,
    load_template,
    prompt_messages,
    render_prompt,
    trace_answer,
)


def done_ids(path):
    return {record['id'] for record in iter_jsonl(path)}


def _base_record(item):
    """What a translated record repeats of its trace record, so build needs nothing else."""
    return {
        'id': item['id'],
        'problem_id': item.get('problem_id'),
        'pair_index': item.get('pair_index'),
        'problem_description': item.get('problem_description'),
        'io_requirements': item.get('io_requirements'),
        'refcode': item.get('refcode', item.get('code')),
        'funcname': item.get('funcname'),
        'input': item.get('input'),
        'answer': trace_answer(item.get('trace', '')),
        'return_value': item.get('return_value'),
    }


def translated_record(item, completion, *, model, prompt_chars, prompt_tokens=None):
    """The ``translated.jsonl`` line for one trace record and its completion (ok or skipped)."""
    record = _base_record(item)
    record.update(status=completion.status, model=model, prompt_chars=prompt_chars)
    if prompt_tokens is not None:
        record['prompt_tokens'] = prompt_tokens
    if completion.status != 'ok':
        record['skip_reason'] = completion.error
        return record
    narration = completion.narration
    record.update(narration.as_record())
    record.update(usage=completion.usage, attempts=completion.attempts,
                  elapsed_ms=round(completion.elapsed_s * 1000))
    record.update(verify_narration(narration.final, item, thinking_closed=narration.thinking_closed,
                                   finish_reason=narration.finish_reason))
    return record


class Tally:
    """The stage's counts, reported to the job's progress when one is given
    (``pipeline.progress.Progress``: the bar and ``progress.json``, which limit their own rate)."""

    def __init__(self, total, progress=None, initial=0):
        self.total = total
        self._progress = progress
        self._reported = 0
        if progress is not None:
            progress.start_stage('translate', total=total, initial=initial)
        self.counts = collections.Counter()
        self.verdicts = collections.Counter()
        self.completion_tokens = 0
        self.prompt_tokens = 0
        self.start = time.monotonic()

    def snapshot(self):
        elapsed = time.monotonic() - self.start
        finished = self.counts['translated'] + self.counts['skipped'] + self.counts['failed']
        rate = finished / elapsed if elapsed > 0 else 0.0
        remaining = self.total - finished - self.counts['already_done']
        return {'stage': 'translate', 'total': self.total, 'done': self.counts['translated'],
                'skipped': self.counts['skipped'], 'failed': self.counts['failed'],
                'already_done': self.counts['already_done'], 'elapsed_s': round(elapsed, 1),
                'tokens_per_s': round(self.completion_tokens / elapsed, 1) if elapsed > 0 else 0.0,
                'eta_s': round(remaining / rate, 1) if rate > 0 else None}

    def update(self):
        if self._progress is None:
            return
        snap = self.snapshot()
        finished = snap['done'] + snap['skipped'] + snap['failed']
        self._progress.advance(finished - self._reported, counts=dict(
            translated=snap['done'], skipped=snap['skipped'], failed=snap['failed'],
            tokens_per_s=snap['tokens_per_s'], **{'verdict_' + k: v for k, v in self.verdicts.items()}))
        self._reported = finished


async def translate_folder_async(folder, config, *, progress=None, selected=None):
    """Translate ``folder/selected.jsonl`` into ``folder/translated.jsonl``; returns the stage's stats."""
    files = JobFolder(folder)
    selected = selected or files.selected
    template = load_template(config.template)
    out = JsonlAppender(files.translated)  # repairs a torn last line first
    failed = JsonlAppender(files.translate_failed)
    finished = done_ids(out.path)
    total = sum(1 for _ in iter_jsonl(selected))
    tracker = Tally(total, progress, initial=len(finished))
    budget = {'unit': 'chars', 'limit': config.prompt_budget or DEFAULT_PROMPT_BUDGET_CHARS,
              'counted_by': 'characters'}
    try:
        async with BatchClient(config) as client:
            await client.check()
            capped = client.fit_to_server()
            if capped:
                print('translate: max_tokens {asked} is more than the server\'s max_model_len {max_model_len}: '
                      'sending max_tokens {sent} (set --max-tokens, or start vLLM with a larger '
                      '--max-model-len)'.format(**capped), file=sys.stderr, flush=True)
            if config.budget_unit == 'tokens':
                budget = await _token_budget(client, config, selected, budget)

            def items():
                for item in iter_jsonl(selected):
                    if item['id'] in finished:
                        tracker.counts['already_done'] += 1
                        continue
                    finished.add(item['id'])  # an id twice in selected.jsonl is sent once
                    prompt = render_prompt(item, template)
                    if budget['unit'] == 'chars' and len(prompt) > budget['limit']:
                        reason = 'prompt_too_long: {} characters > {}'.format(len(prompt), budget['limit'])
                        on_result((item, len(prompt), None), (Completion('skipped', error=reason), None))
                        continue
                    yield item, len(prompt), prompt_messages(prompt)

            async def work(key, http):
                item, chars, messages = key
                tokens = None
                if budget['unit'] == 'tokens':
                    tokens = await client.count_tokens(messages)
                    if tokens is not None and tokens > budget['limit']:
                        return Completion('skipped', error='prompt_too_long: {} tokens > {}'.format(
                            tokens, budget['limit'])), tokens
                return await client.complete(messages, http), tokens

            def on_result(key, outcome):
                item, chars, _ = key
                completion, tokens = outcome
                if completion.rejected:
                    raise TranslatorRejected(
                        'the translator refused the request ({}); every item sends the same settings, so the '
                        'stage stopped after {} items: change the setting the server names'.format(
                            completion.error, tracker.counts['translated']))
                if completion.status == 'failed':
                    tracker.counts['failed'] += 1
                    failed.write({'id': item['id'], 'error': completion.error, 'attempts': completion.attempts,
                                  'at': time.time()})
                else:
                    record = translated_record(item, completion, model=config.model, prompt_chars=chars,
                                               prompt_tokens=tokens)
                    out.write(record)
                    if completion.status == 'ok':
                        tracker.counts['translated'] += 1
                        tracker.verdicts[record['verdict']] += 1
                        usage = completion.usage or {}
                        tracker.completion_tokens += usage.get('completion_tokens') or 0
                        tracker.prompt_tokens += usage.get('prompt_tokens') or 0
                        tracker.counts['retries'] += completion.attempts - 1
                    else:
                        tracker.counts['skipped'] += 1
                        tracker.counts['skipped_' + completion.error.split(':', 1)[0]] += 1
                tracker.update()

            await client.run(items(), on_result, work=work)
            tokenizer = client.tokenizer
    finally:
        out.close()
        failed.close()
    tracker.update()
    if budget['unit'] == 'tokens' and tokenizer:
        budget['counted_by'] = tokenizer
    stats = dict(tracker.snapshot(), counts=dict(tracker.counts), verdicts=dict(tracker.verdicts),
                 prompt_tokens=tracker.prompt_tokens, completion_tokens=tracker.completion_tokens,
                 prompt_budget=budget, translator=config.public(), max_tokens_capped=capped)
    return stats


async def _token_budget(client, config, selected, budget):
    """A token budget when the server can count; otherwise the character budget, said so."""
    first = next(iter(iter_jsonl(selected)), None)
    probe = prompt_messages(render_prompt(first, load_template(config.template))) if first else \
        prompt_messages('hello')
    if await client.count_tokens(probe) is None:
        return dict(budget, note='budget_unit tokens asked for, but the server has no /tokenize: counted characters')
    limit = config.prompt_budget
    if limit is None:
        context = client.max_model_len or 40960
        # Room for the answer: max_tokens, but never more than half the context (vLLM cuts a
        # completion to the room a prompt leaves).
        limit = max(1, context - min(config.sampling.get('max_tokens', 0), context // 2))
    return {'unit': 'tokens', 'limit': limit, 'counted_by': 'server /tokenize'}


def translate_folder(folder, config, *, progress=None, selected=None):
    return asyncio.run(translate_folder_async(folder, config, progress=progress, selected=selected))
