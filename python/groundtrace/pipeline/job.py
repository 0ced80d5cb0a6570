"""A dataset job in one output folder: runs the stages in order, resumably.

The CLI and the side panel both drive ``run_job``; everything a job knows lives in its
folder (see ``FOLDER_README``).
"""

import json
import os
import time
from collections import Counter
from dataclasses import dataclass

from . import filter as filter_rules
from .build import build_dataset
from .jsonl import FolderLock, JsonlAppender, iter_jsonl, repair_torn_tail, write_atomic, write_json_atomic
from .progress import Progress
from .records import Malformed, read_problems
from .sandbox import Limits, WorkerPool
from .selection import select_traces
from .trace_stage import PROBLEM_FIELDS, items_of, trace_payload

STAGES = ('filter', 'trace', 'select', 'translate', 'build')
MAX_LISTED_MALFORMED = 1000

FOLDER_README = """\
# groundtrace dataset folder

Written by `groundtrace run`; every file is appended or replaced atomically, so the job
can be killed and rerun with the same command to resume.

- `job.json` — the settings of the job (a rerun must use the same ones).
- `filtered.jsonl` — problems that passed the filter, with their usable i/o pairs
  (`input_output`), `line_no` in the input and `filter_notes` (pairs dropped and why).
- `rejected.jsonl` — input lines that were skipped: malformed lines (`stage: "input"`) and
  problems rejected by the filter (`stage: "filter"`), each with its line number and reason.
- `traces.jsonl` — every attempted item (`{problem_id}_{pair_index}`) with its `status`
  (ok, error, timeout, memory, crash, too_long, output_limit, exit, incomplete), the snoop
  `trace` text, `return_value` {repr, json}, `output_matches`, `n_lines`, `elapsed_ms`.
- `documents.jsonl` — the structured trace (`{"id", "document"}`) of each successful item
  (`--documents all` keeps them for every item), for viewers.
- `selected.jsonl` — the traces chosen for translation.
- `translated.jsonl` — selected traces with the translator's `nl_trace` (translate stage).
- `train.jsonl` + `dataset_info.json` — the LLaMA-Factory dataset (sharegpt, `messages`).
- `stats.json` — counts per stage and reason, timings, malformed input lines.
- `progress.json` — the running job's stage, done/total, rate and ETA (for the UI).
"""

# Settings that change what is produced: a resumed job must not mix two of them.
DATA_SETTINGS = ('input', 'pairs_per_problem', 'max_trace_lines', 'timeout', 'seed', 'shard',
                 'limit', 'hash_seed')


class JobError(RuntimeError):
    pass


@dataclass
class JobConfig:
    input: str
    output: str
    stages: tuple = ('filter', 'trace', 'select', 'build')
    limit: int = None
    workers: int = None
    pairs_per_problem: int = 10
    traces_per_problem: int = 1
    max_trace_lines: int = 300
    timeout: float = 5.0
    memory_mb: int = 1024
    seed: int = 123
    shard: tuple = None  # (k, n)
    hash_seed: str = '0'
    sandbox: bool = True  # bubblewrap where available
    translated: str = None
    template: str = None
    max_length: int = 8192
    tokenizer: str = None
    require_output_match: bool = False
    documents: str = 'ok'  # structured traces kept for: 'all' items, 'ok' items, 'none'
    quiet: bool = False


def paths(folder):
    names = ('filtered', 'rejected', 'traces', 'documents', 'selected', 'translated', 'train')
    p = {n: os.path.join(folder, n + '.jsonl') for n in names}
    p.update(stats=os.path.join(folder, 'stats.json'), job=os.path.join(folder, 'job.json'))
    return p


def _check_settings(cfg, p):
    mine = {k: _jsonable(getattr(cfg, k)) for k in DATA_SETTINGS}
    mine['input'] = os.path.abspath(cfg.input)
    if os.path.exists(p['job']):
        with open(p['job']) as f:
            before = json.load(f)
        changed = {k: (before.get(k), v) for k, v in mine.items() if before.get(k) != v}
        if changed:
            raise JobError('{} was started with other settings ({}); use a new output folder or '
                           'the same settings to resume'.format(cfg.output, ', '.join(
                               '{}: {} → {}'.format(k, a, b) for k, (a, b) in changed.items())))
    else:
        write_json_atomic(p['job'], mine)


def _jsonable(v):
    return list(v) if isinstance(v, tuple) else v


