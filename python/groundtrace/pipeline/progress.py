"""A job's progress: a tqdm bar for people, ``progress.json`` for the panel and ``groundtrace status``.

``progress.json`` (schema ``Progress`` in ``jobs.schema.json``) is rewritten atomically at most
twice a second and at every stage boundary. It holds the job's ``state`` and one row per stage of
the job, in order (``rows``: status, done/total, rate, ETA, counts; a finished stage's counts are
its summary, the same rows the CLI prints), and ``nodes`` when an executor reports them. The flat
``stage``/``done``/``total``/``rate``/``eta_s``/``counts`` keys repeat the running stage's row.
"""

import os
import sys
import time

from .jsonl import write_json_atomic

MIN_INTERVAL = 0.5
VERSION = 2


def _row(stage):
    return {'stage': stage, 'status': 'waiting', 'done': 0, 'total': None, 'rate': None, 'eta_s': None,
            'counts': {}}


class Progress:
    def __init__(self, path, stages, quiet=False):
        self.path = path
        self.quiet = quiet
        self.rows = {stage: _row(stage) for stage in stages}
        self.state = {'version': VERSION, 'state': 'running', 'stage': None, 'done': 0, 'total': None,
                      'rate': None, 'eta_s': None, 'counts': {}, 'stages': list(stages), 'finished_stages': [],
                      'rows': list(self.rows.values()), 'pid': os.getpid(), 'updated': time.time()}
        self._bar = None
        self._last = 0.0
        self._started = None
        self._initial = 0

    @property
    def _current(self):
        return self.rows.get(self.state['stage'])

    def start_stage(self, name, total=None, initial=0):
        """The stage runs; called again by the stage once it knows its total and what is done."""
        again = self.state['stage'] == name
        self.state.update(stage=name, done=initial, total=total, rate=None, eta_s=None)
        if not again:
            self.state['counts'] = {}
        self._current.update(status='running')
        self._started = time.monotonic()
        self._initial = initial
        self._close_bar()
        if not self.quiet:
            # Imported here: only a bar needs it (a quiet job, the panel's, shows none).
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=initial, desc=name, unit='item',
                             file=sys.stderr, dynamic_ncols=True, smoothing=0.1)
        self._write(force=True)

    def advance(self, n=1, counts=None, nodes=None):
        self.state['done'] += n
        if counts is not None:
            self.state['counts'] = counts
        if nodes is not None:
            self.state['nodes'] = nodes
        if self._bar is not None:
            self._bar.update(n)
        self._write()

    def end_stage(self, summary=None, name=None):
        """The running stage (or ``name``) is done; ``summary`` (its rows, label → count) replaces its
        live counts."""
        row = self.rows[name] if name else self._current
        if row is None:
            return
        if row['status'] == 'done':  # the stage ended itself; the runner adds the summary
            if summary is not None:
                row['counts'] = dict(summary)
                self._write(force=True)
            return
        self._close_bar()
        if summary is not None:
            self.state['counts'] = dict(summary)
        self._sync(row)
        row.update(status='done', eta_s=0)
        if self.state['total'] is None:
            row['total'] = row['done']
        if row['stage'] not in self.state['finished_stages']:
            self.state['finished_stages'].append(row['stage'])
        self.state.update(stage=None, done=0, total=None, rate=None, eta_s=None, counts={})
        self._write(force=True)

    def skip_stage(self, name, note):
        self.rows[name].update(status='skipped', note=note)
        self._write(force=True)

    def finish(self, state='finished', error=None):
        """The job ended: ``finished``, or ``failed`` with the error (a running stage is ``failed``)."""
        self._close_bar()
        row = self._current
        if row is not None:
            self._sync(row)
            row['status'] = 'failed' if state == 'failed' else 'stopped'
        self.state.update(state=state, stage=None)
        if error:
            self.state['error'] = error
        self._write(force=True)

    def _close_bar(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _sync(self, row):
        row.update({k: self.state[k] for k in ('done', 'total', 'rate', 'eta_s', 'counts')})

    def _write(self, force=False):
        now = time.monotonic()
        if not force and now - self._last < MIN_INTERVAL:
            return
        self._last = now
        elapsed = now - self._started if self._started else 0
        new = self.state['done'] - self._initial
        if self._current is not None and elapsed > 0 and new > 0:
            rate = new / elapsed
            self.state['rate'] = round(rate, 2)
            if self.state['total']:
                self.state['eta_s'] = round(max(0, self.state['total'] - self.state['done']) / rate, 1)
        if self._current is not None:
            self._sync(self._current)
        self.state['updated'] = time.time()
        write_json_atomic(self.path, self.state)
