"""trace_call: the dataset entry point, which must print what the original pipeline prints."""

import json
import re
from pathlib import Path

import jsonschema

from groundtrace.tracer import count_functions, trace_call

SCHEMA = json.loads((Path(__file__).parent.parent / 'python/groundtrace/schema/trace.schema.json').read_text())
ADDRESS = re.compile(r' at 0x[0-9a-f]+')

# SPEC §3: what the original prints for "unique permutations" on 'gor', with its wrapper
# file's 37-line offset removed (42 -> 5) and the address normalised.
PERMUTATIONS_GOR = """\
 >>> Call to main_solution
 ...... input_string = 'gor'
    5 | def main_solution(input_string):
    7 |     chars = list(input_string)
 .......... chars = ['g', 'o', 'r']
   10 |     permutations = set([''.join(p) for p in itertools.permutations(chars)])
     List comprehension:
       10 |     permutations = set([''.join(p) for p in itertools.permutations(chars)])
     .......... Iterating over <itertools.permutations object>
     .......... Values of p: ('g', 'o', 'r'), ('g', 'r', 'o'), ('o', 'g', 'r'), ('o', 'r', 'g'), ('r', 'g', 'o'), ('r', 'o', 'g')
     Result: ['gor', 'gro', 'ogr', 'org', 'rgo', 'rog']
   10 |     permutations = set([''.join(p) for p in itertools.permutations(chars)])
 .......... permutations = {SET}
   13 |     sorted_permutations = sorted(permutations)
 .......... sorted_permutations = ['gor', 'gro', 'ogr', 'org', 'rgo', 'rog']
   16 |     return sorted_permutations
 <<< Return value from main_solution: ['gor', 'gro', 'ogr', 'org', 'rgo', 'rog']
"""


def run(problem, kwargs, **limits):
    return trace_call(problem['refcode'], problem['funcname'], kwargs, **limits)


def test_plain_problem_prints_the_original_trace(toy_problems):
    result = run(toy_problems[849], {'input_string': 'gor'})
    text = ADDRESS.sub('', result.text)
    set_line = re.search(r'permutations = (\{.*\})', text).group(1)
    assert sorted(eval(set_line)) == ['gor', 'gro', 'ogr', 'org', 'rgo', 'rog']
    assert text == PERMUTATIONS_GOR.replace('{SET}', set_line)
    assert result.ok and result.returned == ['gor', 'gro', 'ogr', 'org', 'rgo', 'rog']


def test_every_line_starts_with_a_space_and_call_lines_have_no_file(toy_problems):
    result = run(toy_problems[393], {'n': 13})
    lines = result.text.splitlines()
    assert all(line.startswith(' ') for line in lines)
    calls = [line.strip() for line in lines if '>>> ' in line]
    assert calls[:2] == ['>>> Call to main_solution', '>>> Call to josephus']
    assert not any('File' in line or 'line ' in line for line in calls)


def test_nested_functions_and_recursion_are_traced_to_the_def_count_depth(toy_problems):
    problem = toy_problems[393]  # josephus: main_solution -> josephus -> jos (recursive)
    assert count_functions(problem['refcode']) == 3
    result = run(problem, {'n': 13})
    assert result.returned == problem_output(problem, {'n': 13}) == 10
    # depth 3 reaches the first jos call; its recursive calls are deeper and untraced
    assert result.text.count('>>> Call to josephus.<locals>.jos') == 1
    assert max(event['depth'] for event in result.document['events']) == 2
    assert result.text.rstrip().splitlines()[-1].strip().startswith('<<< Return value from main_solution:')


def test_depth_follows_the_def_count():
    # Two defs: depth 2, so the helper is traced; a lambda adds no def, so depth 1 is not entered.
    two_defs = 'def helper(x):\n    return x + 1\ndef main_solution(a):\n    return helper(a)\n'
    assert '>>> Call to helper' in trace_call(two_defs, 'main_solution', {'a': 1}).text
    one_def = 'helper = lambda x: x + 1\ndef main_solution(a):\n    return helper(a)\n'
    assert '<lambda>' not in trace_call(one_def, 'main_solution', {'a': 1}).text


def test_comprehensions_and_generators(toy_problems):
    problem = toy_problems[2051]  # spiral corners: a nested generator function
    result = run(problem, {'spiral_size': '5'})
    assert result.returned == '101'
    assert '>>> Start generator main_solution.<locals>.spiralCorners' in result.text
    assert '>>> Re-enter generator main_solution.<locals>.spiralCorners' in result.text
    assert '<<< Yield value from main_solution.<locals>.spiralCorners: 1' in result.text
    kinds = {event['kind'] for event in result.document['events']}
    assert {'call', 'line', 'return'} <= kinds


