"""Garbage graphs as Pympler draws them.

A collection with ``gc.DEBUG_SAVEALL`` leaves everything the collector found unreachable in
``gc.garbage`` instead of freeing it. Those objects are split into reference graphs (connected
parts of the references among them), each with the objects that lie on cycles, and a reduced
graph: the objects left when those that do not lie on a cycle between others are pruned
repeatedly (no reference into or out of the rest). The program's gc flags and ``gc.garbage``
are put back as they were; the found objects are dropped after the graphs are made, so the
program's next collection frees them (until then, another one here finds them again).

Finalizers (``__del__``) of the objects found run during the collection, as in any collection
of the program's own: that is CPython's collector, not the agent, calling them.
"""

import gc
import time
import types

from . import _safe

MAX_GRAPH_NODES = 2000


def collect_garbage(ids, own_ids):
    flags = gc.get_debug()
    saved = list(gc.garbage)
    del gc.garbage[:]
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        found = [o for o in gc.garbage if id(o) not in own_ids]
    finally:
        del gc.garbage[:]
        gc.garbage.extend(saved)
        gc.set_debug(flags)
        saved = None
    try:
        return _graphs(found, ids)
    finally:
        found = None


def _graphs(found, ids):
    index = {id(o): i for i, o in enumerate(found)}
    n = len(found)
    out_edges = [[] for _ in range(n)]
    for i, o in enumerate(found):
        for name, r in _named_referents(o):
            j = index.get(id(r))
            if j is not None:
                out_edges[i].append((j, name))
    # Connected parts, references taken both ways.
    neighbours = [set() for _ in range(n)]
    for i, es in enumerate(out_edges):
        for j, _ in es:
            neighbours[i].add(j)
            neighbours[j].add(i)
    part_of = [-1] * n
    parts = []
    for start in range(n):
        if part_of[start] >= 0:
            continue
        members = [start]
        part_of[start] = len(parts)
        k = 0
        while k < len(members):
            for j in neighbours[members[k]]:
                if part_of[j] < 0:
                    part_of[j] = len(parts)
                    members.append(j)
            k += 1
        parts.append(members)
    on_cycle = _cycle_members(n, out_edges)
    described = [_describe(o, ids) for o in found]
    graphs = []
    for members in parts:
        member_set = set(members)
        reduced = _reduce(members, out_edges)
        graphs.append(
            {
                "objects": len(members),
                "cycleObjects": sum(1 for i in members if on_cycle[i]),
                "totalSize": sum(described[i]["size"] for i in members),
                "classes": _top_classes(described[i]["className"] for i in members),
                "graph": _graph(members, member_set, out_edges, described),
                "reduced": _graph(reduced, set(reduced), out_edges, described),
            }
        )
    graphs.sort(key=lambda g: (-g["totalSize"], -g["objects"]))
    for i, g in enumerate(graphs):
        g["index"] = i
    return {
        "timestamp": int(time.time() * 1000),
        "objects": n,
        "totalSize": sum(d["size"] for d in described),
        "graphs": graphs,
    }


def _dict_referents(d):
    named = []
    for k, v in dict.items(d):
        named.append((_safe.key_text(k, 60), v))
        if type(k) is not str:
            named.append(("key", k))
    return named


def _named_referents(o):
    t = type(o)
    if t is dict:
        return _dict_referents(o)
    if t is list or t is tuple:
        return [("[%d]" % i, v) for i, v in enumerate(o)]
    if _safe.is_heap_type(t) and not _safe.is_class_type(t):
        named = [("__class__", t)]
        getter, slots = _safe.instance_layout(t)
        if getter is not None:
            d = _safe.instance_dict(o, getter)
            if d is not None:
                # Attributes as references of the object itself, as Pympler draws them.
                named.append(("__dict__", d))
                named.extend(_dict_referents(d))
        for name, get in slots:
            try:
                named.append((name, get(o)))
            except Exception:
                pass
        if _safe.builtin_base(t) is dict:
            named.extend(_dict_referents(o))
        seen = {id(r) for _, r in named}
        return named + [("", r) for r in gc.get_referents(o) if id(r) not in seen]
    return [("", r) for r in gc.get_referents(o)]


def _cycle_members(n, out_edges):
    """Tarjan's strongly connected components, iteratively: a node lies on a cycle when its
    component has more than one node or it refers to itself."""
    on_cycle = [False] * n
    order = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    stack = []
    counter = 0
    for root in range(n):
        if order[root] >= 0:
            continue
        work = [(root, 0)]
        order[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        while work:
            v, k = work[-1]
            es = out_edges[v]
            if k < len(es):
                work[-1] = (v, k + 1)
                w = es[k][0]
                if order[w] < 0:
                    order[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = True
                    work.append((w, 0))
                elif on_stack[w]:
                    low[v] = min(low[v], order[w])
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == order[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1 or any(j == v for j, _ in out_edges[v]):
                    for w in component:
                        on_cycle[w] = True
    return on_cycle


def _reduce(members, out_edges):
    """Prunes, again and again, the objects with no reference to or from the rest (Pympler's
    reduce_to_cycles): what is left are the cycles and the paths between them."""
    alive = set(members)
    changed = True
    while changed:
        changed = False
        incoming = {i: 0 for i in alive}
        outgoing = {i: 0 for i in alive}
        for i in alive:
            for j, _ in out_edges[i]:
                if j in alive:
                    outgoing[i] += 1
                    incoming[j] += 1
        for i in list(alive):
            if incoming[i] == 0 or outgoing[i] == 0:
                alive.discard(i)
                changed = True
    return [i for i in members if i in alive]


def _graph(members, member_set, out_edges, described):
    shown = members[:MAX_GRAPH_NODES]
    shown_set = set(shown)
    edges = []
    for i in shown:
        for j, name in out_edges[i]:
            if j in shown_set:
                edges.append({"from": described[i]["id"], "to": described[j]["id"], "name": name})
    return {"nodes": [described[i] for i in shown], "edges": edges, "truncated": len(members) > len(shown)}


def _describe(o, ids):
    t = type(o)
    return {
        "id": ids.id_of(o),
        "size": _safe.self_size(o),
        "type": _node_type(o, t),
        "className": _safe.qualname(t),
        "repr": _safe.short_repr(o),
    }


def _node_type(o, t):
    # The node types of heap snapshots (see _snapshot).
    if t is str:
        return "string"
    if t is types.FunctionType:
        return "closure"
    if t is types.CodeType:
        return "code"
    return "object"


def _top_classes(names):
    counts = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
