"""FreshState puts back what the pool's own work changed: loaded modules, re's cache and the
ABC caches. Run in a fresh interpreter, since it changes the interpreter it runs in."""

import json
import subprocess
import sys

SCRIPT = r'''
import json, re, sys
from collections.abc import Mapping
from groundtrace.pipeline.fresh_state import FreshState
import _abc

fresh = FreshState()
report = {'disturbed_at_start': fresh.is_disturbed()}
fresh.restore()
report['disturbed_after_restore'] = fresh.is_disturbed()

import fractions                      # the pool's own work: an import,
re.compile(r'gt-\d+-pattern')         # a compiled pattern,
isinstance([], Mapping)               # and a cached ABC answer
report['disturbed_after_work'] = fresh.is_disturbed()
report['list_cached_before'] = any(r() is list for r in _abc._get_dump(Mapping)[2])

fresh.restore()
report['fractions_loaded'] = 'fractions' in sys.modules
report['pattern_cached'] = any(key[1] == r'gt-\d+-pattern' for key in re._cache)
report['list_cached_after'] = any(r() is list for r in _abc._get_dump(Mapping)[2])
report['disturbed_at_end'] = fresh.is_disturbed()
print(json.dumps(report))
'''


def test_restore_undoes_imports_compiled_patterns_and_abc_answers():
    out = subprocess.run([sys.executable, '-c', SCRIPT], capture_output=True, text=True, check=True).stdout
    report = json.loads(out)
    assert report == {
        'disturbed_at_start': True,      # nothing restored yet: no module count recorded
        'disturbed_after_restore': False,
        'disturbed_after_work': True,
        'list_cached_before': True,
        'fractions_loaded': False,
        'pattern_cached': False,
        'list_cached_after': False,
        'disturbed_at_end': False,
    }


CAPTURE = r'''
import json, sys, pathlib, snoop, snoop.formatting, numpy, platform
platform.uname()  # its result's processor is computed (by a subprocess) when first iterated
from groundtrace.pipeline.fresh_state import FreshState
before = set(sys.modules)
fresh = FreshState()
print(json.dumps({'imported': sorted(set(sys.modules) - before), 'caches': len(fresh.lru_caches)}))
'''


def test_capturing_the_state_loads_nothing():
    # Listing the loaded modules' lru caches must not run their objects' code (a lazy
    # attribute, an __iter__) that imports: the capture would change what it captures.
    out = subprocess.run([sys.executable, '-c', CAPTURE], capture_output=True, text=True, check=True).stdout
    report = json.loads(out)
    assert report['imported'] == [] and report['caches'] > 0