def test_strings_with_quotes_are_passed_as_real_values():
    # The original pasted repr-like text into source and broke on quotes.
    code = 'def main_solution(s):\n    return s.upper()\n'
    result = trace_call(code, 'main_solution', {'s': "it's \"quoted\""})
    assert result.returned == 'IT\'S "QUOTED"'


def test_full_return_value_is_recorded_beside_the_abbreviated_display():
    code = 'def main_solution(n):\n    return list(range(n))\n'
    result = trace_call(code, 'main_solution', {'n': 500})
    last = result.text.rstrip().splitlines()[-1]
    assert '...' in last  # snoop abbreviates
    assert result.document['return_value']['json'] == list(range(500))
    assert result.document['return_value']['repr'] == repr(list(range(500)))


def test_exception_is_reported_with_bang_lines():
    code = 'def main_solution(x):\n    y = 10 / x\n    return y\n'
    result = trace_call(code, 'main_solution', {'x': 0})
    assert isinstance(result.raised, ZeroDivisionError) and not result.ok
    assert '!!! ZeroDivisionError: division by zero' in result.text
    assert '!!! Call ended by exception' in result.text
    exceptions = [e for e in result.document['events'] if e['kind'] == 'exception']
    assert exceptions and exceptions[0]['value'] == 'ZeroDivisionError: division by zero'
    assert result.document['error'] == 'ZeroDivisionError: division by zero'


def test_with_block_lines_are_traced():
    code = ('import contextlib\n'
            'def main_solution(x):\n'
            '    with contextlib.suppress(KeyError):\n'
            '        y = {}[x]\n'
            '    return x\n')
    result = trace_call(code, 'main_solution', {'x': 'k'})
    assert result.returned == 'k'
    assert '    3 |     with contextlib.suppress(KeyError):' in result.text
    assert '!!! KeyError' in result.text


def test_max_lines_stops_the_trace_early():
    code = 'def main_solution(n):\n    total = 0\n    for i in range(n):\n        total += i\n    return total\n'
    result = trace_call(code, 'main_solution', {'n': 10_000_000}, max_lines=50)
    assert result.truncated == 'max_lines' and not result.ok
    assert 50 < len(result.text.splitlines()) < 60
    assert result.document['truncated']['reason'] == 'max_lines'


def test_a_long_comprehension_caps_the_document_not_the_text():
    # One event per iteration, but snoop prints a few lines of summary: the item stays ok,
    # its text is complete, and only the structured trace stops at the cap.
    code = 'def main_solution(n):\n    return sum([x * x for x in range(n)])\n'
    full = trace_call(code, 'main_solution', {'n': 5000}, max_lines=300)
    capped = trace_call(code, 'main_solution', {'n': 5000}, max_lines=300, max_document_events=1000)
    assert len(full.document['events']) > 5000 and full.document['truncated'] is None
    assert capped.ok and capped.returned == full.returned
    assert ADDRESS.sub('', capped.text) == ADDRESS.sub('', full.text)
    assert len(capped.document['events']) == 1000
    assert capped.document['truncated']['reason'] == 'max_events'
    jsonschema.validate(capped.document, SCHEMA)


def test_limit_stop_cannot_be_swallowed_by_except_exception():
    code = ('def main_solution(n):\n'
            '    try:\n'
            '        for i in range(n):\n'
            '            n += 0\n'
            '    except Exception:\n'
            '        return "swallowed"\n'
            '    return n\n')
    result = trace_call(code, 'main_solution', {'n': 100_000}, max_events=20)
    assert result.truncated == 'max_events' and result.returned is None


def test_documents_match_the_schema_and_map_events_to_text(toy_problems):
    result = run(toy_problems[393], {'n': 6})
    doc = result.document
    jsonschema.validate(doc, SCHEMA)
    lines = doc['text'].splitlines()
    covered = []
    for event in doc['events']:
        covered.extend(range(event['text_start'], event['text_end']))
        if event['kind'] == 'line' and event['text_end'] > event['text_start']:
            assert lines[event['text_end'] - 1].strip().startswith('{} |'.format(event['line']))
    assert covered == list(range(len(lines)))  # every text line belongs to exactly one event, in order
    assert doc['sources']['problem'] == toy_problems[393]['refcode']


def test_call_events_name_their_parent_frame(toy_problems):
    doc = run(toy_problems[393], {'n': 4}).document
    calls = [e for e in doc['events'] if e['kind'] == 'call']
    assert calls[0]['parent_frame'] is None
    frames = {e['frame']: e['function'] for e in calls}
    assert frames[calls[1]['parent_frame']] == 'main_solution'


def test_same_input_gives_the_same_trace(toy_problems):
    first = ADDRESS.sub('', run(toy_problems[393], {'n': 7}).text)
    assert ADDRESS.sub('', run(toy_problems[393], {'n': 7}).text) == first


def problem_output(problem, kwargs):
    return next(io['output'] for io in problem['ios'] if io['input'] == kwargs)
