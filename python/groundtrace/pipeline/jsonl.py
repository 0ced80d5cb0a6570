"""Append-only JSONL files that survive kill -9 (the job lock is in ``job_folder``)."""

import json
import os

from . import values


def repair_torn_tail(path):
    """Cut a last line that a killed writer left without its newline; return bytes cut."""
    try:
        size = os.path.getsize(path)
    except FileNotFoundError:
        return 0
    if size == 0:
        return 0
    with open(path, 'rb+') as f:
        f.seek(size - 1)
        if f.read(1) == b'\n':
            return 0
        # Walk back to the last complete line.
        pos = size
        chunk = 65536
        keep = 0
        while pos > 0:
            start = max(0, pos - chunk)
            f.seek(start)
            block = f.read(pos - start)
            idx = block.rfind(b'\n')
            if idx >= 0:
                keep = start + idx + 1
                break
            pos = start
        f.truncate(keep)
        return size - keep


def encode_line(record):
    """One JSONL line (bytes) for a record; never raises on a value in it. Values JSON cannot
    hold are written in their stored form (``values.encode``: a tagged repr, flagged when not
    exact); a lone surrogate is written as a ``\\ud800`` escape so the line stays UTF-8."""
    try:
        return json_bytes(record) + b'\n'
    except (TypeError, ValueError, RecursionError):
        return json_bytes(_stored(record)) + b'\n'


def json_bytes(value):
    """``value`` as strict JSON in UTF-8 (no NaN; a lone surrogate escaped); raises TypeError,
    ValueError or RecursionError on what JSON cannot hold. The pool's children encode the
    documents they send with it, which the job then appends as they are."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    try:
        return text.encode('utf-8')
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, allow_nan=False).encode('ascii')


def _stored(record, depth=0):
    """The record with every value JSON cannot hold in its stored form (tagged or repr)."""
    if depth < 100 and type(record) is dict and all(type(k) is str for k in record):
        return {k: _stored(v, depth + 1) for k, v in record.items()}
    if depth < 100 and type(record) is list:
        return [_stored(v, depth + 1) for v in record]
    return values.encode(record)


class JsonlAppender:
    """Appends one JSON object a line; each line reaches the kernel in one write()."""

    def __init__(self, path):
        self.path = path
        repair_torn_tail(path)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, record):
        self.write_line(encode_line(record))

    def write_line(self, data):
        """An encoded line (bytes ending in a newline)."""
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]

    def close(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def iter_jsonl(path):
    """Records of a JSONL file we wrote (skips blank lines and a torn last line)."""
    if not os.path.exists(path):
        return
    with open(path, 'rb') as f:
        for raw in f:
            if not raw.endswith(b'\n'):
                return  # torn tail of a killed writer
            raw = raw.strip()
            if raw:
                yield json.loads(raw)


def write_atomic(path, text):
    tmp = '{}.tmp{}'.format(path, os.getpid())
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, path)


def write_json_atomic(path, obj):
    write_atomic(path, json.dumps(obj, indent=2, ensure_ascii=False) + '\n')


class AtomicJsonlWriter:
    """Writes a whole derived file (select, build) under a temp name, renamed when complete."""

    def __init__(self, path):
        self.path = path
        self._tmp = '{}.tmp{}'.format(path, os.getpid())
        self._f = open(self._tmp, 'w', encoding='utf-8')

    def write(self, record):
        self._f.write(encode_line(record).decode('utf-8'))

    def commit(self):
        self._f.close()
        os.replace(self._tmp, self.path)

    def abort(self):
        self._f.close()
        try:
            os.unlink(self._tmp)
        except FileNotFoundError:
            pass


def open_input_bytes(path):
    """Binary line iterator over a plain or gzip-compressed file."""
    with open(path, 'rb') as f:
        magic = f.read(2)
    if magic == b'\x1f\x8b':
        import gzip
        return gzip.open(path, 'rb')
    return open(path, 'rb')
