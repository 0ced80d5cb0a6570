"""What the original pipeline does for one item, for fidelity checks and the benchmark.

A fresh interpreter per item runs a generated script: snoop installed with a formatter
following the original's rules, ``@snoop(depth=N)`` inserted before ``def <funcname>`` by
text replacement, and the call built by pasting argument text. The trace is its stderr.
``normalise`` maps its line numbers back to the problem's own source and drops addresses,
so the text can be compared with the engine's.
"""

import os
import re
import subprocess
import sys
import tempfile

from groundtrace.tracer import count_functions

HEADER = '''\
from pathlib import Path
import snoop
from snoop.formatting import DefaultFormatter
snoop.tracer.internal_directories += tuple(
    map(str, Path(snoop.tracer.internal_directories[0]).parent.glob("*")))

class CallHeaderFormatter(DefaultFormatter):
    """Call headers without file name and line number, as the original prints them."""

    def format_start(self, event):
        if event.frame_info.is_ipython_cell:
            return []
        if event.comprehension_type:
            return ['{}:'.format(event.comprehension_type)]
        if event.event == 'enter':
            what = 'Enter with block in'
        elif event.frame_info.is_generator:
            what = 'Re-enter generator' if event.is_yield_value else 'Start generator'
        else:
            what = 'Call to'
        return ['{c.cyan}>>> {what} {name}'.format(c=self.c, what=what, name=event.code_qualname())]

snoop.install(columns='', replace_watch_extras=(), formatter_class=CallHeaderFormatter)
'''

# ` at 0x…` as the original's translate step removes it, and any other long hex number
# (an address wrapped onto its own line by a long repr).
ADDRESS = re.compile(r'( at)? ?0x[0-9a-fA-F]{6,}')
LINE_NO = re.compile(r'^( *)(\d+) \| (.*)$', re.M)


def paste_args(kwargs, quoting='repr'):
    """The call's argument text. ``quoting='original'`` pastes strings inside single quotes
    without escaping, as the original does (and breaks on quotes); ``'repr'`` is correct."""
    parts = []
    for name, value in kwargs.items():
        if quoting == 'original':
            parts.append("{}='{}'".format(name, value) if isinstance(value, str) else '{}={}'.format(name, value))
        else:
            parts.append('{}={!r}'.format(name, value))
    return ', '.join(parts)


def script_for(code, funcname, kwargs, quoting='repr'):
    """The generated script and a map from its line numbers to the source's."""
    marker = 'def ' + funcname
    decorated = code.replace(marker, '\n@snoop(depth={})\n{}'.format(count_functions(code), marker))
    script = '{}\n{}\n\nif __name__ == "__main__":\n    {}({})\n'.format(
        HEADER, decorated, funcname, paste_args(kwargs, quoting))
    offset = HEADER.count('\n') + 1
    line_map = {}
    inserted = 0
    for i, line in enumerate(code.split('\n'), 1):
        inserted += 2 * line.count(marker)
        line_map[offset + i + inserted] = i
    return script, line_map


def run_baseline(code, funcname, kwargs, *, timeout=5.0, quoting='repr', python=sys.executable,
                 hash_seed='0', workdir=None):
    """Run one item the original's way; return ``(status, stderr_text, line_map)``."""
    script, line_map = script_for(code, funcname, kwargs, quoting)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        path = os.path.join(tmp, 'main.py')
        with open(path, 'w', errors='ignore') as f:
            f.write(script)
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        try:
            proc = subprocess.run([python, path], cwd=tmp, capture_output=True, text=True,
                                  timeout=timeout, env=env, start_new_session=True,
                                  stdin=subprocess.DEVNULL, errors='replace')
        except subprocess.TimeoutExpired:
            return 'timeout', '', line_map
    text = proc.stderr
    ok = '<<< Return value from {}:'.format(funcname) in text
    return ('ok' if ok else 'error'), text, line_map


def normalise(text, line_map=None, code=None):
    """Addresses removed and (with ``line_map`` and the problem's ``code``) line numbers of
    the generated script turned into the problem's own. A numbered line is renumbered only
    when its text is that source line: traced library code keeps its own numbers."""
    text = ADDRESS.sub('', text)
    if line_map is None:
        return text
    source = code.split('\n') if code is not None else None

    def renumber(m):
        spaces, digits, rest = m.group(1), m.group(2), m.group(3)
        n = int(digits)
        mapped = line_map.get(n)
        if mapped is None or (source is not None and source[mapped - 1].rstrip() != rest.rstrip()):
            return m.group(0)
        indent = len(spaces) + len(digits) - max(4, len(digits))
        return '{}{:4} | {}'.format(' ' * indent, mapped, rest)
    return LINE_NO.sub(renumber, text)
