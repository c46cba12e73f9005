"""Instances per class without a snapshot: one pass over ``gc.get_objects()`` counting types.

Classes are named as in snapshots, by ``__qualname__`` (``Outer.Inner``); a name asked for
matches a class by its bare (``Inner``), qualified (``Outer.Inner``) or module-qualified
(``app.Order``, ``__main__.Order``) name. Names are read through ``type``'s C-level descriptors
(see _safe): no code of the program runs. The agent's own classes are never listed.
"""

import gc
import time
from itertools import compress

from . import _safe
from ._own import PACKAGE

_type_subclasses = type.__dict__["__subclasses__"]


def class_names(t):
    """The names a class answers to: ``Qual.Name``, ``module.Qual.Name`` and the bare name."""
    qual = _safe.qualname(t)
    module = _safe.module_of(t)
    names = {qual, _safe.bare_name(t)}
    if module:
        names.add(module + "." + qual)
    return names


def _agents(t):
    module = _safe.module_of(t)
    return module == PACKAGE or module.startswith(PACKAGE + ".")


def _per_type(own_ids):
    """(instances per type, the object list's length, the classes among the objects).

    Types are counted by ``id`` (each entry ``[type, count]`` keeps its type): as a dict key, a
    class would run its metaclass's ``__hash__``/``__eq__``, the program's code."""
    per_type = {}
    objects = gc.get_objects()
    kinds = list(map(type, objects))
    kind_ids = list(map(id, kinds))
    for t, i in zip(kinds, kind_ids):
        entry = per_type.get(i)
        if entry is None:
            per_type[i] = [t, 1]
        else:
            entry[1] += 1
    # The agent's own objects are not the program's (they matter for builtin names like dict).
    if own_ids:
        for o in objects:
            if id(o) in own_ids:
                per_type[id(type(o))][1] -= 1
    metaclasses = {i for i, (t, _) in per_type.items() if _safe.is_class_type(t)}
    classes = [o for o in compress(objects, map(metaclasses.__contains__, kind_ids)) if id(o) not in own_ids]
    return list(per_type.values()), len(objects), classes


def census(names, own_ids=frozenset()):
    started = time.perf_counter()
    per_type, scanned, _ = _per_type(own_ids)
    wanted = {n: 0 for n in names}
    for t, count in per_type:
        for name in class_names(t):
            if name in wanted:
                wanted[name] += count
    return {"counts": wanted, "scanned": scanned, "pauseMs": (time.perf_counter() - started) * 1000}


def census_names(own_ids=frozenset()):
    """Every class the program has, by ``__qualname__`` (as a snapshot names its instances):
    ``counts``, instances per name (those with any), and ``classes``, the names of its classes,
    instances or not (what a mistyped tracked name is compared with)."""
    started = time.perf_counter()
    per_type, scanned, classes = _per_type(own_ids)
    counts = {}
    for t, count in per_type:
        if count > 0 and not _agents(t):
            name = _safe.qualname(t)
            counts[name] = counts.get(name, 0) + count
    names = sorted({_safe.qualname(c) for c in classes if not _agents(c)} | set(counts))
    return {"counts": counts, "classes": names, "scanned": scanned, "pauseMs": (time.perf_counter() - started) * 1000}


def all_classes():
    """Every class alive now (``type.__subclasses__`` from ``object`` down: no object list)."""
    seen = {id(object): object}
    todo = [object]
    while todo:
        t = todo.pop()
        try:
            subs = _type_subclasses(t)
        except Exception:
            continue
        for s in subs:
            if id(s) not in seen:
                seen[id(s)] = s
                todo.append(s)
    return [t for t in seen.values() if not _agents(t)]


def resolve(names):
    """For each name, the ``__qualname__`` of every class it matches (bare, qualified or
    module-qualified), sorted; empty when no class alive now answers to it."""
    wanted = {n: set() for n in names}
    for t in all_classes():
        for name in class_names(t):
            found = wanted.get(name)
            if found is not None:
                found.add(_safe.qualname(t))
    return {n: sorted(found) for n, found in wanted.items()}
