"""Stage 3, select: ``traces.jsonl`` → ``selected.jsonl`` (rules in ``pipeline/selection.py``)."""

from ..recheck import nondeterministic_ids
from ..selection import select_traces
from .base import Stage


class SelectStage(Stage):
    name = 'select'
    reads = ('traces',)
    writes = ('selected',)

    def run(self, ctx):
        cfg = ctx.cfg
        ctx.progress.start_stage(self.name, total=ctx.stats['stages'].get('trace', {}).get('in'))
        return select_traces(ctx.folder.traces, ctx.folder.selected, per_problem=cfg.traces_per_problem,
                             max_lines=cfg.max_trace_lines, seed=cfg.seed,
                             require_output_match=cfg.require_output_match, progress=ctx.progress,
                             nondeterministic=nondeterministic_ids(ctx.folder),
                             keep_nondeterministic=cfg.keep_nondeterministic)

    def extra_rows(self, stats):
        n = stats.get('kept_with_output_mismatch')
        return [('kept with output mismatch', n)] if n else []
