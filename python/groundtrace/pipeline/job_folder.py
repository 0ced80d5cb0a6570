"""A job's output folder: every file name in it, its lock, ``job.json`` and reading its state.

Every other module reaches a job folder's files through ``JobFolder`` (the Python side) or
through the jobs protocol (the panel), so a file is named here and nowhere else.
"""

import fcntl
import json
import os

from .jsonl import write_atomic, write_json_atomic

# Each file of the folder: its attribute on JobFolder and its name.
FILES = {
    'readme': 'README.md',
    'job': 'job.json',
    'lock_file': '.lock',
    'log': 'job.log',
    'progress': 'progress.json',
    'stats': 'stats.json',
    'filtered': 'filtered.jsonl',
    'rejected': 'rejected.jsonl',
    'traces': 'traces.jsonl',
    'rechecks': 'rechecks.jsonl',
    'documents': 'documents.jsonl',
    'selected': 'selected.jsonl',
    'translated': 'translated.jsonl',
    'translate_failed': 'translate_failed.jsonl',
    'batch_requests': 'batch_requests.jsonl',
    'train': 'train.jsonl',
    'dataset_info': 'dataset_info.json',
}

# The records of these files carry an item id (``traces``…) or are keyed otherwise; merge joins them.
MERGED_FILES = ('filtered', 'rejected', 'traces', 'documents', 'translated')

README = """\
# groundtrace dataset folder

Written by `groundtrace run`; every file is appended or replaced atomically, so the job
can be killed and rerun with the same command to resume.

- `{job}` — the settings of the job (a rerun must use the same ones).
- `{filtered}` — problems that passed the filter, with their usable i/o pairs
  (`input_output`), `line_no` in the input and `filter_notes` (pairs dropped and why).
- `{rejected}` — input lines that were skipped: malformed lines (`stage: "input"`) and
  problems rejected by the filter (`stage: "filter"`), each with its line number and reason.
- `{traces}` — every attempted item (`{{problem_id}}_{{pair_index}}`) with its `status`
  (ok, error, timeout, memory, crash, too_long, output_limit, exit, incomplete), the snoop
  `trace` text, `return_value` {{repr, json}}, `output_matches`, `n_lines`, `elapsed_ms`.
- `{documents}` — the structured trace (`{{"id", "document"}}`) of each successful item
  (`--documents all` keeps them for every item), for viewers.
- `{selected}` — the traces chosen for translation.
- `{translated}` — selected traces with the translator's narration and its verdict
  (translate stage); `{translate_failed}` — items that failed after every retry (tried again
  by the next run).
- `{train}` + `{dataset_info}` — the LLaMA-Factory dataset (sharegpt, `messages`).
- `{stats}` — counts per stage and reason, timings, malformed input lines.
- `{progress}` — the job's state and each stage's done/total, rate, ETA and counts (for the
  panel and `groundtrace status`).
- `{log}` — the output of a job started from the panel.
""".format(**FILES)


class FolderLocked(RuntimeError):
    pass


class FolderLock:
    """An exclusive lock on an output folder (flock on its lock file): a second job there is refused."""

    def __init__(self, path):
        self.path = path
        self._fd = None

    def acquire(self):
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = os.read(fd, 64).decode(errors='replace').strip() or 'unknown'
            finally:
                os.close(fd)
            raise FolderLocked(
                'another groundtrace job (pid {}) is using {}; wait for it to finish or stop it '
                'before starting a new one there'.format(holder, os.path.dirname(self.path) or '.'))
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


class JobFolder:
    """One job folder. ``folder.traces`` (and each name of ``FILES``) is that file's path."""

    def __init__(self, root):
        self.root = root
        for attr, name in FILES.items():
            setattr(self, attr, os.path.join(root, name))

    def path(self, attr):
        return getattr(self, attr)

    def create(self):
        os.makedirs(self.root, exist_ok=True)
        if not os.path.exists(self.readme):
            write_atomic(self.readme, README)

    def lock(self):
        """The job lock (a context manager); raises FolderLocked when another job holds it."""
        return FolderLock(self.lock_file)

    def lock_holder(self):
        """The pid text of the process holding the lock, or None when it is free.

        Probes the same flock the job takes without writing to it, so a job started from a
        terminal in this folder is seen too."""
        try:
            fd = os.open(self.lock_file, os.O_RDONLY)
        except OSError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return os.read(fd, 64).decode(errors='replace').strip() or 'unknown'
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    # --- job.json, stats.json, progress.json

    def read_settings(self):
        """``job.json`` (the settings that change data), or None before the first run."""
        return _read_json(self.job)

    def write_settings(self, settings):
        write_json_atomic(self.job, settings)

    def read_progress(self):
        """``progress.json``, or None while there is none (or it is mid-write)."""
        return _read_json(self.progress)

    def read_stats(self):
        """``stats.json`` (counts per stage and reason), or None."""
        return _read_json(self.stats)

    def load_stats(self):
        """``stats.json`` to update, empty when the job has none yet."""
        stats = self.read_stats() or {}
        stats.setdefault('stages', {})
        stats.setdefault('timings_s', {})
        return stats

    def write_stats(self, stats):
        write_json_atomic(self.stats, stats)

    def mtimes(self):
        """(progress.json, stats.json) modification times, None for a missing file."""
        return _mtime(self.progress), _mtime(self.stats)

    def has(self, attr):
        return os.path.exists(self.path(attr))

    def log_tail(self, n_lines=20):
        try:
            with open(self.log, errors='replace') as f:
                return ''.join(f.readlines()[-n_lines:])
        except OSError:
            return ''


def _read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _mtime(path):
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None
