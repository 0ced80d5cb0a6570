"""What a child puts back between two items of one problem, and when it cannot (then it ends).

A child runs the items of one problem one after another: a fork and a fresh child's
copy-on-write faults cost about as much as a traced call (bench/README.md, trace_floor), and
the items of a problem run the same code. Each item must still start from the state a fresh
child starts from. ``ItemReset`` takes that state when the child starts; after each item it
puts back what can be put back cheaply and exactly — the imports the item made, re's and the
ABCs' caches (``FreshState``), builtins, sys settings and streams, warnings filters, the
environment, the umask, gc settings, cwd and the scratch directory — and says the child must
end instead when the item left what cannot: a running thread, a process (when the child has
no uid of its own), a signal handler, an alarm or interval timer, a changed resource limit, a
closed standard stream, an ABC registration during the traced call, a newly loaded C module
that has state (its state outlives a re-import; decimal's, loaded by the problem's module code
and left as an import leaves it, is the one exception: ``PUT_BACK_EXTENSIONS``), an entry in a
loaded module's ``lru_cache`` (typing's, ``fnmatch``'s, ...), or a changed numpy print or error
setting or locale. Context variables (decimal's current context; numpy keeps its settings in
them too) need no put-back: each item runs in a context of its own (child.py). The modules the
pool loads for their C state (numpy.random, random) are given back as a fresh import leaves
them: seeded anew from the OS (``fresh_module_state``) when the item drew from them.
"""

import _signal  # getsignal without the enum conversion signal's adds (60 signals per item)
import _thread
import abc
import builtins
import gc
import os
import resource
import shutil
import signal
import sys
import warnings

from ..fresh_state import abstract_classes

_SYS_SETTINGS = (('getrecursionlimit', 'setrecursionlimit'),
                 ('get_int_max_str_digits', 'set_int_max_str_digits'),
                 ('getswitchinterval', 'setswitchinterval'))
_SYS_OBJECTS = ('stdin', 'stdout', 'stderr', 'displayhook', 'excepthook', 'breakpointhook', 'unraisablehook')
_SYS_LISTS = ('path', 'argv', 'meta_path', 'path_hooks', 'warnoptions')
# RLIMIT_CPU is the child's to set before each item (child.py).
_LIMITS = tuple(getattr(resource, name) for name in dir(resource)
                if name.startswith('RLIMIT_') and name != 'RLIMIT_CPU')
_SIGNALS = tuple(s for s in signal.valid_signals() if s not in (signal.SIGKILL, signal.SIGSTOP))
_TIMERS = (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL)


# C modules of the standard library that keep no state a program can change (functions,
# constants and types only), so a second import after a forget is like a first. Any other C
# module an item loads (``_csv``'s field limit, numpy's, ...) ends the child, but for
# ``PUT_BACK_EXTENSIONS``. Snoop loads some of these lazily (``_bisect`` through asttokens).
STATELESS_EXTENSIONS = frozenset({
    '_bisect', '_heapq', 'unicodedata', 'binascii', '_random', '_md5', '_sha1', '_sha256', '_sha512',
    '_sha3', '_blake2', '_struct', 'array', '_json', '_statistics', 'cmath', '_contextvars', '_queue',
    'zlib', '_opcode', '_uuid', '_zoneinfo', '_typing',
})


_current = []  # the child's ItemReset, while it runs an item


def code_ran():
    """A target calls this when the item's module code has run, right before the inputs are
    decoded and the traced call starts (trace_stage.run_item). Cache entries the item made
    until here (defining its functions: typing's subscripts in annotations) the next item of
    the same code makes again before its own call, so they cannot show in its trace; from
    here on they could. Outside a child (the job, a test) it does nothing."""
    for reset in _current:
        reset.cache_misses_at_call = reset._cache_misses()
        reset.abc_token_at_call = abc.get_cache_token()
        reset.loaded_at_call = [name for name in PUT_BACK_EXTENSIONS if name in sys.modules]


_GENERATORS = ('random', 'numpy.random')


def fresh_module_state():
    """numpy.random's and random's global generators seeded from the OS, as each is right
    after its import (the pool loads them once, for every child). Returns their states."""
    for name in _GENERATORS:
        module = sys.modules.get(name)
        if module is not None:
            module.seed()
    return generator_states()


