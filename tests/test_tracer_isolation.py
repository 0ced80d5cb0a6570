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


# Every answer the abstract classes have cached, as (ABC, class, positive or negative).
ABC_ANSWERS = textwrap.dedent('''
    import _abc, json, sys, pathlib, snoop, snoop.formatting  # what the original has loaded
    from groundtrace.pipeline.fresh_state import abstract_classes

    def answers():
        found = set()
        for cls in abstract_classes():
            _, positive, negative, _ = _abc._get_dump(cls)
            found |= {(cls.__qualname__, ref().__qualname__, sign)
                      for sign, refs in (('+', positive), ('-', negative)) for ref in refs if ref() is not None}
        return found

    from groundtrace.pipeline.trace_stage import run_item
    before = answers()
    run_item({'refcode': 'def main_solution(x):\\n    y = [x]\\n    return y\\n', 'funcname': 'main_solution',
              'input': {'x': 1}, 'expected_output': [1], 'max_lines': 300})
    print(json.dumps(sorted(answers() - before)))
''')


def test_tracing_an_item_caches_no_abc_answer_of_its_own():
    # An isinstance check against an abstract class that the harness makes (snoop asking
    # whether its output is a path, say) caches an answer that a traced check by the item's
    # code would then find, where the original's fresh interpreter runs the class's hook.
    proc = subprocess.run([sys.executable, '-c', ABC_ANSWERS], capture_output=True, text=True, timeout=120,
                          env={'PYTHONPATH': str(REPO / 'python'), 'PATH': '/usr/bin:/bin'})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []
