"""Verdicts of translations of compact and snoop traces, side by side on the same items, from a
real translator (the demo vLLM: ``bash scripts/vllm-server.sh --port 8011``).

    .venv/bin/python bench/compact_verdicts/run.py --url http://127.0.0.1:8011/v1 --work /tmp/cv

Two jobs on the first ``--limit`` toy problems (``--stages filter,trace,select``), one with
``--trace-format snoop`` and one with ``compact``; the items are those both jobs selected whose
compact text folds at least one loop: at most ``--items`` of them, the shortest snoop traces first
(prompt length is what a CPU server spends its time on). Each format's items are copied into their own folder (``selected.jsonl`` only) and translated there
by ``groundtrace translate`` with the same settings, compact first; the table is read from each
folder's ``translated.jsonl`` (every narration verified again, so both formats are judged by the
same verifier) and ``stats.json``. Rerunning with the same ``--work`` resumes
(the jobs and the translate stage skip what is done).
"""

import argparse
import collections
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO / 'python'))

from groundtrace.verify import verify_narration  # noqa: E402

GROUNDTRACE = [sys.executable, '-m', 'groundtrace.cli']
FORMATS = ('snoop', 'compact')
ROWS = ('pass', 'wrong_answer', 'no_answer', 'unfinished', 'mentions_trace', 'contains_code', 'ungrounded')


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path, rows):
    with open(path, 'w') as f:
        for row in rows:
            f.write(json.dumps(row) + '\n')


def trace_jobs(args, work):
    for fmt in FORMATS:
        subprocess.run(GROUNDTRACE + ['run', '--input', str(args.input), '--output', str(work / fmt),
                                      '--limit', str(args.limit), '--stages', 'filter,trace,select',
                                      '--trace-format', fmt, '--documents', 'none', '--no-recheck', '--quiet'],
                       check=True, cwd=REPO)


def same_folded_items(work, most):
    """The items both jobs selected whose compact text folds something, at most ``most``, the
    shortest snoop traces first: (snoop rows, compact rows)."""
    snoop = {r['id']: r for r in read_jsonl(work / 'snoop' / 'selected.jsonl')}
    compact = [r for r in read_jsonl(work / 'compact' / 'selected.jsonl')
               if r['id'] in snoop and (r.get('folding') or {}).get('folds')]
    compact = sorted(compact, key=lambda r: (len(snoop[r['id']]['trace']), r['id']))[:most]
    return [snoop[r['id']] for r in compact], compact


def translate(args, folder):
    done = {r['id'] for r in read_jsonl(folder / 'translated.jsonl')} if (folder / 'translated.jsonl').exists() else set()
    if {r['id'] for r in read_jsonl(folder / 'selected.jsonl')} <= done:
        return  # nothing left: stats.json keeps the figures of the run that translated
    command = GROUNDTRACE + ['translate', str(folder), '--translator-url', args.url, '--model', args.model,
                             '--max-tokens', str(args.max_tokens), '--concurrency', str(args.concurrency),
                             '--max-attempts', str(args.max_attempts), '--prompt-budget', str(args.prompt_budget),
                             '--budget-unit', 'tokens', '--no-thinking']
    # exit status 1 means some items failed after every attempt: they are counted below
    subprocess.run(command, cwd=REPO, check=False)


def table(folder, selected):
    rows = {r['id']: r for r in read_jsonl(folder / 'translated.jsonl')} if (folder / 'translated.jsonl').exists() \
        else {}
    failed = read_jsonl(folder / 'translate_failed.jsonl') if (folder / 'translate_failed.jsonl').exists() else []
    stats = json.loads((folder / 'stats.json').read_text())['stages'].get('translate', {})
    items = {r['id']: r for r in selected}
    verdicts = collections.Counter(  # checked again: both formats by the verifier as it is now
        verify_narration(r.get('final'), items[r['id']], thinking_closed=r.get('thinking_closed', True),
                         finish_reason=r.get('finish_reason'))['verdict']
        for r in rows.values() if r.get('status') == 'ok')
    finish = collections.Counter(r.get('finish_reason') for r in rows.values() if r.get('status') == 'ok')
    lines = [r['n_lines'] for r in selected]
    return {
        'items': len(selected), 'trace lines (sum)': sum(lines),
        'translated': sum(r.get('status') == 'ok' for r in rows.values()),
        'skipped': sum(r.get('status') == 'skipped' for r in rows.values()),
        'failed': len({f['id'] for f in failed} - set(rows)),
        **{v: verdicts.get(v, 0) for v in ROWS},
        'finish_reason length': finish.get('length', 0),
        'retries': stats.get('counts', {}).get('retries', 0),
        'completion tokens': stats.get('completion_tokens', 0),
        'elapsed s': stats.get('elapsed_s'),
        'tokens/s': stats.get('tokens_per_s'),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--url', required=True, help='the translator, …/v1')
    parser.add_argument('--model', default='smollm2-135m-instruct-demo')
    parser.add_argument('--work', required=True, type=Path, help='a folder for the jobs (resumed when it exists)')
    parser.add_argument('--input', type=Path, default=REPO / 'data' / 'pyedu_toy.jsonl')
    parser.add_argument('--limit', type=int, default=300, help='toy problems traced (first N)')
    parser.add_argument('--items', type=int, default=24, help='at most this many same folded items translated')
    parser.add_argument('--max-tokens', type=int, default=512)
    parser.add_argument('--concurrency', type=int, default=8)
    parser.add_argument('--max-attempts', type=int, default=3)
    parser.add_argument('--prompt-budget', type=int, default=7400, help='tokens (the demo serves 8192 in all)')
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    trace_jobs(args, args.work)
    chosen = dict(zip(FORMATS, same_folded_items(args.work, args.items)))
    if not chosen['compact']:
        raise SystemExit('no item is selected by both jobs with a folded compact text: raise --limit')
    for fmt in reversed(FORMATS):  # compact first
        folder = args.work / ('translate-' + fmt)
        folder.mkdir(exist_ok=True)
        write_jsonl(folder / 'selected.jsonl', chosen[fmt])
        translate(args, folder)
    result = {fmt: table(args.work / ('translate-' + fmt), chosen[fmt]) for fmt in FORMATS}
    width = max(len(k) for k in result['snoop'])
    print('{:{w}}  {:>8}  {:>8}'.format('', *FORMATS, w=width))
    for key in result['snoop']:
        print('{:{w}}  {:>8}  {:>8}'.format(key, *(str(result[f][key]) for f in FORMATS), w=width))
    (args.work / 'compact_verdicts.json').write_text(json.dumps(result, indent=2))


if __name__ == '__main__':
    main()
