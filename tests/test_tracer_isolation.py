"""groundtrace leaves snoop's module state alone: a user's own snoop in the same process prints
the same before and after `import groundtrace` (and after groundtrace has traced something)."""

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# The user's snoop steps into a pure-Python function of an installed package (cheap_repr, in
# site-packages), which groundtrace's own tracers never trace.
SCRIPT = textwrap.dedent('''
    import json
    import snoop
    import cheap_repr

    def user_trace():
        lines = []
        config = snoop.Config(out=lines.append, columns='', color=False)

        @config.snoop(depth=3)
        def shout(x):
            return cheap_repr.cheap_repr(x).upper()

        shout('abc')
        return ''.join(lines)

    before = user_trace()
    import groundtrace
    from groundtrace.tracer import trace_call
    after_import = user_trace()
    trace_call('def main_solution(s):\\n    return s * 2\\n', 'main_solution', {'s': 'ab'})
    after_tracing = user_trace()
    print(json.dumps([before, after_import, after_tracing]))
''')


def test_a_users_snoop_prints_the_same_before_and_after_import_groundtrace():
    proc = subprocess.run([sys.executable, '-c', SCRIPT], capture_output=True, text=True, timeout=120,
                          env={'PYTHONPATH': str(REPO / 'python'), 'PATH': '/usr/bin:/bin'})
    assert proc.returncode == 0, proc.stderr
    before, after_import, after_tracing = (re.sub(r' at 0x[0-9a-f]+', ' at 0x…', text)
                                           for text in json.loads(proc.stdout))
    assert 'cheap_repr' in before and '>>> Call to cheap_repr' in before  # the user's snoop steps into it
    assert after_import == before
    assert after_tracing == before
