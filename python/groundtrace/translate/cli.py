"""Command-line face of translation: options for ``groundtrace run``, and the ``translate``,
``export-batch`` and ``import-batch`` subcommands."""

import json
import sys

from ..pipeline.job_folder import JobFolder
from .config import build_config
from .errors import TranslatorUnavailable


def add_translate_arguments(parser):
    """The translator's options (all optional; a ``--translator-config`` file may hold them)."""
    group = parser.add_argument_group('translator (the translate stage)')
    group.add_argument('--translator-url', action='append', dest='translator_urls', metavar='URL',
                       help='OpenAI-compatible endpoint, e.g. http://gpu-node:8000/v1; repeat for replicas '
                            '(env GROUNDTRACE_TRANSLATOR_URL)')
    group.add_argument('--model', help='served model name, e.g. Qwen/Qwen3-32B (env GROUNDTRACE_TRANSLATOR_MODEL)')
    group.add_argument('--translator-config', metavar='FILE', help='TOML or JSON file of translator settings')
    group.add_argument('--api-key-env', help='environment variable holding the API key '
                                             '(default GROUNDTRACE_TRANSLATOR_API_KEY)')
    group.add_argument('--api-key-file', help='file holding the API key')
    group.add_argument('--concurrency', type=int, help='requests in flight (default 128)')
    group.add_argument('--request-timeout', type=float, dest='read_timeout',
                       help='longest wait for an answer (or, streaming, between chunks), in seconds (default 3600)')
    group.add_argument('--max-attempts', type=int, help='tries per item before it counts as failed (default 8)')
    group.add_argument('--translate-template', dest='translate_template', metavar='FILE',
                       help='your own translation prompt ({{question}} {{input}} {{code}} {{trace}})')
    group.add_argument('--prompt-budget', type=int,
                       help='skip prompts longer than this (default 40960 characters)')
    group.add_argument('--budget-unit', choices=('chars', 'tokens'),
                       help="count the budget in characters or in tokens (server /tokenize); default chars")
    for name, kind in (('temperature', float), ('top-p', float), ('top-k', int), ('min-p', float),
                       ('max-tokens', int)):
        group.add_argument('--' + name, type=kind, help='sampling (default: the paper\'s)')
    group.add_argument('--no-thinking', action='store_true', help='chat_template_kwargs enable_thinking false')
    group.add_argument('--stream', action='store_true', default=None,
                       help='stream completions (default: whole ones, cheaper to parse at high concurrency)')


def config_from_args(args):
    sampling = {k: getattr(args, k, None) for k in ('temperature', 'top_p', 'top_k', 'min_p', 'max_tokens')}
    return build_config(
        getattr(args, 'translator_config', None),
        urls=','.join(args.translator_urls) if getattr(args, 'translator_urls', None) else None,
        model=args.model, api_key_env=args.api_key_env, api_key_file=args.api_key_file,
        concurrency=args.concurrency, read_timeout=args.read_timeout, max_attempts=args.max_attempts,
        template=args.translate_template, prompt_budget=args.prompt_budget, budget_unit=args.budget_unit,
        enable_thinking=False if args.no_thinking else None, stream=getattr(args, 'stream', None),
        **sampling)


# ---- subcommands -------------------------------------------------------------------------

def add_translate_commands(sub):
    translate = sub.add_parser('translate', help='translate a folder\'s selected.jsonl (resumable)')
    translate.add_argument('folder', help='a job folder with selected.jsonl')
    add_translate_arguments(translate)

    export = sub.add_parser('export-batch', help='write the translation requests as OpenAI Batch JSONL')
    export.add_argument('folder', help='a job folder with selected.jsonl')
    export.add_argument('--out', help='requests file (default FOLDER/batch_requests.jsonl)')
    add_translate_arguments(export)

    imp = sub.add_parser('import-batch', help='read Batch results into translated.jsonl, verified')
    imp.add_argument('folder', help='the job folder the requests came from')
    imp.add_argument('results', help='the results JSONL (vllm run-batch -o, or a batch API output file)')
    imp.add_argument('--model', help='model name to record (default: the one in each response)')


def cmd_translate(args):
    """The translate stage alone, in a job folder (its progress and stats as in a job)."""
    from ..pipeline.job import JobConfig, JobError, run_stages

    folder = JobFolder(args.folder)
    cfg = JobConfig(input=None, output=args.folder, stages=('translate',), translator=config_from_args(args))
    with folder.lock():
        everything = run_stages(cfg, folder, log=lambda text: print(text, file=sys.stderr, flush=True))
    if 'translate' in everything['skipped']:
        raise JobError('translate: ' + everything['skipped']['translate'])
    stats = everything['stages']['translate']
    print(json.dumps({k: stats[k] for k in ('total', 'done', 'skipped', 'failed', 'already_done', 'verdicts')}))
    return 0 if not stats['failed'] else 1


def cmd_export_batch(args):
    from .batch_files import export_batch
    config = config_from_args(args)
    with JobFolder(args.folder).lock():
        counts = export_batch(args.folder, config, args.out)
    print(json.dumps(counts))
    return 0


def cmd_import_batch(args):
    from .batch_files import import_batch
    with JobFolder(args.folder).lock():
        counts = import_batch(args.folder, args.results, model=args.model)
    print(json.dumps(counts))
    return 0


COMMANDS = {'translate': cmd_translate, 'export-batch': cmd_export_batch, 'import-batch': cmd_import_batch}


def run_command(args):
    try:
        return COMMANDS[args.command](args)
    except TranslatorUnavailable as exc:
        print('groundtrace: translator: {}'.format(exc), file=sys.stderr)
        return 2
