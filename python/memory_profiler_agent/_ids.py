"""Object ids that stay with one object across snapshots and are never given to another one.

CPython's ``id(o)`` is an address, reused as soon as the object dies. Each address seen in a
snapshot keeps an entry ``[stable id, type, proof]``; at the next snapshot the same address is
the same object only if the proof still holds:

- weakref-able objects (instances of most classes, functions, classes, sets): a weak reference
  that must still point at this very object — exact;
- str, bytes, int, float and other immutable atoms: the same type and value (an equal value at
  the same address cannot be told apart from the old one by any reader);
- other gc-tracked objects (dict, list, tuple, instances of classes with ``__slots__`` but no
  ``__weakref__``): the same type, and a gc generation no younger than before. Objects only move
  to older generations, so an object found in a younger one is new. A new object that reached
  the same generation (after enough collections) is taken for the old one: a documented limit;
- anything else: the same type.

Entries of addresses not seen in a snapshot are dropped, so the map holds only the latest
snapshot's objects. Ids are odd (as V8's for heap objects); synthetic nodes use small even ones.
"""

import gc
import weakref

from . import _safe

FIRST_ID = 100_001

_VALUE_TYPES = _safe.id_set((str, bytes, int, float, complex, bool, type(None)))
_MISSING = object()


class AgentRef(weakref.ref):
    """The agent's weak references: a type of their own, so snapshots skip them by type."""

    __slots__ = ()


class _Table:
    """One snapshot's entries in parallel dicts of plain values (no per-object container)."""

    def __init__(self):
        self.ids = {}
        self.types = {}
        self.weak = {}
        self.values = {}
        self.gens = {}

    def containers(self):
        return [self, self.__dict__, self.ids, self.types, self.weak, self.values, self.gens]


class StableIds:
    def __init__(self):
        self._old = _Table()
        self._new = _Table()
        self._next = FIRST_ID
        self._generation = {}

    def begin(self):
        """Start of a snapshot: the gc generation of every tracked object, for the proof above."""
        self._new = _Table()
        # Only the young generations are listed: every other tracked object is in generation 2.
        generation = {}
        for g in (1, 0):
            for o in gc.get_objects(g):
                generation[id(o)] = g
        self._generation = generation

    def id_of(self, o):
        addr = id(o)
        new = self._new
        stable = new.ids.get(addr)
        if stable is not None:
            return stable
        t = type(o)
        old = self._old
        stable = old.ids.get(addr)
        if id(t) in _VALUE_TYPES:
            # Fast path for atoms, most of a heap: the same value at the same address is the same.
            value = str.__hash__(o) if t is str and len(o) > 64 else o
            if stable is not None:
                before = old.values.get(addr, _MISSING)
                if before is _MISSING or type(before) is not type(value) or not (before is value or before == value) or old.types.get(addr) != id(t):
                    stable = None
            if stable is None:
                stable = self._next
                self._next += 2
            new.ids[addr] = stable
            new.types[addr] = id(t)
            new.values[addr] = value
            return stable
        if stable is None or old.types.get(addr) != id(t) or not self._same(o, t, addr, old):
            stable = self._next
            self._next += 2
        new.ids[addr] = stable
        new.types[addr] = id(t)
        self._prove(o, t, addr, new)
        return stable

    def _same(self, o, t, addr, old):
        ref = old.weak.get(addr)
        if ref is not None:
            return ref() is o
        if addr in old.values:
            return _same_value(o, t, old.values[addr])
        gen = old.gens.get(addr)
        if gen is not None:
            return self._generation.get(addr, 2) >= gen
        return True

    def _prove(self, o, t, addr, new):
        if id(t) in _VALUE_TYPES:
            new.values[addr] = str.__hash__(o) if t is str and len(o) > 64 else o
            return
        if _safe.weakrefable(t):
            try:
                new.weak[addr] = AgentRef(o)
                return
            except TypeError:
                pass
        if gc.is_tracked(o):
            new.gens[addr] = self._generation.get(addr, 2)

    def end(self):
        """End of a snapshot: only the addresses it saw are remembered."""
        self._old = self._new
        self._new = _Table()
        self._generation = {}

    def abort(self):
        self._new = _Table()
        self._generation = {}

    def own_containers(self):
        """The map's own containers, so that snapshots leave them out (its weak refs are AgentRef)."""
        return [self, self.__dict__, self._generation] + self._old.containers() + self._new.containers()


def _same_value(o, t, proof):
    if t is str and len(o) > 64:
        return type(proof) is int and proof == str.__hash__(o)
    return type(proof) is t and (proof is o or proof == o)
