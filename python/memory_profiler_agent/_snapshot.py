"""The program's object graph as a DevTools ``.heapsnapshot`` (the layout V8 writes).

Nodes: every object gc tracks (``gc.get_objects()``) and every object reachable from them or
from the roots (strs, ints and untracked tuples/dicts included), minus the agent's own. Node 0
is the synthetic root; it has one element edge to ``(GC roots)``, whose element edges lead to
``(modules)`` (``sys.modules`` by name), ``(threads)`` (each thread's current frame),
``(builtins)`` and ``(interpreter)``: objects that only C code refers to (no tracked object
does), and groups only referenced from inside themselves (uncollected cycles).

The graph is built while no other thread runs (a long ``sys.setswitchinterval``; nothing here
blocks), then written out as text chunks while the program runs again.
"""

import gc
import sys
import threading
import types
import weakref

from . import _safe
from ._ids import AgentRef

NODE_FIELDS = ["type", "name", "id", "self_size", "edge_count", "trace_node_id", "detachedness"]
NODE_TYPES = [
    "hidden", "array", "string", "object", "code", "closure", "regexp", "number", "native",
    "synthetic", "concatenated string", "sliced string", "symbol", "bigint", "object shape",
]
EDGE_FIELDS = ["type", "name_or_index", "to_node"]
EDGE_TYPES = ["context", "element", "property", "internal", "hidden", "shortcut", "weak"]

N_HIDDEN, N_STRING, N_OBJECT, N_CODE, N_CLOSURE, N_NUMBER, N_NATIVE, N_SYNTHETIC = 0, 2, 3, 4, 5, 7, 8, 9
E_CONTEXT, E_ELEMENT, E_PROPERTY, E_INTERNAL, E_HIDDEN, E_WEAK = 0, 1, 2, 3, 4, 6
NODE_WIDTH = len(NODE_FIELDS)

MAX_STRING_NAME = 1024
MAX_KEY_NAME = 120

SYNTHETIC = ["", "(GC roots)", "(modules)", "(threads)", "(builtins)", "(interpreter)"]
ROOT, GC_ROOTS, MODULES, THREADS, BUILTINS, INTERPRETER = range(6)

# Builtin classes shown as "object" named by the class; other C types are "native".
_OBJECT_TYPES = {
    dict, list, tuple, set, frozenset, bytes, bytearray, type, types.ModuleType, object, range,
    slice, property, staticmethod, classmethod, memoryview, super, enumerate, zip, map, filter,
    reversed, types.SimpleNamespace, types.MappingProxyType,
}
_HIDDEN_ATOMS = {bool, type(None), type(Ellipsis), type(NotImplemented)}
_NUMBERS = {int, float, complex}


class Snapshot:
    """One snapshot's flat arrays: node records, edge records and the string table."""

    def __init__(self):
        self.nodes = []
        self.edges = []
        self.strings = []
        self.string_index = {}
        self.synthetic_edges = [[] for _ in SYNTHETIC]

    def string(self, text):
        i = self.string_index.get(text)
        if i is None:
            i = self.string_index[text] = len(self.strings)
            self.strings.append(text)
        return i

    @property
    def node_count(self):
        return len(self.nodes) // NODE_WIDTH

    @property
    def edge_count(self):
        return (len(self.edges) + sum(len(e) for e in self.synthetic_edges)) // 3

    def chunks(self, numbers_per_chunk=65536):
        """The ``.heapsnapshot`` text, piece by piece (V8's layout, one JSON document)."""
        import json

        meta = {
            "node_fields": NODE_FIELDS,
            "node_types": [NODE_TYPES, "string", "number", "number", "number", "number", "number"],
            "edge_fields": EDGE_FIELDS,
            "edge_types": [EDGE_TYPES, "string_or_number", "node"],
            "trace_function_info_fields": ["function_id", "name", "script_name", "script_id", "line", "column"],
            "trace_node_fields": ["id", "function_info_index", "count", "size", "children"],
            "sample_fields": ["timestamp_us", "last_assigned_id"],
            "location_fields": ["object_index", "script_id", "line", "column"],
        }
        head = {"meta": meta, "node_count": self.node_count, "edge_count": self.edge_count, "trace_function_count": 0}
        yield '{"snapshot":' + json.dumps(head, separators=(",", ":")) + ',\n"nodes":['
        yield from _numbers(self.nodes, numbers_per_chunk)
        yield '],\n"edges":['
        edges = []
        for part in self.synthetic_edges:
            edges.extend(part)
        edges.extend(self.edges)
        # to_node is an offset into the nodes array, not an ordinal.
        for i in range(2, len(edges), 3):
            edges[i] *= NODE_WIDTH
        yield from _numbers(edges, numbers_per_chunk)
        yield '],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n"locations":[],\n"strings":['
        dumps = json.dumps
        for start in range(0, len(self.strings), 8192):
            text = ",".join(dumps(s) for s in self.strings[start : start + 8192])
            yield ("," if start else "") + text
        yield "]}\n"


