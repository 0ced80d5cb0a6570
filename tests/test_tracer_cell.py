"""trace_cell / trace_function: what notebooks need (in-process; the kernel test covers IPython)."""

from groundtrace.recorder import TraceLimits
from groundtrace.tracer import trace_cell, trace_function


def define(namespace, source, filename):
    """Run an 'earlier cell' so its functions have real, linecache-visible source."""
    import linecache
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, 'exec'), namespace)


def test_cell_uses_earlier_variables_and_steps_into_their_functions():
    namespace = {}
    define(namespace, 'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nstart = 4\n', '<cell-1>')
    result = trace_cell('value = fib(start)\nwords = [str(v) for v in range(value)]\n', namespace,
                        source_names={'<cell-1>': 'cell[1]'}, source_name='cell[2]')
    assert result.ok and namespace['value'] == 3
    text = result.text
    assert '>>> Call to fib' in text and '<<< Return value from fib: 3' in text
    assert '...... start = 4' in text  # the earlier variable the cell reads
    sources = {event['source'] for event in result.document['events']}
    assert sources == {'cell[1]', 'cell[2]'}
    assert result.document['sources']['cell[2]'].startswith('value = fib(start)')


def test_cell_has_no_module_call_or_return_lines():
    result = trace_cell('a = 1\nb = a + 1\n', {})
    assert '<module>' not in result.text
    lines = [line.strip() for line in result.text.splitlines()]
    assert lines == ['1 | a = 1', '2 | b = a + 1', '...... b = 2']  # snoop omits 'a = 1': the line says it


def test_cell_frame_shows_only_the_cells_own_names():
    namespace = {'unrelated': 123}
    result = trace_cell('import math\nx = math.floor(2.5)\n', namespace)
    assert 'unrelated' not in result.text and 'math =' not in result.text
    assert '...... x = 2' in result.text


def test_standard_library_is_not_traced_in_cells():
    result = trace_cell('import json\ns = json.dumps({"a": 1})\n', {})
    assert '>>> Call to dumps' not in result.text and result.ok


def test_cell_exception_is_returned_with_the_partial_trace():
    result = trace_cell('x = 1\ny = x / 0\n', {})
    assert isinstance(result.raised, ZeroDivisionError)
    assert '!!! ZeroDivisionError: division by zero' in result.text
    assert result.document['error'] == 'ZeroDivisionError: division by zero'


def test_cell_trace_is_truncated_with_a_marker():
    namespace = {}
    result = trace_cell('t = 0\nfor i in range(10**5):\n    t += i\n', namespace,
                        limits=TraceLimits(max_events=100, stop_code=False))
    assert result.truncated == 'max_events' and result.raised is None
    assert namespace['t'] == sum(range(10**5))  # tracing stopped, the cell did not
    assert result.document['truncated']['message'] == 'trace truncated at 101 events (events > 100)'
    assert len(result.document['events']) == 101


def test_generator_and_with_block_in_cell():
    namespace = {}
    define(namespace, (
        'import contextlib\n'
        'def countdown(n):\n'
        '    while n > 0:\n'
        '        yield n\n'
        '        n -= 1\n'
        'class Box:\n'
        '    def __enter__(self):\n'
        '        return self\n'
        '    def __exit__(self, *exc):\n'
        '        return False\n'), '<cell-gen>')
    result = trace_cell('with Box() as box:\n    got = list(countdown(2))\n', namespace)
    assert namespace['got'] == [2, 1]
    text = result.text
    assert '>>> Call to Box.__enter__' in text and '>>> Call to Box.__exit__' in text
    assert '>>> Start generator countdown' in text and '>>> Re-enter generator countdown' in text


def test_trace_function_records_the_full_result():
    namespace = {}
    define(namespace, 'def squares(n):\n    return [i * i for i in range(n)]\n', '<cell-sq>')
    result = trace_function(namespace['squares'], (300,))
    assert result.returned == [i * i for i in range(300)]
    assert result.document['return_value']['json'] == result.returned
    assert result.document['title'] == 'squares(300)'
    assert result.text.startswith(' >>> Call to squares')