def generator_states():
    """What the global generators would draw next (comparable with ``==``)."""
    states = []
    random = sys.modules.get('random')
    if random is not None:
        states.append(random.getstate())
    numpy_random = sys.modules.get('numpy.random')
    if numpy_random is not None:
        name, key, pos, has_gauss, gauss = numpy_random.get_state(legacy=True)
        states.append((name, key.tobytes(), pos, has_gauss, gauss))
    return states


# How ``_decimal``'s three template contexts print right after its import (the decimal docs
# give these defaults). A later import in the same process reuses the module's first objects
# (a single-phase C module), so the templates must still be as they were.
_DECIMAL_TEMPLATES = {
    'DefaultContext': 'Context(prec=28, rounding=ROUND_HALF_EVEN, Emin=-999999, Emax=999999, capitals=1, '
                      'clamp=0, flags=[], traps=[InvalidOperation, DivisionByZero, Overflow])',
    'BasicContext': 'Context(prec=9, rounding=ROUND_HALF_UP, Emin=-999999, Emax=999999, capitals=1, clamp=0, '
                    'flags=[], traps=[Clamped, InvalidOperation, DivisionByZero, Overflow, Underflow])',
    'ExtendedContext': 'Context(prec=9, rounding=ROUND_HALF_EVEN, Emin=-999999, Emax=999999, capitals=1, '
                       'clamp=0, flags=[], traps=[])',
}


def _decimal_as_imported(module):
    """``_decimal`` holds nothing of the item's: each item runs in a context of its own
    (child.py), where ``getcontext()`` starts from ``DefaultContext``, and the templates are as
    an import leaves them."""
    try:
        return module.HAVE_CONTEXTVAR is True and all(
            type(getattr(module, name)) is module.Context and repr(getattr(module, name)) == text
            for name, text in _DECIMAL_TEMPLATES.items())
    except Exception:
        return False


# C modules with state that a child may keep after an item that loaded them in its module code
# (before the traced call, where the original loads them too, untraced), once their state is
# as an import leaves it. Loaded during the call, the import's own work (ABC registrations,
# class creation) would show in the original's trace and not in a reused child's.
PUT_BACK_EXTENSIONS = {'_decimal': _decimal_as_imported}


def _stateful_extension(name, module):
    return name not in STATELESS_EXTENSIONS and (getattr(module, '__file__', None) or '').endswith('.so')


