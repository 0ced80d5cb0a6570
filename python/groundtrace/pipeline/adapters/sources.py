"""Input files, streamed row by row: JSONL (plain or gzip), Parquet, and a Hugging Face
``datasets`` folder written by ``save_to_disk`` (Arrow files; read with ``pyarrow``, an
optional extra: ``pip install groundtrace[datasets]``)."""

import json
import os

from ..jsonl import open_input_bytes

BATCH_ROWS = 256


class InputError(RuntimeError):
    """The input as a whole cannot be read (not one bad record)."""


class BadRow:
    __slots__ = ('reason', 'detail')

    def __init__(self, reason, detail):
        self.reason, self.detail = reason, detail


def kind_of(path):
    if os.path.isdir(path):
        if os.path.exists(os.path.join(path, 'state.json')):
            return 'hf_disk'
        raise InputError('{} is a folder but not one written by datasets.save_to_disk '
                         '(no state.json)'.format(path))
    with open(path, 'rb') as f:
        magic = f.read(4)
    return 'parquet' if magic == b'PAR1' else 'jsonl'


def read_rows(path):
    """Yield ``(row_no, dict | BadRow)``; row numbers count from 1 (JSONL: the line number).
    A file that cannot be opened or read as a whole raises ``InputError``."""
    try:
        kind = kind_of(path)
    except OSError as exc:
        raise InputError('cannot read {}: {}'.format(path, exc.strerror or exc)) from None
    if kind == 'jsonl':
        yield from _jsonl_rows(path)
        return
    rows = _arrow_rows(path, kind)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except InputError:
            raise
        except Exception as exc:  # pyarrow's errors: a corrupt or truncated file
            raise InputError('cannot read {} as {}: {}'.format(
                path, 'Parquet' if kind == 'parquet' else 'a datasets folder', exc)) from None
        yield row


def _jsonl_rows(path):
    with open_input_bytes(path) as f:
        for line_no, raw in enumerate(f, 1):
            yield line_no, _json_row(raw)


def _json_row(raw):
    if not raw.strip():
        return BadRow('blank_line', 'an empty line')
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as exc:
        return BadRow('bad_utf8', str(exc))
    try:
        record = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return BadRow('bad_json', '{}: {}'.format(type(exc).__name__, str(exc)[:200]))
    if not isinstance(record, dict):
        return BadRow('wrong_type', 'line is not a JSON object')
    return record


def _pyarrow():
    try:
        import pyarrow
        import pyarrow.ipc
        import pyarrow.parquet
    except ImportError:
        raise InputError('reading Parquet or datasets folders needs pyarrow: '
                         'pip install "groundtrace[datasets]"') from None
    return pyarrow


def _arrow_rows(path, kind):
    pa = _pyarrow()
    row_no = 0
    for batch in _batches(pa, path, kind):
        for row in batch.to_pylist():
            row_no += 1
            yield row_no, row


def _batches(pa, path, kind):
    if kind == 'parquet':
        yield from pa.parquet.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS)
        return
    with open(os.path.join(path, 'state.json')) as f:
        state = json.load(f)
    for entry in state.get('_data_files', []):
        with pa.memory_map(os.path.join(path, entry['filename'])) as source:
            yield from pa.ipc.open_stream(source)
