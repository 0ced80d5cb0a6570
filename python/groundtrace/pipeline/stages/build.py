"""Stage 5, build: ``translated.jsonl`` → ``train.jsonl`` + ``dataset_info.json`` (``pipeline/build.py``),
training only on what the verdict policy allows."""

import os

from ..build import build_dataset
from .base import Stage, reason_rows


class BuildStage(Stage):
    name = 'build'
    reads = ('translated',)
    writes = ('train', 'dataset_info')

    def source(self, ctx):
        return ctx.cfg.translated or ctx.folder.translated

    def skip_reason(self, ctx):
        if not os.path.exists(self.source(ctx)):
            return 'no {} yet (the translate stage writes it)'.format(self.source(ctx))
        return None

    def run(self, ctx):
        cfg = ctx.cfg
        ctx.progress.start_stage(self.name)
        return build_dataset(self.source(ctx), ctx.folder.root, template_path=cfg.template,
                             max_length=cfg.max_length, tokenizer=cfg.tokenizer,
                             dataset_name=dataset_name(ctx.folder.root), policy=cfg.verdict_policy,
                             progress=ctx.progress)

    def extra_rows(self, stats):
        # build re-checks every answer; these are its verdicts (the dropped ones are among the reasons)
        return reason_rows(stats.get('verdicts', {}), prefix='checked: ')


def dataset_name(folder):
    name = os.path.basename(os.path.abspath(folder)) or 'groundtrace'
    return 'groundtrace_' + ''.join(c if c.isalnum() else '_' for c in name)
