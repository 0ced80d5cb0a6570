"""``groundtrace`` on the command line: run a dataset job, merge shards."""

import argparse
import json
import os
import sys

from .pipeline.job import (
    STAGES,
    JobConfig,
    JobError,
    filter_stats,
    paths,
    run_job,
    summary_table,
    trace_stats,
)
from .pipeline.jsonl import FolderLocked, JsonlAppender, iter_jsonl, write_json_atomic
from .translate import cli as translate_cli


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
        description='Run filter → trace → select (→ build when translated.jsonl exists). '
                    'Rerun the same command to resume after an interruption.')
    run.add_argument('--input', required=True,
                     help='problems as JSONL (PyEdu/CodeI/O records or CRUXEval-style '
                          'code/input/output records), plain or .gz')
    run.add_argument('--output', required=True, help='the job folder; created if missing')
    run.add_argument('--stages', type=_stages, default=('filter', 'trace', 'select', 'build'),
                     help='comma-separated stages to run, in order, from {} (default: '
                          'filter,trace,select,build; build is skipped while there is no '
                          'translated.jsonl)'.format(','.join(STAGES)))
    run.add_argument('--limit', type=int, help='only the first N problems (input lines) of the input')
    run.add_argument('--workers', type=int, help='items traced at once (default: CPU count)')
    run.add_argument('--pairs-per-problem', type=int, default=10,
                     help='at most this many i/o pairs traced per problem, sampled with --seed (default 10)')
    run.add_argument('--traces-per-problem', type=int, default=1,
                     help='usable traces kept per problem description by select (default 1)')
    run.add_argument('--max-trace-lines', type=int, default=300,
                     help='a trace is stopped past this many lines (status too_long) and select '
                          'keeps only traces shorter than it (default 300)')
    run.add_argument('--timeout', type=float, default=5.0,
                     help='wall-time limit per item in seconds; the CPU limit follows it (default 5)')
    run.add_argument('--memory-mb', type=int, default=1024,
                     help='address-space limit per item in MiB (default 1024)')
    run.add_argument('--seed', type=int, default=123,
                     help='seed for sampling pairs and traces (default 123)')
    run.add_argument('--shard', type=_shard,
                     help='K/N: run only shard K (0..N-1) of N, split by problem id, e.g. '
                          '$SLURM_ARRAY_TASK_ID/8; join the folders with `groundtrace merge`')
    run.add_argument('--hash-seed', default='0',
                     help='PYTHONHASHSEED of the traced code (default 0: the same input always '
                          'gives the same trace; "random" as the original pipeline)')
    run.add_argument('--no-bwrap', action='store_true',
                     help='do not run the worker pool inside bubblewrap (limits only)')
    run.add_argument('--translated', help='the translated file build reads (default OUTPUT/translated.jsonl)')
    run.add_argument('--template', help='your own training prompt template ($question, $code, $input)')
    run.add_argument('--max-length', type=int, default=8192,
                     help='build drops samples longer than this (tokens with --tokenizer, else characters)')
    run.add_argument('--tokenizer', help='a Hugging Face tokenizer name for --max-length (needs transformers)')
    run.add_argument('--require-output-match', action='store_true',
                     help='select drops traces whose return value differs from the expected output')
    run.add_argument('--documents', choices=('ok', 'all', 'none'), default='ok',
                     help='write the structured trace (documents.jsonl) of successful items only '
                          '(default), of every item, or of none; they are about 4x the trace text')
    run.add_argument('--quiet', action='store_true', help='no progress bars')
    translate_cli.add_translate_arguments(run)

    merge = sub.add_parser(
        'merge', help='join shard folders into one folder and select (and build) over all',
        description='Concatenate the filter and trace outputs of shard folders (each item once), '
                    'then run select, and build when translated.jsonl files exist.')
    merge.add_argument('shards', nargs='+', help='shard folders written by `run --shard`')
    merge.add_argument('--output', required=True, help='the merged folder')
    merge.add_argument('--traces-per-problem', type=int, default=1, help='as for run (default 1)')
    merge.add_argument('--quiet', action='store_true', help='no progress bars')
    translate_cli.add_translate_commands(sub)
    return parser


def _log(msg):
    print(msg, file=sys.stderr, flush=True)


def cmd_run(args):
    cfg = JobConfig(
        input=args.input, output=args.output, stages=args.stages, limit=args.limit,
        workers=args.workers, pairs_per_problem=args.pairs_per_problem,
        traces_per_problem=args.traces_per_problem, max_trace_lines=args.max_trace_lines,
        timeout=args.timeout, memory_mb=args.memory_mb, seed=args.seed, shard=args.shard,
        hash_seed=args.hash_seed, sandbox=not args.no_bwrap, translated=args.translated,
        template=args.template, max_length=args.max_length, tokenizer=args.tokenizer,
        require_output_match=args.require_output_match, documents=args.documents, quiet=args.quiet)
    if translate_cli.wants_translation(args):
        stats = translate_cli.run_with_translation(args, cfg, log=_log)
    else:
        stats = run_job(cfg, log=_log)
    print(summary_table(stats))
    print('sandbox: {}'.format(stats.get('sandbox', 'not used')))
    print('output: {}'.format(os.path.abspath(args.output)))
    return 0


def cmd_merge(args):
    os.makedirs(args.output, exist_ok=True)
    out = paths(args.output)
    settings = None
    for folder in args.shards:
        with open(paths(folder)['job']) as f:
            job = json.load(f)
        mine = {k: v for k, v in job.items() if k not in ('shard',)}
        if settings is not None and mine != settings:
            raise JobError('{} was run with other settings than {}'.format(folder, args.shards[0]))
        settings = mine
    keys = {'filtered': lambda r: str(r['id']), 'rejected': lambda r: (r['stage'], r['line_no']),
            'traces': lambda r: r['id'], 'documents': lambda r: r['id'],
            'translated': lambda r: r['id']}
    for name, key in keys.items():
        seen = set(key(r) for r in iter_jsonl(out[name]))
        with JsonlAppender(out[name]) as writer:
            for folder in args.shards:
                for rec in iter_jsonl(paths(folder)[name]):
                    k = key(rec)
                    if k not in seen:
                        seen.add(k)
                        writer.write(rec)
        if os.path.getsize(out[name]) == 0:
            os.unlink(out[name])
    write_json_atomic(out['job'], dict(settings, shard=None))
    stages = ('select', 'build') if os.path.exists(out['translated']) else ('select',)
    stats = {'stages': {'filter': filter_stats(out), 'trace': trace_stats(out)}, 'timings_s': {},
             'merged_from': [os.path.abspath(f) for f in args.shards]}
    write_json_atomic(out['stats'], stats)
    cfg = JobConfig(input=settings['input'], output=args.output, stages=stages,
                    pairs_per_problem=settings['pairs_per_problem'],
                    max_trace_lines=settings['max_trace_lines'], timeout=settings['timeout'],
                    seed=settings['seed'], limit=settings['limit'], hash_seed=settings['hash_seed'],
                    traces_per_problem=args.traces_per_problem, quiet=args.quiet)
    stats = run_job(cfg, log=_log)
    print(summary_table(stats))
    return 0


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        if args.command in translate_cli.COMMANDS:
            return translate_cli.run_command(args)
        return {'run': cmd_run, 'merge': cmd_merge}[args.command](args)
    except (FolderLocked, JobError, translate_cli.TranslatorUnavailable) as exc:
        print('groundtrace: error: {}'.format(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print('groundtrace: interrupted; rerun the same command to resume', file=sys.stderr)
        return 130


if __name__ == '__main__':
    sys.exit(main())
