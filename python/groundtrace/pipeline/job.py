"""A dataset job in one output folder: runs the stages the job asks for, in order, resumably.

The CLI and the side panel both drive ``run_job``; everything a job knows lives in its
folder (``job_folder.JobFolder``); each stage is a class of ``pipeline/stages``.
"""

import os
import time
from dataclasses import dataclass

from ..verify import DEFAULT_POLICY, parse_policy
from .job_folder import JobFolder
from .progress import Progress
from .run_options import DEFAULTS, STAGE_NAMES
from .stages import REGISTRY, StageContext

STAGES = STAGE_NAMES

# Settings that change what is produced: a resumed job must not mix two of them.
DATA_SETTINGS = ('input', 'pairs_per_problem', 'max_trace_lines', 'timeout', 'seed', 'shard',
                 'limit', 'sample', 'hash_seed', 'trace_format', 'input_format', 'size_limits', 'recheck')


class JobError(RuntimeError):
    pass


@dataclass
class JobConfig:
    input: str
    output: str
    input_format: str = DEFAULTS['input_format']  # auto|pyedu|cruxeval|asserts
    size_limits: str = DEFAULTS['size_limits']  # pyedu|none; None: per source
    stages: tuple = DEFAULTS['stages']
    limit: int = DEFAULTS['limit']
    sample: int = DEFAULTS['sample']  # a seeded sample of N problems instead of the first N
    workers: int = DEFAULTS['workers']
    pairs_per_problem: int = DEFAULTS['pairs_per_problem']
    traces_per_problem: int = DEFAULTS['traces_per_problem']
    max_trace_lines: int = DEFAULTS['max_trace_lines']
    timeout: float = DEFAULTS['timeout']
    memory_mb: int = DEFAULTS['memory_mb']
    seed: int = DEFAULTS['seed']
    shard: tuple = None  # (k, n)
    hash_seed: str = DEFAULTS['hash_seed']
    sandbox: bool = True  # bubblewrap where available
    documents: str = DEFAULTS['documents']  # structured traces kept for: 'all' items, 'ok' items, 'none'
    trace_format: str = DEFAULTS['trace_format']
    executor: str = DEFAULTS['executor']
    ray_address: str = DEFAULTS['ray_address']
    ray_cpus_per_actor: int = DEFAULTS['ray_cpus_per_actor']
    translator: object = None  # translate.config.TranslatorConfig; None: translate is skipped
    verdict_policy: str = DEFAULT_POLICY
    translated: str = None  # the file build reads (default: the folder's translated.jsonl)
    template: str = None
    max_length: int = DEFAULTS['max_length']
    tokenizer: str = None
    require_output_match: bool = DEFAULTS['require_output_match']
    recheck: bool = DEFAULTS['recheck']  # trace ok items twice to find nondeterministic ones
    keep_nondeterministic: bool = DEFAULTS['keep_nondeterministic']
    quiet: bool = False


def _check_settings(cfg, folder):
    mine = {k: _jsonable(getattr(cfg, k)) for k in DATA_SETTINGS}
    mine['input'] = os.path.abspath(cfg.input)
    before = folder.read_settings()
    if before is None:
        folder.write_settings(mine)
        return
    # a setting newer than the folder's job.json had its default there
    changed = {k: (before.get(k, DEFAULTS.get(k)), v) for k, v in mine.items()
               if before.get(k, DEFAULTS.get(k)) != v}
    if changed:
        raise JobError('{} was started with other settings ({}); use a new output folder or '
                       'the same settings to resume'.format(cfg.output, ', '.join(
                           '{}: {} → {}'.format(k, a, b) for k, (a, b) in changed.items())))


def _jsonable(v):
    return list(v) if isinstance(v, tuple) else v


def run_job(cfg, log=print):
    """Run the job's stages; returns its stats (also in ``stats.json``)."""
    if cfg.limit is not None and cfg.sample is not None:
        raise JobError('choose --limit (the first N problems) or --sample (a seeded sample of N), not both')
    parse_policy(cfg.verdict_policy)  # a typo fails before any work is done
    folder = JobFolder(cfg.output)
    folder.create()
    with folder.lock():
        _check_settings(cfg, folder)
        return run_stages(cfg, folder, log)


def run_stages(cfg, folder, log=print):
    """Run ``cfg.stages`` in order in a folder whose lock the caller holds (``run_job``, or one
    stage alone: ``groundtrace translate``); returns the folder's stats, written to ``stats.json``."""
    stages = [REGISTRY[name] for name in STAGES if name in cfg.stages]
    stats = folder.load_stats()
    progress = Progress(folder.progress, [s.name for s in stages], quiet=cfg.quiet)
    ctx = StageContext(cfg=cfg, folder=folder, progress=progress, log=log, stats=stats)
    skipped = stats['skipped'] = {}
    try:
        for stage in stages:
            reason = stage.skip_reason(ctx)
            if reason:
                log('{}: skipped, {}'.format(stage.name, reason))
                skipped[stage.name] = reason
                progress.skip_stage(stage.name, reason)
                continue
            started = time.monotonic()
            progress.start_stage(stage.name)
            stats['stages'][stage.name] = stage.run(ctx)
            stats['timings_s'][stage.name] = round(time.monotonic() - started, 2)
            folder.write_stats(stats)
            progress.end_stage(summary(stats, stage.name), name=stage.name)
        folder.write_stats(stats)
    except BaseException as exc:
        progress.finish('failed', error='{}: {}'.format(type(exc).__name__, exc))
        raise
    progress.finish()
    return stats


def summary(stats, stage):
    """A stage's rows (label, count) from the job's stats: what the CLI prints and the panel shows."""
    return REGISTRY[stage].summary(stats['stages'][stage])


def summary_table(stats):
    """Counts per stage and per reason, as text: each stage's summary rows (reasons indented)."""
    rows = []
    for stage in STAGES:
        if stage in stats.get('skipped', {}):
            rows.append((stage, 'skipped: ' + stats['skipped'][stage], ''))
        elif stats['stages'].get(stage):
            for label, n in summary(stats, stage):
                rows.append((stage, label if label in ('in', 'out') else '  ' + label, n))
    w1 = max([len(r[0]) for r in rows] + [5])
    w2 = max([len(r[1]) for r in rows if r[2] != ''] + [5])
    lines = ['{:<{}}  {:<{}}  {:>8}'.format('stage', w1, 'count', w2, 'n'),
             '{}  {}  {}'.format('-' * w1, '-' * w2, '-' * 8)]
    for stage, label, n in rows:
        lines.append('{:<{}}  {:<{}}  {:>8}'.format(stage, w1, label, w2, n).rstrip())
    return '\n'.join(lines)
