"""Instances per class without a snapshot: one pass over ``gc.get_objects()`` counting types."""

import gc
import time

from . import _safe


def class_names(t):
    """The names a class answers to: ``Qual.Name``, ``module.Qual.Name`` and the bare name."""
    qual = _safe.qualname(t)
    module = _safe.module_of(t)
    names = {qual, _safe.bare_name(t)}
    if module:
        names.add(module + "." + qual)
    return names


def census(names, own_ids=frozenset()):
    started = time.perf_counter()
    per_type = {}
    objects = gc.get_objects()
    for o in objects:
        t = type(o)
        per_type[t] = per_type.get(t, 0) + 1
    # The agent's own objects are not the program's (they matter for builtin names like dict).
    for o in objects:
        if id(o) in own_ids:
            t = type(o)
            per_type[t] -= 1
    scanned = len(objects)
    objects = None
    wanted = {n: 0 for n in names}
    for t, count in per_type.items():
        for name in class_names(t):
            if name in wanted:
                wanted[name] += count
    return {"counts": wanted, "scanned": scanned, "pauseMs": (time.perf_counter() - started) * 1000}
