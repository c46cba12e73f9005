"""The program's object graph as a DevTools ``.heapsnapshot`` (the layout V8 writes).

Nodes: every object gc tracks (``gc.get_objects()``) and every object reachable from them or
from the roots (strs, ints and untracked tuples/dicts included), minus the agent's own. Node 0
is the synthetic root; it has one element edge to ``(GC roots)``, whose element edges lead to
``(modules)`` (``sys.modules`` by name), ``(threads)`` (each thread's current frame),
``(builtins)`` and ``(interpreter)``: objects that only C code refers to (no tracked object
does), and groups only referenced from inside themselves (uncollected cycles).

Taken in two steps. The pause (no other thread runs: a long, bounded ``sys.setswitchinterval``, nothing
blocks, no automatic collection) reads only what the program could change, in C-level bulk
calls: the object list, every object's referents, dicts' keys and values, the sizes of lists,
dicts and sets, frames' locals (see ``Capture``). The walk that names nodes and edges, gives
ids and builds the arrays runs after it, the program running again, and so does the writing
of the text chunks.
"""

import gc
import sys
import threading
import time
import types
import weakref
from itertools import compress, repeat
from operator import is_, not_

from . import _safe
from ._ids import AgentRef

# The switch interval while the program is held: about ten times the pause this many gc objects
# take (0.6 µs each, measured), at least a second, at most a minute. Longer than the pause, so no
# waiting thread takes the GIL back in it; bounded, as this thread waits up to that long for the
# GIL before the pause (a thread that runs Python without blocking lets go only then).
PAUSE_S_PER_OBJECT = 6e-6


def pause_switch_interval(objects):
    return min(60.0, max(1.0, objects * PAUSE_S_PER_OBJECT))

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
# Classes are looked up by id: as set or dict keys they would run a metaclass's __hash__/__eq__.
_OBJECT_TYPES = _safe.id_set((
    dict, list, tuple, set, frozenset, bytes, bytearray, type, types.ModuleType, object, range,
    slice, property, staticmethod, classmethod, memoryview, super, enumerate, zip, map, filter,
    reversed, types.SimpleNamespace, types.MappingProxyType,
))
_HIDDEN_ATOMS = _safe.id_set((bool, type(None), type(Ellipsis), type(NotImplemented)))
_NUMBERS = _safe.id_set((int, float, complex))


class Snapshot:
    """One snapshot's flat arrays: node records, edge records and the string table."""

    def __init__(self):
        self.nodes = []
        self.edges = []
        self.strings = []
        self.string_index = {}
        self.synthetic_edges = [[] for _ in SYNTHETIC]
        self.pause_s = 0.0
        self.walk_s = 0.0
        self.collect_s = 0.0
        # (what, seconds) of the pause, in order (the first one: reading the agent's own objects).
        self.pause_parts = []

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


# CPython's traverse functions visit a list's and a tuple's items last to first (3.8 to 3.13).
_probe = (object(), object())
_ITEMS_REVERSED = gc.get_referents(list(_probe))[0] is _probe[1]
del _probe
_FRAME = types.FrameType
_COPIED_OR_FIXED = _safe.id_set((dict, tuple))
_MANAGED_DICTS = sys.version_info >= (3, 11)


class Capture:
    """What the pause takes: every object and what it refers to at that moment.

    The program changes its containers once it runs again; everything read later comes from
    here (referents, dict keys and values, container sizes, frames' locals) or from what cannot
    change (strs, ints, tuples, code). The lists hold every object, so none dies meanwhile and
    no address is reused before the walk is done.
    """

    def __init__(self):
        self.modules = []
        self.threads = []
        self.objects = []
        self.referenced = []
        self.referents = []
        self.dicts = []
        self.dict_copies = []
        self.sized = []
        self.sizes = []
        self.frame_edges = {}
        # Ids of the dicts that a function frame's ``f_locals`` gives (made or refreshed when read).
        self.frame_locals = set()
        self.marks = []


def _capture(ids, own, agent_threads, collect):
    """The part that holds the program's threads off: C-level bulk reads (see ``Capture``)."""
    modules = []
    threads = []
    for name, module in list(dict.items(sys.modules)):
        if type(name) is str and not name.startswith("memory_profiler_agent"):
            modules.append((name, module))
    names = {t.ident: t.name for t in threading.enumerate()}
    for ident, frame in sys._current_frames().items():
        if ident in agent_threads:
            # The agent's frames (this one too): their locals, read, would hold the capture.
            while frame is not None:
                own.add(id(frame))
                frame = frame.f_back
            continue
        threads.append(("%s (%d)" % (names.get(ident, "thread"), ident), frame))
        # Callers become frame objects on first read: made now, so the object list has them.
        while frame is not None:
            frame = frame.f_back
    names = frame = None
    clock = time.perf_counter
    marks = [("own objects, roots (modules, thread frames)", clock())]
    # These lists and their tuples, made before the object list, are the agent's too.
    for made in (modules, threads, marks):
        own.add(id(made))
        for entry in made:
            own.add(id(entry))
    gc.disable()
    ids.begin()
    # The id map's tables for this snapshot are new: the agent's too.
    for container in ids.own_containers():
        own.add(id(container))
    objects = gc.get_objects()
    # Made after the object list, so the capture does not list (nor hold) itself.
    cap = Capture()
    cap.modules = modules
    cap.threads = threads
    cap.objects = objects
    kinds = list(map(type, objects))
    # Dicts are copied whole (below) and tuples cannot change: the referents of all the others.
    referenced = cap.referenced = list(compress(objects, map(not_, map(_COPIED_OR_FIXED.__contains__, map(id, kinds)))))
    cap.referents = list(map(gc.get_referents, referenced))
    referenced = None
    marks.append(("gc.get_objects() + get_referents (but of dicts and tuples)", clock()))
    # Dicts gc does not track (only strs, numbers and such inside) are read in the walk instead.
    # A copy is one C call (keys, values and their order at once); sizes are sys.getsizeof's
    # (__sizeof__ and the gc header), through the builtin types' own __sizeof__.
    dicts = cap.dicts = list(compress(objects, map(is_, kinds, repeat(dict))))
    cap.dict_copies = list(map(dict.copy, dicts))
    # (A set's size, rarely changed and read in the walk, may show one resize later.)
    lists = list(compress(objects, map(is_, kinds, repeat(list))))
    cap.sized = dicts + lists
    cap.sizes = list(map(dict.__sizeof__, dicts))
    cap.sizes.extend(map(list.__sizeof__, lists))
    lists = None
    marks.append(("dicts copied, sizes of dicts and lists", clock()))
    # The frames that run (the others, of finished calls, change no more: read in the walk).
    for _, frame in threads:
        while frame is not None:
            cap.frame_edges[id(frame)] = _frame_edges_now(frame, cap.frame_locals)
            frame = frame.f_back
    marks.append(("frames", clock()))
    cap.marks = marks
    return cap


def materialize_dicts():
    """Every instance's ``__dict__`` as a dict object (Python 3.11+ keeps attributes without one
    until it is read), so that attributes are edges with names; read through the C descriptor.
    Done before the pause, the program running: one made since shows as named edges instead."""
    if not _MANAGED_DICTS:
        return
    objects = gc.get_objects()
    kinds = list(map(type, objects))
    # By id (the objects keep their classes alive): a class as a key runs its metaclass's __hash__.
    kind_ids = list(map(id, kinds))
    getters = {}
    for t in {id(t): t for t in kinds}.values():
        if _safe.is_heap_type(t) and _safe.type_flags(t) & _safe.MANAGED_DICT:
            getter = _safe.instance_layout(t)[0]
            if getter is not None:
                getters[id(t)] = getter
    if not getters:
        return
    for o in compress(objects, map(getters.__contains__, kind_ids)):
        _safe.instance_dict(o, getters[id(type(o))])


_CO_OPTIMIZED = 0x1


def _frame_edges_now(frame, frame_locals=None):
    """A frame's named edges (its locals by name, f_globals, f_code, f_back) as they are now.

    A function's frame has no locals dict until ``f_locals`` is read (3.8 to 3.12 then make
    one and keep it in the frame, refreshed at each read): its id goes in ``frame_locals``, as
    a dict that exists because the agent looked, not one of the program's (see ``Walker``).
    """
    out = []
    try:
        local_vars = frame.f_locals
        global_vars = frame.f_globals
    except Exception:
        local_vars = global_vars = None
    if frame_locals is not None and type(local_vars) is dict and frame.f_code.co_flags & _CO_OPTIMIZED:
        frame_locals.add(id(local_vars))
    if local_vars is not global_vars and (type(local_vars) is dict or _safe.qualname(type(local_vars)) == "FrameLocalsProxy"):
        for k, v in list(dict.items(local_vars) if type(local_vars) is dict else local_vars.items()):
            if type(k) is str:
                out.append((E_CONTEXT, k, v))
    if global_vars is not None:
        out.append((E_INTERNAL, "f_globals", global_vars))
    out.append((E_INTERNAL, "f_code", frame.f_code))
    back = frame.f_back
    if back is not None:
        out.append((E_INTERNAL, "f_back", back))
    return out


def _by_id(objects, values, step=32768):
    """{id(object): value}, built a slice at a time: one C call over a million objects would keep
    the program's threads waiting as long as the pause did."""
    out = {}
    for start in range(0, len(objects), step):
        out.update(zip(map(id, objects[start : start + step]), values[start : start + step]))
    return out