def _numbers(values, per_chunk):
    for start in range(0, len(values), per_chunk):
        yield ("," if start else "") + ",".join(map(str, values[start : start + per_chunk]))


class Walker:
    """Builds a ``Snapshot`` of the program's objects; see the module comment."""

    def __init__(self, ids, own_ids, agent_thread_ids):
        self.ids = ids
        self.own = own_ids
        self.agent_threads = agent_thread_ids
        self.snap = Snapshot()
        self.index = {}
        self.objects = []
        self._kinds = {}

    # ---- discovery
    def _ordinal(self, o):
        """The node ordinal of o, discovering it; None for the agent's own objects."""
        k = self.index.get(id(o))
        if k is None:
            if id(o) in self.own or type(o) is AgentRef:
                return None
            k = len(SYNTHETIC) + len(self.objects)
            self.index[id(o)] = k
            self.objects.append(o)
        return k

    def _discover(self, o):
        """``_ordinal`` for an object known not to be indexed yet (the hot loops looked already)."""
        if id(o) in self.own or type(o) is AgentRef:
            return None
        k = len(SYNTHETIC) + len(self.objects)
        self.index[id(o)] = k
        self.objects.append(o)
        return k

    def _synthetic_edge(self, node, etype, name, target):
        k = self._ordinal(target)
        if k is None:
            return
        part = self.snap.synthetic_edges[node]
        part.extend((etype, name if type(name) is int else self.snap.string(name), k))

    def build(self, gc_objects):
        snap = self.snap
        # Roots first, so that the program's own ways in name the objects' shortest paths.
        modules = sys.modules
        for name, module in list(dict.items(modules)):
            if type(name) is str and not name.startswith("memory_profiler_agent"):
                self._synthetic_edge(MODULES, E_PROPERTY, name, module)
        frames = sys._current_frames()
        names = {t.ident: t.name for t in threading.enumerate()}
        for ident, frame in frames.items():
            if ident in self.agent_threads:
                continue
            label = "%s (%d)" % (names.get(ident, "thread"), ident)
            self._synthetic_edge(THREADS, E_PROPERTY, label, frame)
        # The dict holds the agent's own frame, whose locals hold it: no cycle left behind.
        frames = frame = None
        import builtins

        self._synthetic_edge(BUILTINS, E_PROPERTY, "builtins", builtins)
        self._synthetic_edge(INTERPRETER, E_PROPERTY, "sys", sys)
        for i, sub in enumerate((MODULES, THREADS, BUILTINS, INTERPRETER)):
            snap.synthetic_edges[GC_ROOTS].extend((E_ELEMENT, i, sub))
        snap.synthetic_edges[ROOT].extend((E_ELEMENT, 0, GC_ROOTS))
        self._drain(0)
        # What the roots did not reach: entered through the objects no other one refers to.
        done = len(self.objects)
        left = [o for o in gc_objects if id(o) not in self.index and id(o) not in self.own and type(o) is not AgentRef]
        referenced = set()
        for o in left:
            for r in gc.get_referents(o):
                referenced.add(id(r))
        n = 0
        for o in left:
            if id(o) not in referenced and id(o) not in self.index:
                self._synthetic_edge(INTERPRETER, E_ELEMENT, n, o)
                n += 1
        done = self._drain(done)
        for o in left:
            if id(o) not in self.index:
                self._synthetic_edge(INTERPRETER, E_ELEMENT, n, o)
                n += 1
                done = self._drain(done)
        for i, name in enumerate(SYNTHETIC):
            count = len(snap.synthetic_edges[i]) // 3
            snap.nodes.extend((N_SYNTHETIC, snap.string(name), 2 * i + 2, 0, count, 0, 0))
        # Synthetic node records go first: rotate them in front of the objects' records.
        synthetic = snap.nodes[-len(SYNTHETIC) * NODE_WIDTH :]
        del snap.nodes[-len(SYNTHETIC) * NODE_WIDTH :]
        snap.nodes[0:0] = synthetic
        return snap

    def _drain(self, start):
        """Writes the records of objects[start:], discovering more as it goes; returns the new end.

        dict, list, tuple and str, most of any heap, are handled inline (no call per edge).
        """
        objects = self.objects
        snap = self.snap
        nodes = snap.nodes
        edges = snap.edges
        string = snap.string
        string_index = snap.string_index
        ordinal = self._ordinal
        discover = self._discover
        index_get = self.index.get
        id_of = self.ids.id_of
        size_of = _safe.self_size
        getsizeof = sys.getsizeof
        kinds = self._kinds
        append = edges.append
        clip = _safe.clip
        i = start
        while i < len(objects):
            o = objects[i]
            i += 1
            t = type(o)
            before = len(edges)
            if t is str:
                name = string(o if len(o) <= MAX_STRING_NAME else clip(o, MAX_STRING_NAME))
                nodes.extend((N_STRING, name, id_of(o), getsizeof(o), 0, 0, 0))
                continue
            if t is dict:
                for k, v in o.items():
                    if type(k) is str:
                        if len(k) > MAX_KEY_NAME:
                            k = clip(k, MAX_KEY_NAME)
                        n = string_index.get(k)
                        if n is None:
                            n = string(k)
                        target = index_get(id(v))
                        if target is None:
                            target = discover(v)
                            if target is None:
                                continue
                        append(E_PROPERTY)
                        append(n)
                        append(target)
                    else:
                        name = _safe.key_text(k, MAX_KEY_NAME)
                        _link(edges, ordinal, E_INTERNAL, string("key " + name), k)
                        _link(edges, ordinal, E_PROPERTY, string(name), v)
                kind = kinds.get(t)
                if kind is None:
                    kind = kinds[t] = self._kind(t)
                nodes.extend((N_OBJECT, kind[1], id_of(o), getsizeof(o), (len(edges) - before) // 3, 0, 0))
                continue
            if t is list or t is tuple:
                n = 0
                for v in o:
                    target = index_get(id(v))
                    if target is None:
                        target = discover(v)
                    if target is not None:
                        append(E_ELEMENT)
                        append(n)
                        append(target)
                    n += 1
                kind = kinds.get(t)
                if kind is None:
                    kind = kinds[t] = self._kind(t)
                nodes.extend((N_OBJECT, kind[1], id_of(o), getsizeof(o), (len(edges) - before) // 3, 0, 0))
                continue
            kind = kinds.get(t)
            if kind is None:
                kind = kinds[t] = self._kind(t)
            node_type, name, handler = kind
            if name is None:
                name = string(_value_name(o, t))
            handler(self, o, t, edges, ordinal, string)
            nodes.extend((node_type, name, id_of(o), size_of(o), (len(edges) - before) // 3, 0, 0))
        return i

    def _kind(self, t):
        """(node type, name string index or None for per-object names, edge handler) of a class."""
        s = self.snap.string
        if t is str:
            return (N_STRING, None, _no_edges)
        if t in _NUMBERS:
            return (N_NUMBER, None, _no_edges)
        if t in _HIDDEN_ATOMS:
            return (N_HIDDEN, None, _no_edges)
        if t is types.FunctionType:
            return (N_CLOSURE, None, _function_edges)
        if t is types.CodeType:
            return (N_CODE, None, _generic_edges)
        handler = _HANDLERS.get(t)
        if _safe.is_class_type(t):
            return (N_OBJECT, s(_safe.qualname(t)), _class_edges)
        if _safe.is_heap_type(t):
            return (N_OBJECT, s(_safe.qualname(t)), handler or _instance_edges)
        node_type = N_OBJECT if t in _OBJECT_TYPES else N_NATIVE
        return (node_type, s(_safe.qualname(t)), handler or _generic_edges)


def _value_name(o, t):
    if t is str:
        return _safe.clip(o, MAX_STRING_NAME)
    if t is types.FunctionType:
        return _safe.function_name(o)
    if t is types.CodeType:
        return _safe.code_name(o)
    return _safe.atom_text(o, 64) or _safe.qualname(t)


# ---- edge handlers: handler(walker, o, type, edges, ordinal, string) appends edge records


def _link(edges, ordinal, etype, name, target):
    k = ordinal(target)
    if k is not None:
        edges.append(etype)
        edges.append(name)
        edges.append(k)


def _no_edges(w, o, t, edges, ordinal, string):
    pass


def _generic_edges(w, o, t, edges, ordinal, string):
    for n, r in enumerate(gc.get_referents(o)):
        _link(edges, ordinal, E_HIDDEN, n, r)


def _rest(o, named, edges, ordinal):
    """Hidden edges to the referents not already named."""
    n = 0
    for r in gc.get_referents(o):
        if id(r) not in named:
            _link(edges, ordinal, E_HIDDEN, n, r)
            n += 1


def _dict_items(d, edges, ordinal, string):
    for k, v in dict.items(d):
        if type(k) is str:
            _link(edges, ordinal, E_PROPERTY, string(k if len(k) <= MAX_KEY_NAME else _safe.clip(k, MAX_KEY_NAME)), v)
        else:
            name = _safe.key_text(k, MAX_KEY_NAME)
            _link(edges, ordinal, E_INTERNAL, string("key " + name), k)
            _link(edges, ordinal, E_PROPERTY, string(name), v)


def _dict_edges(w, o, t, edges, ordinal, string):
    _dict_items(o, edges, ordinal, string)


def _sequence_edges(w, o, t, edges, ordinal, string):
    for i, v in enumerate(o):
        _link(edges, ordinal, E_ELEMENT, i, v)


def _set_edges(w, o, t, edges, ordinal, string):
    for i, v in enumerate(set.__iter__(o) if t is set else frozenset.__iter__(o)):
        _link(edges, ordinal, E_ELEMENT, i, v)


def _function_edges(w, o, t, edges, ordinal, string):
    named = set()
    code = o.__code__
    for label, value in (("code", code), ("globals", o.__globals__), ("defaults", o.__defaults__), ("kwdefaults", o.__kwdefaults__)):
        if value is not None:
            named.add(id(value))
            _link(edges, ordinal, E_INTERNAL, string(label), value)
    closure = o.__closure__
    if closure:
        named.add(id(closure))
        for name, cell in zip(code.co_freevars, closure):
            named.add(id(cell))
            _link(edges, ordinal, E_CONTEXT, string(name), cell)
    _rest(o, named, edges, ordinal)


def _cell_edges(w, o, t, edges, ordinal, string):
    for r in gc.get_referents(o):
        _link(edges, ordinal, E_INTERNAL, string("cell_contents"), r)


def _frame_edges(w, o, t, edges, ordinal, string):
    try:
        local_vars = o.f_locals
        global_vars = o.f_globals
    except Exception:
        local_vars = global_vars = None
    if local_vars is not global_vars and (type(local_vars) is dict or _safe.qualname(type(local_vars)) == "FrameLocalsProxy"):
        for k, v in (dict.items(local_vars) if type(local_vars) is dict else local_vars.items()):
            if type(k) is str:
                _link(edges, ordinal, E_CONTEXT, string(k), v)
    if global_vars is not None:
        _link(edges, ordinal, E_INTERNAL, string("f_globals"), global_vars)
    _link(edges, ordinal, E_INTERNAL, string("f_code"), o.f_code)
    back = o.f_back
    if back is not None:
        _link(edges, ordinal, E_INTERNAL, string("f_back"), back)


def _module_edges(w, o, t, edges, ordinal, string):
    d = _safe.module_dict(o)
    named = set()
    if d is not None:
        named.add(id(d))
        _link(edges, ordinal, E_INTERNAL, string("__dict__"), d)
    _rest(o, named, edges, ordinal)


def _method_edges(w, o, t, edges, ordinal, string):
    _link(edges, ordinal, E_INTERNAL, string("__func__"), o.__func__)
    _link(edges, ordinal, E_INTERNAL, string("__self__"), o.__self__)


def _weakref_edges(w, o, t, edges, ordinal, string):
    referent = weakref.ref.__call__(o)
    if referent is not None:
        _link(edges, ordinal, E_WEAK, string("referent"), referent)
    _rest(o, set(), edges, ordinal)


def _class_edges(w, o, t, edges, ordinal, string):
    named = set()
    referents = gc.get_referents(o)
    labels = {}
    if not referents:
        # A static (C) type is not gc-tracked and lists no referents: its dict, by its proxy.
        d = _safe.type_dict(o)
        if d:
            referents = [d]
    if referents and type(referents[0]) is dict:
        labels[id(referents[0])] = "__dict__"
    for label, value in (("__mro__", _safe.mro(o)), ("__bases__", _safe.bases(o)), ("__base__", _safe.base(o))):
        if value is not None:
            labels.setdefault(id(value), label)
    n = 0
    for r in referents:
        label = labels.get(id(r))
        if label is not None:
            named.add(id(r))
            _link(edges, ordinal, E_INTERNAL, string(label), r)
        else:
            _link(edges, ordinal, E_HIDDEN, n, r)
            n += 1


def _instance_edges(w, o, t, edges, ordinal, string):
    """An instance of a class (of the program or the standard library): attributes by name."""
    getter, slots = _safe.instance_layout(t)
    named = {id(t)}
    _link(edges, ordinal, E_INTERNAL, string("__class__"), t)
    if getter is not None:
        d = _safe.instance_dict(o, getter)
        if d is not None:
            named.add(id(d))
            _link(edges, ordinal, E_INTERNAL, string("__dict__"), d)
    for name, get in slots:
        try:
            value = get(o)
        except Exception:
            continue
        named.add(id(value))
        _link(edges, ordinal, E_PROPERTY, string(name), value)
    # Contents of builtin bases (a dict or list subclass), read with the base's own C methods.
    base = _safe.builtin_base(t)
    if base is dict:
        for k, v in dict.items(o):
            named.add(id(k))
            named.add(id(v))
        _dict_items(o, edges, ordinal, string)
    elif base is list or base is tuple:
        for i, v in enumerate(list.__iter__(o) if base is list else tuple.__iter__(o)):
            named.add(id(v))
            _link(edges, ordinal, E_ELEMENT, i, v)
    elif base is set or base is frozenset:
        for i, v in enumerate(set.__iter__(o) if base is set else frozenset.__iter__(o)):
            named.add(id(v))
            _link(edges, ordinal, E_ELEMENT, i, v)
    elif base is weakref.ref:
        referent = weakref.ref.__call__(o)
        if referent is not None:
            _link(edges, ordinal, E_WEAK, string("referent"), referent)
    _rest(o, named, edges, ordinal)


_HANDLERS = {
    dict: _dict_edges,
    list: _sequence_edges,
    tuple: _sequence_edges,
    set: _set_edges,
    frozenset: _set_edges,
    types.CellType if hasattr(types, "CellType") else type((lambda x: lambda: x)(0).__closure__[0]): _cell_edges,
    types.FrameType: _frame_edges,
    types.ModuleType: _module_edges,
    types.MethodType: _method_edges,
    weakref.ref: _weakref_edges,
}


def take(ids, own_ids, agent_thread_ids, collect=True):
    """Walks the heap with the other threads held off; returns the ``Snapshot``.

    ``collect`` runs ``gc.collect()`` first (as V8 collects before every snapshot), so dead
    cycles are not shown as live and every survivor is in the oldest generation (see _ids).
    """
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e6)
    try:
        ids.begin()
        # The id map's tables for this snapshot are new: the agent's too.
        for container in ids.own_containers():
            own_ids.add(id(container))
        if collect:
            gc.collect()
        gc_objects = gc.get_objects()
        walker = Walker(ids, own_ids, agent_thread_ids)
        for part in (walker, walker.__dict__, agent_thread_ids):
            own_ids.add(id(part))
        try:
            snap = walker.build(gc_objects)
        except BaseException:
            ids.abort()
            raise
        ids.end()
        return snap
    finally:
        sys.setswitchinterval(interval)
        gc_objects = None
