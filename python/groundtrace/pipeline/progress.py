"""Per-stage progress: a tqdm bar for people, ``progress.json`` for the side panel.

``progress.json`` is rewritten atomically at most twice a second (and at every stage
boundary): ``{"state", "stage", "done", "total", "rate", "eta_s", "counts", "stages", "pid",
"updated"}``.
"""

import os
import sys
import time

from tqdm import tqdm

from .jsonl import write_json_atomic

MIN_INTERVAL = 0.5


class Progress:
    def __init__(self, folder, stages, quiet=False):
        self.path = os.path.join(folder, 'progress.json')
        self.stages = list(stages)
        self.quiet = quiet
        self.state = {'state': 'running', 'stage': None, 'done': 0, 'total': None, 'rate': None,
                      'eta_s': None, 'counts': {}, 'stages': self.stages, 'finished_stages': [],
                      'pid': os.getpid(), 'updated': time.time()}
        self._bar = None
        self._last = 0.0
        self._started = None
        self._initial = 0

    def start_stage(self, name, total=None, initial=0):
        self.state.update(stage=name, done=initial, total=total, rate=None, eta_s=None, counts={})
        self._started = time.monotonic()
        self._initial = initial
        if not self.quiet:
            self._bar = tqdm(total=total, initial=initial, desc=name, unit='item',
                             file=sys.stderr, dynamic_ncols=True, smoothing=0.1)
        self._write(force=True)

    def advance(self, n=1, counts=None):
        self.state['done'] += n
        if counts is not None:
            self.state['counts'] = counts
        if self._bar is not None:
            self._bar.update(n)
        self._write()

    def end_stage(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self.state['finished_stages'].append(self.state['stage'])
        self._write(force=True)

    def finish(self, state='finished', error=None):
        self.state.update(state=state, stage=None)
        if error:
            self.state['error'] = error
        self._write(force=True)

    def _write(self, force=False):
        now = time.monotonic()
        if not force and now - self._last < MIN_INTERVAL:
            return
        self._last = now
        elapsed = now - self._started if self._started else 0
        new = self.state['done'] - self._initial
        if elapsed > 0 and new > 0:
            rate = new / elapsed
            self.state['rate'] = round(rate, 2)
            if self.state['total']:
                self.state['eta_s'] = round(max(0, self.state['total'] - self.state['done']) / rate, 1)
        self.state['updated'] = time.time()
        write_json_atomic(self.path, self.state)