def load_stats(p):
    if os.path.exists(p['stats']):
        with open(p['stats']) as f:
            return json.load(f)
    return {'stages': {}, 'timings_s': {}}


# ------------------------------------------------------------------ filter

def run_filter(cfg, p, progress):
    done_upto = 0
    for name in ('filtered', 'rejected'):
        repair_torn_tail(p[name])
        for rec in iter_jsonl(p[name]):
            done_upto = max(done_upto, rec['line_no'])
    seen_ids = {str(rec['id']) for rec in iter_jsonl(p['filtered'])}
    progress.start_stage('filter', total=cfg.limit, initial=0)
    with JsonlAppender(p['filtered']) as kept, JsonlAppender(p['rejected']) as rejected:
        n = 0
        for line_no, record in read_problems(cfg.input):
            n += 1
            if cfg.limit is not None and n > cfg.limit:
                break
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
            problem, notes = filter_rules.filter_problem(record)
            if problem is None:
                (reason,) = notes
                rejected.write({'stage': 'filter', 'line_no': line_no, 'problem_id': problem_id,
                                'reason': reason})
                continue
            seen_ids.add(str(problem_id))
            problem['line_no'] = line_no
            problem['filter_notes'] = notes
            kept.write(problem)
    progress.end_stage()
    return filter_stats(p)


def filter_stats(p):
    reasons, pair_notes, malformed = Counter(), Counter(), Counter()
    listed = []
    kept = 0
    for rec in iter_jsonl(p['filtered']):
        kept += 1
        notes = rec.get('filter_notes', {})
        pair_notes.update(notes)
        if 'duplicate_pairs' in notes:
            pair_notes['problems_with_duplicate_pairs'] += 1
    for rec in iter_jsonl(p['rejected']):
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


# ------------------------------------------------------------------ trace

def _done_ids(p):
    repair_torn_tail(p['traces'])
    repair_torn_tail(p['documents'])
    done = {rec['id'] for rec in iter_jsonl(p['traces'])}
    # A document written just before a kill, without its trace record, is dropped.
    if os.path.exists(p['documents']):
        orphan = False
        for rec in iter_jsonl(p['documents']):
            if rec['id'] not in done:
                orphan = True
                break
        if orphan:
            tmp = p['documents'] + '.compact'
            with open(tmp, 'w', encoding='utf-8') as out:
                for rec in iter_jsonl(p['documents']):
                    if rec['id'] in done:
                        out.write(json.dumps(rec, ensure_ascii=False) + '\n')
            os.replace(tmp, p['documents'])
    return done


def run_trace(cfg, p, progress, log):
    done = _done_ids(p)
    total = sum(min(len(pr['input_output']), cfg.pairs_per_problem) for pr in iter_jsonl(p['filtered']))
    pending = {}

    def tasks():
        for problem in iter_jsonl(p['filtered']):
            fields = {k: problem.get(k) for k in PROBLEM_FIELDS}
            for item in items_of(problem, cfg.pairs_per_problem, cfg.seed):
                if item['id'] in done:
                    continue
                pending[item['id']] = (fields, item)
                yield item['id'], 'trace', trace_payload(problem, item, cfg.max_trace_lines, cfg.documents)

    counts = Counter()
    limits = Limits(timeout=cfg.timeout, memory_mb=cfg.memory_mb, hash_seed=cfg.hash_seed)
    progress.start_stage('trace', total=total, initial=len(done))
    with WorkerPool(cfg.workers or os.cpu_count() or 1, limits, use_bwrap=cfg.sandbox, log=log) as pool, \
            JsonlAppender(p['traces']) as traces, JsonlAppender(p['documents']) as documents:
        for report in pool.run(tasks()):
            fields, item = pending.pop(report['id'])
            record = trace_record(fields, item, report)
            document = (report.get('result') or {}).get('document')
            if document is not None:
                documents.write({'id': item['id'], 'document': document})
            traces.write(record)  # last: an item counts as done once its record is written
            counts[record['status']] += 1
            progress.advance(counts=dict(counts))
    progress.end_stage()
    return trace_stats(p), pool.sandboxed


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
    return record


def trace_stats(p):
    statuses, matches = Counter(), Counter()
    n = 0
    mismatched = []
    for rec in iter_jsonl(p['traces']):
        n += 1
        statuses[rec['status']] += 1
        if rec['status'] == 'ok':
            matches['output_matches' if rec.get('output_matches') else 'output_mismatch'] += 1
            if not rec.get('output_matches') and len(mismatched) < 1000:
                mismatched.append(rec['id'])
    return {'in': n, 'out': statuses.get('ok', 0), 'reasons': dict(statuses),
            'returned_values': dict(matches), 'output_mismatch_ids': mismatched}


