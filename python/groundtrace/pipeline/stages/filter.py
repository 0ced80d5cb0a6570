"""Stage 1, filter: input problems → ``filtered.jsonl`` + ``rejected.jsonl`` (rules in ``pipeline/filter.py``)."""

import itertools
from collections import Counter

from .. import filter as filter_rules
from ..jsonl import JsonlAppender, iter_jsonl, repair_torn_tail
from ..problem_sample import sampled_line_numbers
from ..records import Malformed, detected_format, read_problems
from .base import Stage

MAX_LISTED_MALFORMED = 1000

PAIR_NOTES = {
    'duplicate_pairs': 'pairs dropped as duplicates',
    'input_too_large': 'pairs dropped, input too large',
    'problems_with_duplicate_pairs': 'problems with duplicate pairs',
    'no_usable_pairs': 'problems left with no pair',
    'unencodable_input': 'pairs dropped, input not a literal value',
    'assert_not_an_equality': 'asserts skipped: not f(...) == value',
    'assert_left_side_not_a_call': 'asserts skipped: no call left of ==',
    'assert_calls_another_function': 'asserts skipped: call of another function',
    'assert_bad_syntax': 'asserts skipped: not Python',
    'assert_starred_arguments': 'asserts skipped: *args or **kwargs',
    'assert_too_many_arguments': 'asserts skipped: too many arguments',
    'assert_bad_call': 'asserts skipped: an argument given twice',
}


class FilterStage(Stage):
    name = 'filter'
    reads = ()  # the job's input file
    writes = ('filtered', 'rejected')

    def done_ids(self, folder):
        return {str(rec['id']) for rec in iter_jsonl(folder.filtered)}

    def run(self, ctx):
        cfg, folder, progress = ctx.cfg, ctx.folder, ctx.progress
        done_upto = 0
        for path in (folder.filtered, folder.rejected):
            repair_torn_tail(path)
            for rec in iter_jsonl(path):
                done_upto = max(done_upto, rec['line_no'])
        seen_ids = self.done_ids(folder)
        sample = None
        if cfg.sample is not None:
            sample = sampled_line_numbers((line_no for line_no, _ in read_problems(cfg.input)), cfg.sample, cfg.seed)
        progress.start_stage(self.name, total=cfg.limit if sample is None else len(sample), initial=0)
        with JsonlAppender(folder.filtered) as kept, JsonlAppender(folder.rejected) as rejected:
            formats = Counter()
            rows = read_problems(cfg.input, input_format=cfg.input_format, formats=formats)
            for line_no, record in itertools.islice(rows, cfg.limit):  # no row past the limit is read
                if sample is not None and line_no not in sample:
                    continue
                progress.advance()
                if line_no <= done_upto:
                    continue
                if isinstance(record, Malformed):
                    if cfg.shard is None or cfg.shard[0] == 0:  # listed by one shard only
                        rejected.write({'stage': 'input', 'line_no': line_no, 'reason': record.reason,
                                        'detail': record.detail})
                    continue
                problem_id = record['meta']['msgidx']
                if cfg.shard is not None and filter_rules.shard_of(problem_id, cfg.shard[1]) != cfg.shard[0]:
                    continue
                if str(problem_id) in seen_ids:
                    rejected.write({'stage': 'filter', 'line_no': line_no, 'problem_id': problem_id,
                                    'reason': 'duplicate_problem_id'})
                    continue
                problem, notes = filter_rules.filter_problem(record, size_limits=cfg.size_limits)
                if problem is None:
                    (reason,) = notes
                    rejected.write({'stage': 'filter', 'line_no': line_no, 'problem_id': problem_id,
                                    'reason': reason})
                    continue
                seen_ids.add(str(problem_id))
                problem['line_no'] = line_no
                problem['filter_notes'] = notes
                kept.write(problem)
        stats = self.stats_of(folder)
        stats['input_format'] = {'requested': cfg.input_format, 'detected': detected_format(formats),
                                 'counts': dict(formats)}
        if done_upto and not formats:  # resumed after the last line: keep what the first run saw
            stats['input_format'] = ctx.stats.get('stages', {}).get('filter', {}).get('input_format',
                                                                                      stats['input_format'])
        ctx.stats['input_format'] = stats['input_format']
        return stats

    @staticmethod
    def stats_of(folder):
        """The stage's stats, counted from its files (also for a merged folder)."""
        reasons, pair_notes, malformed = Counter(), Counter(), Counter()
        listed = []
        kept = 0
        for rec in iter_jsonl(folder.filtered):
            kept += 1
            notes = rec.get('filter_notes', {})
            pair_notes.update(notes)
            if 'duplicate_pairs' in notes:
                pair_notes['problems_with_duplicate_pairs'] += 1
        for rec in iter_jsonl(folder.rejected):
            if rec['stage'] == 'input':
                malformed[rec['reason']] += 1
                if len(listed) < MAX_LISTED_MALFORMED:
                    listed.append({k: rec[k] for k in ('line_no', 'reason', 'detail')})
            else:
                reasons[rec['reason']] += 1
        return {'in': kept + sum(reasons.values()), 'out': kept, 'reasons': dict(reasons),
                'pairs': dict(pair_notes),
                'malformed_input': {'count': sum(malformed.values()), 'reasons': dict(malformed),
                                    'lines': listed}}

    def extra_rows(self, stats):
        rows = [(PAIR_NOTES.get(k, k), n) for k, n in sorted(stats.get('pairs', {}).items()) if n]
        malformed = stats.get('malformed_input', {}).get('count', 0)
        detected = (stats.get('input_format') or {}).get('detected')
        return ([('input format: ' + detected, stats['input_format']['counts'][detected])] if detected else []) + \
            rows + ([('malformed input lines', malformed)] if malformed else [])
