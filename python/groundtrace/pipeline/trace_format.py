"""The format a dataset job writes its traces in: ``snoop`` (the original's) or ``compact``.

In the compact format the tracer runs on past the line limit (up to ``RAW_LINES_FACTOR``
times it), the compact text (``groundtrace.compact``) is built from the recorded events,
and the record's ``trace`` is that text, so the select stage's line limit applies to what
the job writes and the translator reads. The full snoop text stays beside it as
``snoop_trace`` (verification grounds stated values in it), and the document keeps every
event, so each fold can be expanded.
"""

from groundtrace.compact import compact_trace

TRACE_FORMATS = ('snoop', 'compact')
DEFAULT_TRACE_FORMAT = 'snoop'

# How far past the line limit a compact-format trace may run before it stops as too_long,
# and how many events per line it may record (bounds the child's memory and the document).
# 100 x 300 lines costs about 1-2.5 s of CPU on the toy file's longest traces (about
# 60-80 us a line), under the job's 5 s CPU limit; folding brings many of them under the
# limit (docs/engine.md, "The compact trace format").
RAW_LINES_FACTOR = 100
EVENTS_PER_LINE = 10


def check_format(trace_format):
    if trace_format not in TRACE_FORMATS:
        raise ValueError('unknown trace format {!r}: use one of {}'.format(trace_format, ', '.join(TRACE_FORMATS)))
    return trace_format


def tracer_limits(trace_format, max_lines, snoop_document_cap):
    """``(max_lines, max_events, max_document_events)`` for the tracer of one item."""
    if check_format(trace_format) == 'snoop' or max_lines is None:
        return max_lines, None, snoop_document_cap
    raw_lines = max_lines * RAW_LINES_FACTOR
    return raw_lines, raw_lines * EVENTS_PER_LINE, None


def apply_format(report, result, trace_format, max_lines):
    """Rewrite a child's report for ``trace_format`` (in place): the compact text becomes
    ``trace``, the snoop text ``snoop_trace``; the document gets its ``compact`` part. The
    document of a compact trace that stopped past the raw-line cap keeps only as many events
    (and their lines) as a snoop-format document keeps: it is rejected anyway."""
    if trace_format != 'compact':
        return report
    if result.truncated:
        # imported here: trace_stage imports this module
        from .trace_stage import document_events_cap

        cap = document_events_cap(max_lines)
        if 'document' in report and cap is not None:
            report['document'] = _first_events(report['document'], cap)
        return report
    document = result.document
    compact = compact_trace(document['events'], result.text.split('\n')[:-1], document['sources'], max_lines)
    report.update(trace=compact.text, n_lines=compact.n_lines, snoop_trace=result.text,
                  folding={'folds': len(compact.folds), 'snoop_lines': result.text.count('\n'),
                           'head': compact.head, 'tail': compact.tail})
    if 'document' in report:
        report['document']['compact'] = compact.record()
    return report


def _first_events(document, cap):
    events = document['events']
    if len(events) <= cap:
        return document
    kept = events[:cap]
    end = kept[-1]['text_end'] if kept else 0
    return dict(document, events=kept, text=''.join(line + '\n' for line in document['text'].split('\n')[:end]))


def folding_stats(records, max_lines=None):
    """How many traces were folded and by how much (for stats.json): traces with a fold,
    their snoop and compact line counts (sum, median), and how many fit the line limit in
    each format."""
    # Imported here, not in the sandbox's pool (run_item imports this module): statistics
    # brings fractions/decimal/numbers, whose classes would show in isinstance traces.
    import statistics

    folded, snoop_lines, compact_lines = 0, [], []
    fit_snoop = fit_compact = 0
    for record in records:
        folding = record.get('folding')
        if record.get('status') != 'ok' or not folding:
            continue
        snoop_lines.append(folding['snoop_lines'])
        compact_lines.append(record['n_lines'])
        folded += folding['folds'] > 0
        if max_lines is not None:
            fit_snoop += folding['snoop_lines'] < max_lines
            fit_compact += record['n_lines'] < max_lines
    if not snoop_lines:
        return {'traces': 0, 'folded': 0}
    stats = {
        'traces': len(snoop_lines), 'folded': folded,
        'snoop_lines': {'sum': sum(snoop_lines), 'median': statistics.median(snoop_lines)},
        'compact_lines': {'sum': sum(compact_lines), 'median': statistics.median(compact_lines)},
        'lines_kept_fraction': round(sum(compact_lines) / max(1, sum(snoop_lines)), 4),
    }
    if max_lines is not None:
        stats['under_limit'] = {'snoop': fit_snoop, 'compact': fit_compact}
    return stats
