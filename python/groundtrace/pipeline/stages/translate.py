"""Stage 4, translate: ``selected.jsonl`` → ``translated.jsonl`` through the translator (``translate/``)."""

from ..jsonl import iter_jsonl
from .base import Stage, reason_rows


class TranslateStage(Stage):
    name = 'translate'
    reads = ('selected',)
    writes = ('translated', 'translate_failed')

    def skip_reason(self, ctx):
        translator = ctx.cfg.translator
        if translator is None or not translator.urls:
            return 'no translator endpoint (give --translator-url, or set GROUNDTRACE_TRANSLATOR_URL)'
        if not ctx.folder.has('selected'):
            return 'no {} yet (the select stage writes it)'.format(ctx.folder.selected)
        return None

    def done_ids(self, folder):
        return {rec['id'] for rec in iter_jsonl(folder.translated)}

    def run(self, ctx):
        # Imported here: the HTTP client loads only when a job translates.
        from ...translate.stage import translate_folder

        stats = translate_folder(ctx.folder.root, ctx.cfg.translator, progress=ctx.progress)
        reasons = {k: v for k, v in stats['counts'].items() if k.startswith('skipped_')}
        if stats['failed']:
            reasons['failed'] = stats['failed']
        return dict(stats, reasons=reasons, **{'in': stats['total'], 'out': stats['done'] + stats['already_done']})

    def extra_rows(self, stats):
        return reason_rows(stats.get('verdicts', {}), prefix='verdict ')
