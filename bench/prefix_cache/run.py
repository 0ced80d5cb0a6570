"""vLLM's prefix-cache hit rate for the translation prompt, item first (the old order) and
instructions first (the new), measured on the real server from its /metrics.

    .venv/bin/python bench/prefix_cache/run.py                  # starts the demo vLLM itself
    .venv/bin/python bench/prefix_cache/run.py --url http://127.0.0.1:8011/v1 --model NAME

Each order's prompts (the same toy items) go to the server one after another, each asking for
one token, so prefill is all that runs; the hit rate is the growth of
``vllm:prefix_cache_hits_total`` over that of ``vllm:prefix_cache_queries_total`` (tokens)
while that order ran. The old order runs first, so nothing of the new one can be in the cache
from it but what both share (the chat template's system text).
"""

import argparse
import json
import re
import sys
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / 'python'))
sys.path.insert(0, str(REPO / 'tests'))

from groundtrace.translate.prompts import load_template, prompt_messages, render_prompt  # noqa: E402

ORDERS = {'item first (old)': HERE / 'translate_item_first.txt', 'instructions first (new)': None}


def counters(root):
    with urllib.request.urlopen(root + '/metrics', timeout=30) as response:
        text = response.read().decode()
    found = {}
    for name in ('prefix_cache_hits_total', 'prefix_cache_queries_total'):
        found[name] = sum(float(v) for v in re.findall(r'^vllm:{}\{{[^}}]*\}} (\S+)$'.format(name), text, re.M))
    return found


def ask(url, model, prompt):
    body = json.dumps({'model': model, 'messages': prompt_messages(prompt), 'max_tokens': 1,
                       'temperature': 0.0}).encode()
    request = urllib.request.Request(url + '/chat/completions', body, {'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=1800) as response:
        return json.load(response)['usage']['prompt_tokens']


def measure(url, model, records):
    root = url[:-3]
    out = {}
    for name, path in ORDERS.items():
        template = load_template(str(path) if path else None)
        before = counters(root)
        tokens = [ask(url, model, render_prompt(r, template)) for r in records]
        after = counters(root)
        hits = after['prefix_cache_hits_total'] - before['prefix_cache_hits_total']
        queries = after['prefix_cache_queries_total'] - before['prefix_cache_queries_total']
        out[name] = {'prompts': len(tokens), 'prompt_tokens': sum(tokens), 'cached_tokens': int(hits),
                     'queried_tokens': int(queries), 'hit_rate': round(hits / queries, 4) if queries else None}
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--url', help='a running vLLM (…/v1); default: start the demo one')
    parser.add_argument('--model', default='smollm2-135m-instruct-demo')
    parser.add_argument('--items', type=int, default=12)
    parser.add_argument('--skip', type=int, default=0,
                        help='start this far into the toy items (use items a running server has not seen)')
    args = parser.parse_args()
    from toy_traces import TOY_IDS, trace_record
    with open(REPO / 'data' / 'pyedu_toy.jsonl') as f:
        problems = {p['meta']['msgidx']: p for p in map(json.loads, f)}
    records = [trace_record(problems[i]) for i in TOY_IDS[args.skip:args.skip + args.items]]
    server = None
    if not args.url:
        from real_vllm import start_server
        server = start_server()
        args.url, args.model = server.url, server.model
    try:
        print(json.dumps(measure(args.url, args.model, records), indent=2))
    finally:
        if server:
            from real_vllm import stop_server
            stop_server(server)


if __name__ == '__main__':
    main()
