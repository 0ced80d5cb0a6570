"""The interpreter state a traced call starts from in the original's fresh interpreter.

The pool captures it right after loading what the original's script loads, before any of
its own work, and hands it back to every child: the pool's imports, its warm-up trace and
its bookkeeping fill three caches whose hits and misses show in traces. An ``import``, an
``isinstance`` check against an abstract class or an ``re.compile`` inside traced code runs
its Python code (and is traced) only when the module is not loaded, the ABC has not cached
the answer, or ``re`` has not cached the pattern.

This module imports nothing the original's script has not loaded: the capture must not
change what it captures.
"""

import re
import sys

try:
    import _abc
except ImportError:  # an interpreter without the C accelerator of abc
    _abc = None


def abstract_classes():
    """Every class whose metaclass is ABCMeta (or a subclass of it)."""
    from abc import ABCMeta
    seen, found, todo = set(), [], [object]
    while todo:
        cls = todo.pop()
        try:
            subclasses = type.__subclasses__(cls) if isinstance(cls, type) and issubclass(cls, type) \
                else cls.__subclasses__()
        except TypeError:
            continue
        for sub in subclasses:
            if id(sub) not in seen:
                seen.add(id(sub))
                todo.append(sub)
                if isinstance(sub, ABCMeta):
                    found.append(sub)
    return found


def _abc_answers():
    """``(abc, subclass)`` pairs each ABC has cached, positive or negative."""
    if _abc is None:
        return []
    pairs = []
    for cls in abstract_classes():
        try:
            _registry, cache, negative, _version = _abc._get_dump(cls)
        except Exception:
            continue
        for ref in list(cache) + list(negative):
            sub = ref()
            if sub is not None:
                pairs.append((cls, sub))
    return pairs


# The tracer's own modules, and tokenize, which asttokens uses for it: their caches do not show
# in trace text.
TRACER_MODULES = ('snoop', 'executing', 'asttokens', 'cheap_repr', 'pygments', 'littleutils', 'groundtrace',
                  'tokenize')


def lru_caches():
    """The ``functools.lru_cache``s of loaded modules (their functions, the methods of their
    classes, the items of their small lists and dicts: typing's ``_tp_cache`` lives in
    ``typing._cleanups``). A cache an item fills is warm for the next item of its child, where a
    fresh interpreter would miss (and trace the call); its contents cannot be put back."""
    import functools

    wrapper, builtin_method, found = functools._lru_cache_wrapper, type(len), {}

    def note(obj):
        # type() only: a getattr could run an object's __getattr__ (numpy's lazy attributes
        # import subprocess), and the capture must not change what it captures.
        if type(obj) is builtin_method:  # a bound cache_clear, as typing keeps them
            obj = obj.__self__
        if type(obj) is wrapper:
            found[id(obj)] = obj

    for name, module in list(sys.modules.items()):
        namespace = getattr(module, '__dict__', None)
        if namespace is None or name.startswith(TRACER_MODULES):
            continue
        for value in list(namespace.values()):
            note(value)
            if type(value) in (list, tuple, dict) and len(value) < 100:  # (a subclass's __iter__ may run code)
                for item in list(value.values() if isinstance(value, dict) else value):
                    note(item)
            elif isinstance(value, type) and value.__dict__.get('__module__') == name:
                for item in list(value.__dict__.values()):
                    note(item)
    return list(found.values())


# Loaded by the interpreter itself on the pool's behalf: os.wait4 imports ``resource`` for its
# result type every time it is missing, so forgetting it would only make the pool reload it
# after every item. A C module: importing it inside traced code runs no Python code anyway.
POOL_NEEDS = frozenset({'resource'})


class FreshState:
    def __init__(self):
        self.modules = frozenset(sys.modules) | POOL_NEEDS
        self.re_cache = dict(re._cache)
        self.abc_answers = _abc_answers()
        self.lru_caches = lru_caches()
        self._n_modules = -1  # len(sys.modules) after the last restore (none yet)
        self.abc_classes = None  # the abstract classes the last restore reset

    def is_disturbed(self):
        """A cheap check, run before each fork: has the pool imported or compiled since?"""
        return len(sys.modules) != self._n_modules or len(re._cache) != len(self.re_cache)

    def restore(self, abc_classes=None):
        """``abc_classes``: the abstract classes to reset, when the caller knows them (a child
        between two items: walking every class would touch, and so copy, every class's page)."""
        self._forget_modules()
        re._cache.clear()
        re._cache.update(self.re_cache)
        self._restore_abc_caches(abc_classes)
        self._n_modules = len(sys.modules)

    def _forget_modules(self):
        for name in list(sys.modules):
            if name in self.modules or name.startswith('groundtrace') or sys.modules[name] is None:
                continue
            del sys.modules[name]  # our references stay valid; a new import loads it afresh

    def _restore_abc_caches(self, classes=None):
        if _abc is None:
            return
        if classes is None:
            classes = self.abc_classes = abstract_classes()
        for cls in classes:
            _abc._reset_caches(cls)
        for cls, sub in self.abc_answers:
            issubclass(sub, cls)  # asks again what the fresh interpreter had asked