class ItemReset:
    def __init__(self, fresh, scratch, out_fd, in_fd, own_uid):
        """Taken in the child, set up and before its first item. ``out_fd`` and ``in_fd``
        are what fds 1/2 and 0 were made from; ``own_uid``: the child runs as a uid of
        its own, so ``kill(-1)`` reaches exactly the processes its items started."""
        self.fresh = fresh
        # The pool's last restore listed them (items' own ABCs are gone with their items).
        self.abc_classes = fresh.abc_classes if fresh.abc_classes is not None else abstract_classes()
        self.abc_token = abc.get_cache_token()
        self.scratch, self.out_fd, self.in_fd, self.own_uid = scratch, out_fd, in_fd, own_uid
        self.builtins = dict(builtins.__dict__)
        self.main = sys.modules.get('__main__')
        self.settings = [(getattr(sys, setter), getattr(sys, getter)())
                         for getter, setter in _SYS_SETTINGS if hasattr(sys, getter)]
        self.objects = {name: getattr(sys, name) for name in _SYS_OBJECTS if hasattr(sys, name)}
        self.lists = {name: (getattr(sys, name), list(getattr(sys, name))) for name in _SYS_LISTS}
        self.environ = dict(os.environ)
        self.umask = os.umask(0o022)
        os.umask(self.umask)
        self.filters = (warnings.filters, list(warnings.filters), warnings.showwarning, dict(warnings.onceregistry))
        self.gc = (gc.isenabled(), gc.get_threshold())  # (not the freeze count: counting walks every object)
        self.limits = {r: resource.getrlimit(r) for r in _LIMITS}
        self.signals = {s: _signal.getsignal(s) for s in _SIGNALS}
        self.threads = _thread._count()
        self.cache_misses = self.cache_misses_at_call = self._cache_misses()
        self.process_state = self._process_state()
        # The pool's generators are every child's: each child seeds its own, and seeds them
        # again after an item that drew from them (an untouched seeded state is as fresh).
        self.generators = fresh_module_state()
        # What the child inherited is never garbage here: collections between items then
        # walk the items' objects only, not every page of the pool's (each walk copies them).
        gc.freeze()

    def before_item(self):
        self.cache_misses_at_call = self.cache_misses
        self.abc_token_at_call = self.abc_token
        self.loaded_at_call = []
        _current[:] = [self]

    def after_item(self):
        """Put the starting state back; False when the child must end instead."""
        _current.clear()
        try:
            if not self._nothing_left_behind():
                return False
            self._put_back()
        except Exception:  # the item broke what a put-back needs (closed a spare fd, ...)
            return False
        return True

    def _nothing_left_behind(self):
        if _thread._count() != self.threads:
            return False
        if signal.alarm(0) or any(signal.getitimer(t)[0] for t in _TIMERS):
            return False
        if any(_signal.getsignal(s) != handler for s, handler in self.signals.items()):
            return False
        if any(resource.getrlimit(r) != value for r, value in self.limits.items()):
            return False
        # An ABC registration during the traced call ends the child; one by the module code
        # (decimal's import registers Decimal as a Number) the next item's module code makes too.
        if abc.get_cache_token() != self.abc_token_at_call:
            return False
        if self._cache_misses() != self.cache_misses_at_call or self._process_state() != self.process_state:
            return False
        if any(_stateful_extension(name, sys.modules[name]) and not self._put_back_extension(name)
               for name in sys.modules.keys() - self.fresh.modules if not name.startswith('groundtrace')):
            return False
        if any(getattr(stream, 'closed', False) for stream in (sys.__stdout__, sys.__stderr__)):
            return False
        return self._no_processes_left() and self._scratch_emptied()

    def _put_back_extension(self, name):
        return name in self.loaded_at_call and PUT_BACK_EXTENSIONS[name](sys.modules[name])

    def _cache_misses(self):
        # No restore sets these back: a cache filled after code_ran() ends the child.
        return [cache.cache_info().misses for cache in self.fresh.lru_caches]

    @staticmethod
    def _process_state():
        """Settings of loaded modules that change how values print or compute."""
        state = []
        numpy = sys.modules.get('numpy')
        if numpy is not None:
            state += [numpy.get_printoptions(), numpy.geterr()]
        locale = sys.modules.get('locale')
        if locale is not None:
            state.append(locale.setlocale(locale.LC_ALL))
        return state

    def _no_processes_left(self):
        if self.own_uid:
            try:
                os.kill(-1, signal.SIGKILL)  # every process of this uid but this one
            except OSError:
                pass
        while True:
            try:
                pid, _ = os.waitpid(-1, 0 if self.own_uid else os.WNOHANG)
            except ChildProcessError:
                return True
            if pid == 0:
                return False  # a child still runs and nothing may kill it here

    def _scratch_emptied(self):
        try:
            os.chdir(self.scratch)
            for entry in os.scandir(self.scratch):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
        except OSError:
            return False
        return True

    def _put_back(self):
        self.abc_token = abc.get_cache_token()
        self.fresh.restore(self.abc_classes)
        if generator_states() != self.generators:
            self.generators = fresh_module_state()
        current = builtins.__dict__
        for name in [n for n in current if n not in self.builtins]:
            del current[name]
        for name, value in self.builtins.items():
            if current.get(name, self) is not value:
                current[name] = value
        sys.modules['__main__'] = self.main
        for setter, value in self.settings:
            setter(value)
        for name, value in self.objects.items():
            setattr(sys, name, value)
        for name, (original, items) in self.lists.items():
            original[:] = items
            setattr(sys, name, original)
        sys.settrace(None)
        sys.setprofile(None)
        if os.environ != self.environ:
            os.environ.clear()
            os.environ.update(self.environ)
        os.umask(self.umask)
        original, items, showwarning, once = self.filters
        original[:] = items
        warnings.filters, warnings.showwarning = original, showwarning
        warnings.onceregistry.clear()
        warnings.onceregistry.update(once)
        warnings._filters_mutated()
        os.dup2(self.in_fd, 0)
        os.dup2(self.out_fd, 1)
        os.dup2(self.out_fd, 2)
        enabled, threshold = self.gc
        gc.set_threshold(*threshold)
        gc.enable() if enabled else gc.disable()
        gc.collect()  # the item's garbage, whose finalizers would otherwise run in the next one
