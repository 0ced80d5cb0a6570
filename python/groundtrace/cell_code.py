"""A notebook cell compiled the way IPython runs it: its last expression is its result.

IPython displays the value of a cell's last statement when that statement is an
expression (``Out[n]``). A traced cell is one ``exec`` of one code object (so snoop sees
one frame with the cell's own line numbers); the last expression becomes an assignment
to a hidden name that the caller reads back and removes.
"""

import ast

RESULT_NAME = '_groundtrace_cell_result_'


def compile_cell(source, filename):
    """Compile ``source`` to run with ``exec``; a last expression statement stores its
    value in the namespace under ``RESULT_NAME``. Line numbers are the source's own."""
    tree = ast.parse(source, filename, 'exec')
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body[-1]
        store = ast.Assign(targets=[ast.Name(RESULT_NAME, ast.Store())], value=last.value)
        tree.body[-1] = ast.copy_location(store, last)
        ast.fix_missing_locations(tree)
    return compile(tree, filename, 'exec')


def take_result(namespace):
    """The last expression's value, removed from ``namespace`` (None when there was none)."""
    return namespace.pop(RESULT_NAME, None)
