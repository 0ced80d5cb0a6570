"""``groundtrace`` on the command line: run a dataset job, merge shards, show a job's status."""

import argparse
import json
import os
import sys

from .pipeline.job import (
    DATA_SETTINGS,
    STAGES,
    JobConfig,
    JobError,
    run_job,
    summary_table,
)
from .pipeline.job_folder import MERGED_FILES, FolderLocked, JobFolder
from .pipeline.jsonl import JsonlAppender, iter_jsonl
from .pipeline.records import InputError
from .pipeline.run_options import add_option
from .pipeline.stages import REGISTRY
from .status import status_text
from .translate import cli as translate_cli
from .verify import DEFAULT_POLICY, POLICIES, VERDICTS


def _shard(text):
    try:
        k, n = (int(x) for x in text.split('/'))
    except ValueError:
        raise argparse.ArgumentTypeError('expected K/N, e.g. 0/4')
    if not (n >= 1 and 0 <= k < n):
        raise argparse.ArgumentTypeError('K must be in 0..N-1')
    return k, n


def _stages(text):
    stages = tuple(s.strip() for s in text.split(',') if s.strip())
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise argparse.ArgumentTypeError('unknown stage(s) {}; choose from {}'.format(
            ', '.join(unknown), ', '.join(STAGES)))
    return stages


def build_parser():
    parser = argparse.ArgumentParser(
        prog='groundtrace',
        description='Turn program execution into step-by-step reasoning data.')
    sub = parser.add_subparsers(dest='command', required=True)

    run = sub.add_parser(
        'run', help='run the dataset stages into an output folder (resumable)',
        description='Run filter → trace → select → translate → build (translate when a translator '
                    'endpoint is given, build when translated.jsonl exists). Rerun the same command '
                    'to resume after an interruption.')
    run.add_argument('--input', required=True,
                     help='problems as JSONL (PyEdu/CodeI/O records or CRUXEval-style '
                          'code/input/output records), plain or .gz')
    run.add_argument('--output', required=True, help='the job folder; created if missing')
    add_option(run, 'input_format')
    add_option(run, 'size_limits')
    add_option(run, 'stages', type=_stages, metavar='STAGE,…')
    add_option(run, 'limit', type=int)
    add_option(run, 'sample', type=int, metavar='N')
    add_option(run, 'workers', type=int)
    add_option(run, 'pairs_per_problem', type=int)
    add_option(run, 'traces_per_problem', type=int)
    add_option(run, 'max_trace_lines', type=int)
    add_option(run, 'timeout', type=float)
    add_option(run, 'memory_mb', type=int)
    add_option(run, 'seed', type=int)
    run.add_argument('--shard', type=_shard,
                     help='K/N: run only shard K (0..N-1) of N, split by problem id, e.g. '
                          '$SLURM_ARRAY_TASK_ID/8; join the folders with `groundtrace merge`')
    add_option(run, 'hash_seed')
    run.add_argument('--no-bwrap', action='store_true',
                     help='do not run the worker pool inside bubblewrap (limits only)')
    add_option(run, 'documents')
    add_option(run, 'trace_format')
    add_option(run, 'executor')
    add_option(run, 'ray_address', metavar='ADDR')
    add_option(run, 'ray_cpus_per_actor', type=int, metavar='N')
    run.add_argument('--translated', help='the translated file build reads (default OUTPUT/translated.jsonl)')
    run.add_argument('--template', help='your own training prompt template ($question, $code, $input)')
    add_option(run, 'max_length', type=int)
    run.add_argument('--tokenizer', help='a Hugging Face tokenizer name for --max-length (needs transformers)')
    add_option(run, 'require_output_match')
    add_option(run, 'recheck')
    add_option(run, 'keep_nondeterministic')
    run.add_argument('--verdict-policy', default=DEFAULT_POLICY,
                     help='which verdicts build trains on: {} or drop:V,… / keep:V,… with V from {} '
                          '(default: {})'.format(', '.join(POLICIES), ', '.join(VERDICTS), DEFAULT_POLICY))
    run.add_argument('--quiet', action='store_true', help='no progress bars')
    translate_cli.add_translate_arguments(run)

    merge = sub.add_parser(
        'merge', help='join shard folders into one folder and select (and build) over all',
        description='Concatenate the filter and trace outputs of shard folders (each item once), '
                    'then run select, and build when translated.jsonl files exist.')
    merge.add_argument('shards', nargs='+', help='shard folders written by `run --shard`')
    merge.add_argument('--output', required=True, help='the merged folder')
    add_option(merge, 'traces_per_problem', type=int)
    merge.add_argument('--quiet', action='store_true', help='no progress bars')

    status = sub.add_parser('status', help="print a job folder's progress (running or not)")
    status.add_argument('folder', help='a job folder')
    status.add_argument('--json', action='store_true', help='the job status as the panel gets it, as JSON')
    translate_cli.add_translate_commands(sub)
    return parser


