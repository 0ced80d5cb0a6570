"""Stage 2, trace: expand problems into items, run each under the tracer in the sandbox."""

import linecache
import random

from . import values
from .compare import output_matches
from .trace_format import (
    DEFAULT_TRACE_FORMAT,
    apply_format,
    check_format,
    tracer_limits,
)

RETURN_MARK = '<<< Return value from {}:'

# What the job copies from a problem into each trace record.
PROBLEM_FIELDS = ('problem_description', 'io_requirements', 'refcode', 'funcname', 'format',
                  'source', 'category', 'meta')


def sample_pairs(problem, pairs_per_problem, seed):
    """At most ``pairs_per_problem`` i/o pairs, sampled with a seed per problem (so the choice
    does not depend on which other problems are in the run or shard)."""
    pairs = problem['input_output']
    if len(pairs) <= pairs_per_problem:
        return pairs
    rng = random.Random('{}:{}'.format(seed, problem['id']))
    return rng.sample(pairs, pairs_per_problem)


def items_of(problem, pairs_per_problem, seed):
    for index, pair in enumerate(sample_pairs(problem, pairs_per_problem, seed)):
        yield {'id': '{}_{}'.format(problem['id'], index), 'problem_id': problem['id'],
               'pair_index': index, 'input': pair['input'], 'expected_output': pair['output'],
               'input_repr': values.display_arguments(pair['input']),
               'expected_output_repr': values.display(pair['output'])}


def trace_payload(problem, item, max_lines, documents, trace_format=None):
    """What the sandboxed child gets for one item (see run_item); no ``trace_format``: snoop."""
    payload = {'refcode': problem['refcode'], 'funcname': problem['funcname'],
               'input': item['input'], 'expected_output': item['expected_output'],
               'max_lines': max_lines, 'documents': documents}
    if trace_format is not None:
        payload['trace_format'] = check_format(trace_format)
    return payload


def status_of(result, funcname):
    if result.truncated:
        return 'too_long'
    if result.raised is not None:
        if isinstance(result.raised, MemoryError):
            return 'memory'
        if isinstance(result.raised, SystemExit):
            return 'exit'
        return 'error'
    if RETURN_MARK.format(funcname) not in result.text:
        return 'incomplete'  # the code switched the tracer off, or similar
    return 'ok'


_WARM_SOURCES = []  # filenames whose parsed source the pool keeps for its children
_WARM_KEEP = 8
# executing's cache of parsed sources (``Source._for_filename_and_lines``), by (filename, lines):
# a private name, so tests/test_pipeline_rules.py checks that the pool's stays bounded.
_SOURCE_CACHE = '__source_cache_with_lines'


def prepare_in_parent(payload):
    """Runs in the pool before forking: parse the problem's source for snoop once, so the
    ten children of a problem inherit it instead of each parsing it again. Parsing runs
    no code of the problem. The pool keeps the last ``_WARM_KEEP`` sources (a long job
    would otherwise keep every problem's, about 90 KB each, and every fork would copy
    their page tables)."""
    from snoop.formatting import Source

    from groundtrace import tracer

    filename = tracer._register_source('problem', payload['refcode'])
    if filename in _WARM_SOURCES:
        return
    Source.for_filename(filename)
    _WARM_SOURCES.append(filename)
    if len(_WARM_SOURCES) > _WARM_KEEP:
        forget_source(Source, _WARM_SOURCES.pop(0))


def forget_source(source_class, filename):
    """Drop a registered source's text and snoop's parse of it."""
    cache = source_class._class_local(_SOURCE_CACHE, {})
    for key in [k for k in cache if k[0] == filename]:
        del cache[key]
    linecache.cache.pop(filename, None)


def document_events_cap(max_lines):
    """How many events a dataset item's structured trace keeps: ten per allowed text line
    (ok traces of the toy data have at most ~400 events; a comprehension over a long range
    has one per iteration but prints a few lines)."""
    return None if max_lines is None else max(1000, 10 * max_lines)


def run_item(payload):
    """Runs in the sandboxed child: decode the input (evaluating expression arguments, which
    are dataset code, here and only here), trace one item, compare its return value."""
    # Imported here, not at the top: the job imports this module too and needs no snoop.
    from groundtrace.tracer import trace_call

    from .pool.reuse import code_ran

    funcname = payload['funcname']
    max_lines = payload.get('max_lines')
    input_error, module = [], []

    def arguments(namespace):
        """Argument expressions may name what the problem's module defines: evaluated in it,
        after its code ran, right before the traced call."""
        module.append(namespace)
        code_ran()
        try:
            return values.decode(payload['input'], evaluate=True, namespace=namespace)
        except BaseException as exc:  # the input's own code failed (an expression raised, ...)
            if isinstance(exc, KeyboardInterrupt):
                raise
            input_error.append('input: {}: {}'.format(type(exc).__name__, exc))
            raise

    trace_format = payload.get('trace_format', DEFAULT_TRACE_FORMAT)
    tracer_lines, max_events, document_cap = tracer_limits(trace_format, max_lines, document_events_cap(max_lines))
    keep = payload.get('documents', 'all')
    if keep == 'none' and trace_format != 'compact':  # no document wanted: record no events (text unchanged)
        document_cap = 0
    result = trace_call(payload['refcode'], funcname, arguments,
                        max_lines=tracer_lines, max_events=payload.get('max_events') or max_events,
                        max_document_events=document_cap)
    if input_error:
        return {'status': 'bad_input', 'error': input_error[0][:1000], 'trace': '', 'n_lines': 0}
    status = status_of(result, funcname)
    report = {'status': status, 'trace': result.text, 'n_lines': result.text.count('\n')}
    if keep == 'all' or (keep == 'ok' and status == 'ok'):
        report['document'] = result.document
    apply_format(report, result, trace_format, max_lines)
    if result.raised is not None:
        report['error'] = '{}: {}'.format(type(result.raised).__name__, result.raised)
    if status == 'ok':
        report['return_value'] = values.value_record(result.returned)
        try:
            expected = values.decode(payload['expected_output'], evaluate=True,
                                     namespace=module[0] if module else None)
        except values.ReprOnly:  # only its repr was stored: compare the texts
            report['output_matches'] = report['return_value']['repr'] == values.display(payload['expected_output'])
        except Exception as exc:  # an expected-output expression failed: nothing to compare with
            report['output_matches'] = None
            report['expected_error'] = '{}: {}'.format(type(exc).__name__, exc)[:300]
        else:
            report['output_matches'] = output_matches(result.returned, expected)
    return report