# ------------------------------------------------------------------ the job

def run_job(cfg, log=print):
    os.makedirs(cfg.output, exist_ok=True)
    p = paths(cfg.output)
    stages = [s for s in STAGES if s in cfg.stages]
    with FolderLock(cfg.output):
        _check_settings(cfg, p)
        if not os.path.exists(os.path.join(cfg.output, 'README.md')):
            write_atomic(os.path.join(cfg.output, 'README.md'), FOLDER_README)
        stats = load_stats(p)
        progress = Progress(cfg.output, stages, quiet=cfg.quiet)
        try:
            for stage in stages:
                started = time.monotonic()
                if stage == 'filter':
                    stats['stages']['filter'] = run_filter(cfg, p, progress)
                elif stage == 'trace':
                    stats['stages']['trace'], sandboxed = run_trace(cfg, p, progress, log)
                    stats['sandbox'] = 'bubblewrap' if sandboxed else 'process limits only'
                elif stage == 'select':
                    progress.start_stage('select', total=stats['stages'].get('trace', {}).get('in'))
                    stats['stages']['select'] = select_traces(
                        p['traces'], p['selected'], per_problem=cfg.traces_per_problem,
                        max_lines=cfg.max_trace_lines, seed=cfg.seed,
                        require_output_match=cfg.require_output_match, progress=progress)
                    progress.end_stage()
                elif stage == 'translate':
                    raise JobError('the translate stage is not available yet; run the other stages '
                                   'and provide translated.jsonl')
                elif stage == 'build':
                    source = cfg.translated or p['translated']
                    if not os.path.exists(source):
                        log('build: skipped, no {} yet (the translate stage writes it)'.format(source))
                        continue
                    progress.start_stage('build')
                    stats['stages']['build'] = build_dataset(
                        source, cfg.output, template_path=cfg.template, max_length=cfg.max_length,
                        tokenizer=cfg.tokenizer, dataset_name=_dataset_name(cfg.output),
                        progress=progress)
                    progress.end_stage()
                stats['timings_s'][stage] = round(time.monotonic() - started, 2)
                write_json_atomic(p['stats'], stats)
        except BaseException as exc:
            progress.finish('failed', error='{}: {}'.format(type(exc).__name__, exc))
            raise
        progress.finish()
    return stats


def _dataset_name(folder):
    name = os.path.basename(os.path.abspath(folder)) or 'groundtrace'
    return 'groundtrace_' + ''.join(c if c.isalnum() else '_' for c in name)


PAIR_NOTES = {
    'duplicate_pairs': 'pairs dropped as duplicates',
    'input_too_large': 'pairs dropped, input too large',
    'problems_with_duplicate_pairs': 'problems with duplicate pairs',
    'no_usable_pairs': 'problems left with no pair',
}


def summary_table(stats):
    """Counts per stage and per reason, as text."""
    rows = []
    for stage in STAGES:
        s = stats['stages'].get(stage)
        if not s:
            continue
        rows.append((stage, 'in', s['in']))
        rows.append((stage, 'out', s['out']))
        for reason, n in sorted(s.get('reasons', {}).items(), key=lambda kv: -kv[1]):
            rows.append((stage, '  ' + reason, n))
        for reason, n in sorted(s.get('pairs', {}).items()):
            rows.append((stage, '  ' + PAIR_NOTES.get(reason, reason), n))
        for reason, n in sorted(s.get('returned_values', {}).items()):
            rows.append((stage, '  ok items: ' + reason.replace('_', ' '), n))
        if stage == 'filter' and s['malformed_input']['count']:
            rows.append((stage, '  malformed input lines', s['malformed_input']['count']))
        if stage == 'select' and s.get('kept_with_output_mismatch'):
            rows.append((stage, '  kept with output mismatch', s['kept_with_output_mismatch']))
    w1 = max([len(r[0]) for r in rows] + [5])
    w2 = max([len(r[1]) for r in rows] + [5])
    lines = ['{:<{}}  {:<{}}  {:>8}'.format('stage', w1, 'count', w2, 'n'),
             '{}  {}  {}'.format('-' * w1, '-' * w2, '-' * 8)]
    for stage, label, n in rows:
        lines.append('{:<{}}  {:<{}}  {:>8}'.format(stage, w1, label, w2, n))
    return '\n'.join(lines)