def _log(msg):
    print(msg, file=sys.stderr, flush=True)


# run's options that JobConfig takes as they are
_CONFIG_OPTIONS = ('sample', 'input_format', 'size_limits', 'recheck', 'keep_nondeterministic', 'stages', 'limit', 'workers', 'pairs_per_problem', 'traces_per_problem', 'max_trace_lines',
                   'timeout', 'memory_mb', 'seed', 'shard', 'hash_seed', 'documents', 'trace_format', 'executor',
                   'ray_address', 'ray_cpus_per_actor', 'translated', 'template', 'max_length', 'tokenizer',
                   'require_output_match', 'verdict_policy', 'quiet')


def cmd_run(args):
    cfg = JobConfig(input=args.input, output=args.output, sandbox=not args.no_bwrap,
                    translator=translate_cli.config_from_args(args) if 'translate' in args.stages else None,
                    **{k: getattr(args, k) for k in _CONFIG_OPTIONS})
    stats = run_job(cfg, log=_log)
    print(summary_table(stats))
    print('sandbox: {}'.format(stats.get('sandbox', 'not used')))
    print('output: {}'.format(os.path.abspath(args.output)))
    return 0


def cmd_merge(args):
    out = JobFolder(args.output)
    out.create()
    settings = None
    for shard in args.shards:
        job = JobFolder(shard).read_settings()
        if job is None:
            raise JobError('{} holds no job (no job settings found)'.format(shard))
        mine = {k: v for k, v in job.items() if k not in ('shard',)}
        if settings is not None and mine != settings:
            raise JobError('{} was run with other settings than {}'.format(shard, args.shards[0]))
        settings = mine
    keys = {'filtered': lambda r: str(r['id']), 'rejected': lambda r: (r['stage'], r['line_no']),
            'traces': lambda r: r['id'], 'documents': lambda r: r['id'],
            'translated': lambda r: r['id']}
    for name in MERGED_FILES:
        key, path = keys[name], out.path(name)
        seen = set(key(r) for r in iter_jsonl(path))
        with JsonlAppender(path) as writer:
            for shard in args.shards:
                for rec in iter_jsonl(JobFolder(shard).path(name)):
                    k = key(rec)
                    if k not in seen:
                        seen.add(k)
                        writer.write(rec)
        if os.path.getsize(path) == 0:
            os.unlink(path)
    out.write_settings(dict(settings, shard=None))
    stages = ('select', 'build') if out.has('translated') else ('select',)
    out.write_stats({'stages': {'filter': REGISTRY['filter'].stats_of(out), 'trace': REGISTRY['trace'].stats_of(out)},
                     'timings_s': {}, 'merged_from': [os.path.abspath(f) for f in args.shards]})
    data = {k: settings[k] for k in DATA_SETTINGS if k in settings and k not in ('input', 'shard')}
    cfg = JobConfig(input=settings['input'], output=args.output, stages=stages,
                    traces_per_problem=args.traces_per_problem, quiet=args.quiet, **data)
    stats = run_job(cfg, log=_log)
    print(summary_table(stats))
    return 0


def cmd_status(args):
    from .jobs import job_status
    if not os.path.isdir(args.folder):
        raise JobError('no such folder: {}'.format(args.folder))
    status = job_status(args.folder)
    if args.json:
        print(json.dumps(status, indent=2))
    else:
        print(status_text(status))
    return 0


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        if args.command in translate_cli.COMMANDS:
            status = translate_cli.run_command(args)
        else:
            status = {'run': cmd_run, 'merge': cmd_merge, 'status': cmd_status}[args.command](args)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at exit
        return status
    except (FolderLocked, JobError, InputError, translate_cli.TranslatorUnavailable) as exc:
        print('groundtrace: error: {}'.format(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print('groundtrace: interrupted; rerun the same command to resume', file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader left (`groundtrace status F | head`): no traceback, and none at exit either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == '__main__':
    sys.exit(main())
