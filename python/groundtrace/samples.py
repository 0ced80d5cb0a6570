"""The items of a dataset folder for the panel's sample browser.

The folder's files only grow while a job runs (each stage appends), so an index reads each
file once and then only what was appended since; filtering and search run in memory.
"""

import json
import os
import threading

from .pipeline.job_folder import JobFolder
from .pipeline.jsonl import iter_jsonl

QUESTION_CHARS = 160


class _Tail:
    """Records of one JSONL file, read incrementally: only complete new lines are parsed."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.identity = None

    def new_records(self):
        """(restarted, records): restarted when the file was replaced or cut, then all of it."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            restarted = self.offset != 0
            self.offset, self.identity = 0, None
            return restarted, []
        identity = (st.st_dev, st.st_ino)
        restarted = identity != self.identity or st.st_size < self.offset
        if restarted:
            self.offset, self.identity = 0, identity
        if st.st_size == self.offset:
            return restarted, []
        records = []
        with open(self.path, 'rb') as f:
            f.seek(self.offset)
            data = f.read(st.st_size - self.offset)
        end = data.rfind(b'\n') + 1  # a line being written has no newline yet
        for line in data[:end].splitlines():
            if line.strip():
                try:
                    records.append(json.loads(line))
                except ValueError:
                    continue
        self.offset += end
        return restarted, records


class SampleIndex:
    """Every traced item of one folder, with its translation verdict when there is one."""

    def __init__(self, folder):
        self.folder = folder
        files = JobFolder(folder)
        self._traces = _Tail(files.traces)
        self._translated = _Tail(files.translated)
        self._rows = {}
        self._haystacks = {}
        self._verdicts = {}
        self._lock = threading.Lock()

    def refresh(self):
        restarted, records = self._traces.new_records()
        if restarted:
            self._rows.clear()
            self._haystacks.clear()
        for rec in records:
            item_id = str(rec.get('id'))
            self._rows[item_id] = {
                'id': item_id,
                'problem_id': rec.get('problem_id'),
                'status': rec.get('status') or 'unknown',
                'output_matches': rec.get('output_matches'),
                'n_lines': rec.get('n_lines'),
                'question': (rec.get('problem_description') or '')[:QUESTION_CHARS],
            }
            self._haystacks[item_id] = '\n'.join(
                (item_id, rec.get('problem_description') or '', rec.get('refcode') or '')).lower()
        restarted, records = self._translated.new_records()
        if restarted:
            self._verdicts.clear()
        for rec in records:
            verdict = rec.get('verdict') if rec.get('status') == 'ok' else rec.get('status')
            self._verdicts[str(rec.get('id'))] = verdict or 'unknown'

    def query(self, status='', verdict='', query='', offset=0, limit=200):
        with self._lock:
            self.refresh()
            rows = [dict(row, verdict=self._verdicts.get(row['id'])) for row in self._rows.values()]
            haystacks = dict(self._haystacks)
        statuses, verdicts = {}, {}
        for row in rows:
            statuses[row['status']] = statuses.get(row['status'], 0) + 1
            if row['status'] == 'ok' and row['output_matches'] is False:
                statuses['mismatch'] = statuses.get('mismatch', 0) + 1
            key = row['verdict'] or 'untranslated'
            verdicts[key] = verdicts.get(key, 0) + 1
        needle = (query or '').strip().lower()
        matched = [row for row in rows
                   if _status_matches(row, status) and _verdict_matches(row, verdict)
                   and (not needle or needle in haystacks[row['id']])]
        return {'total': len(rows), 'matched': len(matched),
                'rows': matched[offset:offset + limit], 'statuses': statuses, 'verdicts': verdicts}


def _status_matches(row, status):
    if not status:
        return True
    if status == 'mismatch':
        return row['status'] == 'ok' and row['output_matches'] is False
    return row['status'] == status


def _verdict_matches(row, verdict):
    if not verdict:
        return True
    if verdict == 'untranslated':
        return row['verdict'] is None
    if verdict == 'translated':  # any verdict
        return row['verdict'] is not None
    return row['verdict'] == verdict


def find_record(path, item_id):
    """The first record of a JSONL file with this id, or None (one pass, stops when found)."""
    for rec in iter_jsonl(path) if os.path.exists(path) else ():
        if str(rec.get('id')) == item_id:
            return rec
    return None


def load_sample(folder, item_id):
    """The item's trace record, structured trace and translation, from the folder's files."""
    files = JobFolder(folder)
    record = find_record(files.traces, item_id)
    if record is None:
        return None
    document = find_record(files.documents, item_id)
    translation = find_record(files.translated, item_id)
    return {'id': item_id, 'record': record,
            'document': document.get('document') if document else None,
            'translation': translation}
