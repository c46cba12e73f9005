"""The agent's own objects, left out of snapshots, censuses and garbage graphs.

Only gc-tracked containers are listed (strs and ints are shared with the program and reached
only through the program's own objects anyway). The walk from the agent's modules descends into
builtin containers, the agent's functions and classes; it stops at modules, classes and
functions of the program and at instances of the program's classes. Instances of the agent's
classes list their own containers (``_own_parts``: descended; ``_own_shallow``: the container
alone, for maps that hold the program's objects or a reference per program object).
"""

import gc
import sys
import threading
import types

from . import _safe

PACKAGE = "memory_profiler_agent"
_CONTAINERS = _safe.id_set((dict, list, tuple, set, frozenset))


def _ours(module_name):
    return module_name == PACKAGE or module_name.startswith(PACKAGE + ".")


class OwnObjects:
    def __init__(self):
        self.ids = set()
        self._add = self.ids.add

    def function(self, f):
        if id(f) in self.ids:
            return
        self._add(id(f))
        for part in (f.__defaults__, f.__kwdefaults__, f.__closure__):
            if part is not None:
                self.value(part, 3)
        if f.__closure__:
            for cell in f.__closure__:
                self._add(id(cell))
                try:
                    self.value(cell.cell_contents, 3)
                except ValueError:
                    pass

    def klass(self, c):
        if id(c) in self.ids:
            return
        self._add(id(c))
        for r in gc.get_referents(c):
            if id(type(r)) in _CONTAINERS:
                self._add(id(r))
        for value in dict.values(_safe.type_dict(c)):
            self.value(value, 3)

    def instance(self, o):
        if id(o) in self.ids:
            return
        self._add(id(o))
        getter, slots = _safe.instance_layout(type(o))
        if getter is not None:
            d = _safe.instance_dict(o, getter)
            if d is not None:
                self._add(id(d))
        parts = getattr(type(o), "_own_parts", None)
        if parts is not None:
            for part in parts(o):
                self.value(part, 4)
        shallow = getattr(type(o), "_own_shallow", None)
        if shallow is not None:
            for part in shallow(o):
                self._add(id(part))

    def value(self, v, depth):
        """A value the agent holds: descended per the module comment."""
        if depth < 0 or id(v) in self.ids:
            return
        t = type(v)
        if id(t) in _CONTAINERS:
            if not gc.is_tracked(v):
                return
            self._add(id(v))
            items = dict.items(v) if t is dict else v
            for item in items:
                if t is dict:
                    self.value(item[0], depth - 1)
                    self.value(item[1], depth - 1)
                else:
                    self.value(item, depth - 1)
        elif t is types.FunctionType:
            if _ours(v.__module__ if type(v.__module__) is str else ""):
                self.function(v)
        elif t is types.MethodType:
            self._add(id(v))
            self.value(v.__func__, depth)
            self.value(v.__self__, depth)
        elif t is staticmethod or t is classmethod:
            self._add(id(v))
            self.value(v.__func__, depth)
        elif t is property:
            self._add(id(v))
            for f in (v.fget, v.fset, v.fdel):
                if f is not None:
                    self.value(f, depth)
        elif _safe.is_class(v):
            if _ours(_safe.module_of(v)):
                self.klass(v)
        elif _ours(_safe.module_of(t)):
            self.instance(v)
        elif _safe.qualname(t) in ("method-wrapper", "builtin_function_or_method") and gc.is_tracked(v):
            self._add(id(v))

    def threading_object(self, o, depth=4):
        """A Thread of the agent, with its Events, Conditions and their lists and methods."""
        if depth < 0 or id(o) in self.ids:
            return
        t = type(o)
        module = _safe.module_of(t)
        if module == "threading" or _ours(module):
            self._add(id(o))
            getter, _ = _safe.instance_layout(t)
            d = _safe.instance_dict(o, getter) if getter else None
            if d is not None:
                self._add(id(d))
                for value in dict.values(d):
                    self.threading_object(value, depth - 1)
        elif id(t) in _CONTAINERS or t is types.MethodType or module == "collections":
            if gc.is_tracked(o):
                self._add(id(o))
            if t is types.MethodType:
                self._add(id(o.__func__)) if _ours(o.__func__.__module__ or "") else None
                self.threading_object(o.__self__, depth - 1)
            elif t is list or t is tuple or module == "collections":
                for item in (o if t is list or t is tuple else ()):
                    self.threading_object(item, depth - 1)
        elif _safe.qualname(t) in ("method-wrapper", "builtin_function_or_method") and gc.is_tracked(o):
            self._add(id(o))

    def frames(self, frame):
        while frame is not None:
            self._add(id(frame))
            try:
                local_vars = frame.f_locals
            except Exception:
                local_vars = None
            if type(local_vars) is dict and local_vars is not frame.f_globals:
                self._add(id(local_vars))
                for v in dict.values(local_vars):
                    self.value(v, 3)
            frame = frame.f_back


def collect(agent_objects, agent_thread_idents):
    """The ids of every container of the agent (see the module comment)."""
    own = OwnObjects()
    for part in (own, own.__dict__, own.ids, own._add):
        own._add(id(part))
    for name, module in list(dict.items(sys.modules)):
        if type(name) is str and _ours(name):
            own._add(id(module))
            d = _safe.module_dict(module)
            if d is None:
                continue
            own._add(id(d))
            for value in list(dict.values(d)):
                if type(value) is not types.ModuleType:
                    own.value(value, 4)
    for o in agent_objects:
        own.value(o, 4)
    for thread in threading.enumerate():
        if thread.ident in agent_thread_idents:
            own.threading_object(thread)
    # This thread from its caller on: reading this frame's own locals would make a cycle
    # (the frame, its locals, the frames dict holding the frame) left for the collector.
    me = threading.get_ident()
    own.frames(sys._getframe(1))
    for ident in agent_thread_idents:
        if ident != me:
            own.frames(sys._current_frames().get(ident))
    return own.ids
