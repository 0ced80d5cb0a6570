"""Stage 2, trace: ``filtered.jsonl`` → ``traces.jsonl`` + ``documents.jsonl``, each item run in the sandbox.

The stage makes the tasks (problem by problem) and writes the records; where the items run
is the executor's business (``run(tasks)`` yields each task's report once, in any order).
"""

import json
import os
from collections import Counter

from .. import recheck
from ..executors import make_executor
from ..jsonl import JsonlAppender, iter_jsonl, json_bytes, repair_torn_tail
from ..sandbox import Limits
from ..trace_format import folding_stats
from ..trace_stage import PROBLEM_FIELDS, items_of, trace_payload
from .base import Stage, reason_rows

MAX_LISTED_MISMATCHES = 1000


def open_executor(cfg, limits, log):
    """The executor the job asks for (pipeline/executors: local pool or Ray cluster)."""
    return make_executor(cfg, limits, log)


class TraceStage(Stage):
    name = 'trace'
    reads = ('filtered',)
    writes = ('traces', 'documents')

    def done_ids(self, folder):
        repair_torn_tail(folder.traces)
        repair_torn_tail(folder.documents)
        done = {rec['id'] for rec in iter_jsonl(folder.traces)}
        _drop_orphan_documents(folder.documents, done)
        return done

    def run(self, ctx):
        cfg, folder, progress = ctx.cfg, ctx.folder, ctx.progress
        done = self.done_ids(folder)
        total = sum(min(len(pr['input_output']), cfg.pairs_per_problem) for pr in iter_jsonl(folder.filtered))
        pending = {}

        def tasks():
            for problem in iter_jsonl(folder.filtered):
                fields = {k: problem.get(k) for k in PROBLEM_FIELDS}
                for item in items_of(problem, cfg.pairs_per_problem, cfg.seed):
                    if item['id'] in done:
                        continue
                    pending[item['id']] = (fields, item)
                    yield item['id'], 'trace', trace_payload(problem, item, cfg.max_trace_lines, cfg.documents,
                                                                 cfg.trace_format), problem['id']

        counts = Counter()
        limits = Limits(timeout=cfg.timeout, memory_mb=cfg.memory_mb, hash_seed=cfg.hash_seed)
        progress.start_stage(self.name, total=total, initial=len(done))
        with open_executor(cfg, limits, ctx.log) as executor, \
                JsonlAppender(folder.traces) as traces, JsonlAppender(folder.documents) as documents:
            nodes = getattr(executor, 'nodes', None)
            if nodes:  # the cluster's nodes show before their first batch comes back
                progress.advance(0, nodes=nodes())
            for report in executor.run(tasks()):
                if report['id'] not in pending:
                    continue  # a duplicate report (an executor resent a batch)
                fields, item = pending.pop(report['id'])
                record = trace_record(fields, item, report)
                if report.get('document_json') is not None:  # as the child encoded it (strict JSON)
                    documents.write_line(b'{"id": ' + json_bytes(item['id']) + b', "document": '
                                         + report['document_json'] + b'}\n')
                elif (report.get('result') or {}).get('document') is not None:
                    documents.write({'id': item['id'], 'document': report['result']['document']})
                traces.write(record)  # last: an item counts as done once its record is written
                counts[record['status']] += 1
                progress.advance(counts=dict(counts), nodes=nodes() if nodes else None)
        ctx.stats['sandbox'] = 'bubblewrap' if executor.sandboxed else 'process limits only'
        if cfg.recheck:
            # Every ok item once more, in a second executor started for it (its own sandbox
            # and pool process, so addresses and per-process state differ): pipeline/recheck.py.
            recheck.recheck_traces(folder, lambda: open_executor(cfg, limits, ctx.log), cfg, progress, counts)
        return self.stats_of(folder)

    @staticmethod
    def stats_of(folder):
        """The stage's stats, counted from ``traces.jsonl`` (also for a merged folder)."""
        statuses, matches = Counter(), Counter()
        n = 0
        mismatched = []
        folding = []
        for rec in iter_jsonl(folder.traces):
            n += 1
            if rec.get('folding'):
                folding.append({k: rec.get(k) for k in ('status', 'n_lines', 'folding')})
            statuses[rec['status']] += 1
            if rec['status'] == 'ok':
                matches['output_matches' if rec.get('output_matches') else 'output_mismatch'] += 1
                if not rec.get('output_matches') and len(mismatched) < MAX_LISTED_MISMATCHES:
                    mismatched.append(rec['id'])
        stats = {'in': n, 'out': statuses.get('ok', 0), 'reasons': dict(statuses),
                 'returned_values': dict(matches), 'output_mismatch_ids': mismatched}
        if folding:  # the compact format: how many traces were folded, and by how much
            stats['folding'] = folding_stats(folding)
        if os.path.exists(folder.rechecks):
            stats['recheck'] = recheck.recheck_stats(folder)
        return stats

    def extra_rows(self, stats):
        rows = reason_rows({k.replace('_', ' '): n for k, n in stats.get('returned_values', {}).items()},
                           prefix='ok items: ')
        folding = stats.get('folding')
        if folding and folding.get('traces'):
            rows.append(('ok items: folded (compact format)', folding['folded']))
            rows.append(('ok items: lines kept by folding, %', round(100 * folding['lines_kept_fraction'])))
        checked = stats.get('recheck')
        if checked:
            rows.append(('ok items: rechecked', checked['checked']))
            rows.append(('ok items: nondeterministic', checked['nondeterministic']))
            if checked.get('second_run_hit_a_limit'):
                rows.append(('  of which the second run hit a limit', checked['second_run_hit_a_limit']))
            if checked['cpu_ratio'] is not None:
                rows.append(('second run CPU, % of trace CPU', round(100 * checked['cpu_ratio'])))
        return rows


def trace_record(fields, item, report):
    result = report.get('result') or {}
    record = dict(item)
    record.update(fields)
    record.update({
        'status': report['status'],
        'error': report.get('error'),
        'trace': result.get('trace', ''),
        'return_value': result.get('return_value'),
        'output_matches': result.get('output_matches'),
        'n_lines': result.get('n_lines', 0),
        'elapsed_ms': report.get('elapsed_ms'),
        'cpu_ms': report.get('cpu_ms'),
        'output_bytes': report.get('output_bytes', 0),
    })
    for key in ('snoop_trace', 'folding'):  # the compact format: the full text, and what folding did
        if key in result:
            record[key] = result[key]
    return record


def _drop_orphan_documents(path, done):
    """A document written just before a kill, without its trace record, is dropped."""
    if not any(rec['id'] not in done for rec in iter_jsonl(path)):
        return
    tmp = path + '.compact'
    with open(tmp, 'w', encoding='utf-8') as out:
        for rec in iter_jsonl(path):
            if rec['id'] in done:
                out.write(json.dumps(rec, ensure_ascii=False) + '\n')
    os.replace(tmp, path)