class Walker:
    """Builds a ``Snapshot`` from a ``Capture`` while the program runs; see the module comment."""

    def __init__(self, ids, own_ids, capture):
        self.ids = ids
        self.own = own_ids
        self.cap = capture
        self.snap = Snapshot()
        self.index = {}
        self.objects = []
        self._kinds = {}
        self.referents = _by_id(capture.referenced, capture.referents)
        self._listed = None
        self.dict_items = _by_id(capture.dicts, capture.dict_copies)
        header = _safe.GC_HEADER
        self.sizes = _by_id(capture.sized, [size + header for size in capture.sizes])

    def listed(self):
        """The ids of the objects the pause listed (built on first use)."""
        if self._listed is None:
            listed = self._listed = set()
            objects = self.cap.objects
            for start in range(0, len(objects), 32768):
                listed.update(map(id, objects[start : start + 32768]))
        return self._listed

    def referents_of(self, o):
        """What o referred to at the pause."""
        refs = self.referents.get(id(o))
        if refs is not None:
            return refs
        copy = self.dict_items.get(id(o))
        if copy is not None:
            return list(dict.values(copy)) + [k for k in copy if type(k) is not str]
        return gc.get_referents(o)

    def _untracked_items(self, d):
        """The items of a dict the pause did not list (gc did not track it: atoms inside), read
        now; a value put there since that is an object gc tracks and the pause did not list is
        left out, so no object made after the pause is shown (only strs, numbers and such)."""
        known = self.listed()
        return [(k, v) for k, v in list(dict.items(d)) if (id(v) in known or not gc.is_tracked(v)) and (id(k) in known or not gc.is_tracked(k))]

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

    def build(self):
        snap = self.snap
        cap = self.cap
        # Roots first, so that the program's own ways in name the objects' shortest paths.
        for name, module in cap.modules:
            self._synthetic_edge(MODULES, E_PROPERTY, name, module)
        for label, frame in cap.threads:
            self._synthetic_edge(THREADS, E_PROPERTY, label, frame)
        import builtins

        self._synthetic_edge(BUILTINS, E_PROPERTY, "builtins", builtins)
        self._synthetic_edge(INTERPRETER, E_PROPERTY, "sys", sys)
        for i, sub in enumerate((MODULES, THREADS, BUILTINS, INTERPRETER)):
            snap.synthetic_edges[GC_ROOTS].extend((E_ELEMENT, i, sub))
        snap.synthetic_edges[ROOT].extend((E_ELEMENT, 0, GC_ROOTS))
        self._drain(0)
        # What the roots did not reach: entered through the objects no other one refers to.
        done = len(self.objects)
        index = self.index
        own = self.own
        left = [o for o in cap.objects if id(o) not in index and id(o) not in own and type(o) is not AgentRef]
        referenced = set()
        referents_of = self.referents_of
        for o in left:
            referenced.update(map(id, referents_of(o)))
        # A function frame's locals dict is the agent's doing (reading f_locals made it): shown
        # only where an object of the program refers to it (it kept ``locals()``), never as an
        # entry of its own, so that it is not one of the program's new objects.
        made = cap.frame_locals
        n = 0
        for o in left:
            if id(o) not in referenced and id(o) not in index and id(o) not in made:
                self._synthetic_edge(INTERPRETER, E_ELEMENT, n, o)
                n += 1
        done = self._drain(done)
        for o in left:
            if id(o) not in index and id(o) not in made:
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
        sizes_get = self.sizes.get
        referents_get = self.referents.get
        dict_items_get = self.dict_items.get
        kinds = self._kinds
        append = edges.append
        clip = _safe.clip
        reverse = _ITEMS_REVERSED
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
                items = dict_items_get(id(o))
                for k, v in dict.items(items) if items is not None else self._untracked_items(o):
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
                kind = kinds.get(id(t))
                if kind is None:
                    kind = kinds[id(t)] = self._kind(t)
                size = sizes_get(id(o))
                nodes.extend((N_OBJECT, kind[1], id_of(o), getsizeof(o) if size is None else size, (len(edges) - before) // 3, 0, 0))
                continue
            if t is list or t is tuple:
                n = 0
                items = o if t is tuple else referents_get(id(o))
                if items is None:
                    items = list.copy(o)
                elif t is list and reverse:
                    items = reversed(items)
                for v in items:
                    target = index_get(id(v))
                    if target is None:
                        target = discover(v)
                    if target is not None:
                        append(E_ELEMENT)
                        append(n)
                        append(target)
                    n += 1
                kind = kinds.get(id(t))
                if kind is None:
                    kind = kinds[id(t)] = self._kind(t)
                size = sizes_get(id(o))
                nodes.extend((N_OBJECT, kind[1], id_of(o), getsizeof(o) if size is None else size, (len(edges) - before) // 3, 0, 0))
                continue
            kind = kinds.get(id(t))
            if kind is None:
                kind = kinds[id(t)] = self._kind(t)
            node_type, name, handler = kind
            if name is None:
                name = string(_value_name(o, t))
            refs = referents_get(id(o))
            if refs is None:
                refs = gc.get_referents(o)
            handler(self, o, t, edges, ordinal, string, refs)
            # (Sizes read in the pause are those of exact dicts and lists, handled above.)
            nodes.extend((node_type, name, id_of(o), size_of(o), (len(edges) - before) // 3, 0, 0))
        return i

    def _kind(self, t):
        """(node type, name string index or None for per-object names, edge handler) of a class."""
        s = self.snap.string
        if t is str:
            return (N_STRING, None, _no_edges)
        if id(t) in _NUMBERS:
            return (N_NUMBER, None, _no_edges)
        if id(t) in _HIDDEN_ATOMS:
            return (N_HIDDEN, None, _no_edges)
        if t is types.FunctionType:
            return (N_CLOSURE, None, _function_edges)
        if t is types.CodeType:
            return (N_CODE, None, _generic_edges)
        handler = _HANDLERS.get(id(t))
        if _safe.is_class_type(t):
            return (N_OBJECT, s(_safe.qualname(t)), _class_edges)
        if _safe.is_heap_type(t):
            return (N_OBJECT, s(_safe.qualname(t)), handler or _instance_edges)
        node_type = N_OBJECT if id(t) in _OBJECT_TYPES else N_NATIVE
        return (node_type, s(_safe.qualname(t)), handler or _generic_edges)


def _value_name(o, t):
    if t is str:
        return _safe.clip(o, MAX_STRING_NAME)
    if t is types.FunctionType:
        return _safe.function_name(o)
    if t is types.CodeType:
        return _safe.code_name(o)
    return _safe.atom_text(o, 64) or _safe.qualname(t)


# ---- edge handlers: handler(walker, o, type, edges, ordinal, string, refs) appends edge records.
# refs: what o referred to at the pause. Names are read now, from what cannot run program code,
# and given only to referents of then (a name read now for a value set since is left out).


def _link(edges, ordinal, etype, name, target):
    k = ordinal(target)
    if k is not None:
        edges.append(etype)
        edges.append(name)
        edges.append(k)


def _no_edges(w, o, t, edges, ordinal, string, refs):
    pass


def _generic_edges(w, o, t, edges, ordinal, string, refs):
    for n, r in enumerate(refs):
        _link(edges, ordinal, E_HIDDEN, n, r)


def _rest(refs, named, edges, ordinal):
    """Hidden edges to the referents not already named."""
    n = 0
    for r in refs:
        if id(r) not in named:
            _link(edges, ordinal, E_HIDDEN, n, r)
            n += 1


class _Named:
    """Named edges of one object, each to a referent it had at the pause."""

    __slots__ = ("was", "named", "edges", "ordinal", "string")

    def __init__(self, refs, edges, ordinal, string):
        self.was = set(map(id, refs))
        self.named = set()
        self.edges = edges
        self.ordinal = ordinal
        self.string = string

    def link(self, etype, label, value):
        if id(value) in self.was:
            self.named.add(id(value))
            _link(self.edges, self.ordinal, etype, label if type(label) is int else self.string(label), value)


def _dict_items(items, named):
    for k, v in items:
        if type(k) is str:
            named.link(E_PROPERTY, k if len(k) <= MAX_KEY_NAME else _safe.clip(k, MAX_KEY_NAME), v)
        else:
            name = _safe.key_text(k, MAX_KEY_NAME)
            named.link(E_INTERNAL, "key " + name, k)
            named.link(E_PROPERTY, name, v)


def _dict_edges(w, o, t, edges, ordinal, string, refs):
    items = w.dict_items.get(id(o))
    named = _Named(refs, edges, ordinal, string)
    _dict_items(dict.items(items) if items is not None else w._untracked_items(o), named)


def _sequence_edges(w, o, t, edges, ordinal, string, refs):
    for i, v in enumerate(reversed(refs) if _ITEMS_REVERSED else refs):
        _link(edges, ordinal, E_ELEMENT, i, v)


def _set_edges(w, o, t, edges, ordinal, string, refs):
    # A set's traverse visits its items in the order iteration gives them.
    for i, v in enumerate(refs):
        _link(edges, ordinal, E_ELEMENT, i, v)


def _function_edges(w, o, t, edges, ordinal, string, refs):
    named = _Named(refs, edges, ordinal, string)
    code = o.__code__
    for label, value in (("code", code), ("globals", o.__globals__), ("defaults", o.__defaults__), ("kwdefaults", o.__kwdefaults__)):
        if value is not None:
            named.link(E_INTERNAL, label, value)
    closure = o.__closure__
    if closure and id(closure) in named.was:
        # The cells, by the names the code gives them, instead of the tuple (which cannot change).
        named.named.add(id(closure))
        named.was.update(map(id, closure))
        for name, cell in zip(code.co_freevars, closure):
            named.link(E_CONTEXT, name, cell)
    _rest(refs, named.named, edges, ordinal)


def _cell_edges(w, o, t, edges, ordinal, string, refs):
    for r in refs:
        _link(edges, ordinal, E_INTERNAL, string("cell_contents"), r)


def _frame_edges(w, o, t, edges, ordinal, string, refs):
    found = w.cap.frame_edges.get(id(o))
    if found is None:
        listed = w.listed()
        found = [e for e in _frame_edges_now(o, w.cap.frame_locals) if id(e[2]) in listed or not gc.is_tracked(e[2])]
    for etype, label, value in found:
        _link(edges, ordinal, etype, string(label), value)


def _module_edges(w, o, t, edges, ordinal, string, refs):
    named = _Named(refs, edges, ordinal, string)
    d = _safe.module_dict(o)
    if d is not None:
        named.link(E_INTERNAL, "__dict__", d)
    _rest(refs, named.named, edges, ordinal)


def _method_edges(w, o, t, edges, ordinal, string, refs):
    named = _Named(refs, edges, ordinal, string)
    named.link(E_INTERNAL, "__func__", o.__func__)
    named.link(E_INTERNAL, "__self__", o.__self__)


def _weakref_edges(w, o, t, edges, ordinal, string, refs):
    referent = weakref.ref.__call__(o)
    if referent is not None:
        _link(edges, ordinal, E_WEAK, string("referent"), referent)
    _rest(refs, (), edges, ordinal)


def _class_edges(w, o, t, edges, ordinal, string, refs):
    named = set()
    referents = refs
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


def _instance_edges(w, o, t, edges, ordinal, string, refs):
    """An instance of a class (of the program or the standard library): attributes by name."""
    getter, slots = _safe.instance_layout(t)
    named = _Named(refs, edges, ordinal, string)
    named.link(E_INTERNAL, "__class__", t)
    if getter is not None and not (_MANAGED_DICTS and _safe.type_flags(t) & _safe.MANAGED_DICT) and not any(type(r) is dict for r in refs):
        # No dict yet (no attribute was ever set; the ``ast`` singletons): reading ``__dict__``
        # would make one, the agent's and not the program's, new in the next snapshot.
        getter = None
    if getter is not None:
        d = _safe.instance_dict(o, getter)
        if d is not None:
            if id(d) in named.was:
                named.link(E_INTERNAL, "__dict__", d)
            else:
                # Made since the pause (3.11+ makes it on first read): the attributes it names.
                _dict_items(list(dict.items(d)), named)
    for name, get in slots:
        try:
            value = get(o)
        except Exception:
            continue
        named.link(E_PROPERTY, name, value)
    # Contents of builtin bases (a dict or list subclass), read with the base's own C methods.
    base = _safe.builtin_base(t)
    if base is dict:
        _dict_items(list(dict.items(o)), named)
    elif base is list or base is tuple:
        for i, v in enumerate(list(list.__iter__(o)) if base is list else tuple.__iter__(o)):
            named.link(E_ELEMENT, i, v)
    elif base is set or base is frozenset:
        for i, v in enumerate(list(set.__iter__(o)) if base is set else frozenset.__iter__(o)):
            named.link(E_ELEMENT, i, v)
    elif base is weakref.ref:
        referent = weakref.ref.__call__(o)
        if referent is not None:
            _link(edges, ordinal, E_WEAK, string("referent"), referent)
    _rest(refs, named.named, edges, ordinal)


_HANDLERS = {id(t): handler for t, handler in {
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
}.items()}


def take(ids, own_ids, agent_thread_ids, collect=True, own_extra=()):
    """A ``Snapshot``: the pause (other threads held off, no automatic collection) takes a
    ``Capture``; the walk over it runs while the program runs again.

    ``own_ids(own_extra)`` gives the ids of the agent's own objects; it is called inside the
    pause, as an address of the agent's that died before could be the program's by then.

    ``collect`` runs ``gc.collect()`` first (as V8 collects before every snapshot), so dead
    cycles are not shown as live and every survivor is in the oldest generation (see _ids);
    the program runs between it and the pause (a cycle it drops in that moment shows as live).
    ``Snapshot.pause_s`` is how long the program's threads were held off.
    """
    materialize_dicts()
    collect_s = 0.0
    if collect:
        # A pause of its own (one C call): the program's threads run again before the capture.
        started = time.perf_counter()
        gc.collect()
        collect_s = time.perf_counter() - started
        time.sleep(0)
    interval = sys.getswitchinterval()
    enabled = gc.isenabled()
    # Every object the capture lists is held by it: no collection meanwhile can free one, so
    # they are frozen (left out of collections) until the walk is done, unless the program
    # freezes objects itself.
    freeze = gc.get_freeze_count() == 0
    sys.setswitchinterval(pause_switch_interval(len(gc.get_objects())))
    # A thread already waiting for the GIL timed its wait by the old interval and, when that runs
    # out, makes the holder let go: in the pause, that would hand the GIL to a thread that runs
    # Python without blocking, and this one would then wait by the long interval. Those waits run
    # out first, while this thread sleeps; it then takes the GIL back (within the long interval)
    # with every waiter timed by it.
    time.sleep(2 * interval)
    started = time.perf_counter()
    try:
        own = own_ids(own_extra)
        cap = _capture(ids, own, agent_thread_ids, collect)
    except BaseException:
        ids.abort()
        raise
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()
        sys.setswitchinterval(interval)
        # A thread that began waiting for the GIL during the pause waits with the long interval
        # until the GIL is let go: let it go once per thread, so the walk shares it as usual.
        for _ in range(threading.active_count()):
            time.sleep(0)
    pause_s = time.perf_counter() - started
    marks = [("start", started)] + cap.marks
    parts = [(marks[i + 1][0], marks[i + 1][1] - marks[i][1]) for i in range(len(marks) - 1)]
    try:
        walker = Walker(ids, own, cap)
        for part in (walker, walker.__dict__):
            own.add(id(part))
        snap = walker.build()
    except BaseException:
        ids.abort()
        raise
    finally:
        walker = cap = None
        if freeze:
            gc.unfreeze()
    ids.end()
    snap.pause_s = pause_s
    snap.pause_parts = parts
    snap.collect_s = collect_s
    snap.walk_s = time.perf_counter() - started - pause_s
    return snap
