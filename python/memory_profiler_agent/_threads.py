"""Threads, their stacks and the objects a frame sees, in the shapes of src/model/threads.ts.

Stacks come from ``sys._current_frames()`` without stopping anyone. The objects of the latest
few stacks of each thread are kept (strong references) so that locals can be expanded a level
at a time; older ones are let go. Sizes: ``size`` is the object's own (``sys.getsizeof``),
``deepSize`` adds everything it reaches that no module, class or function owns (like Pympler's
``asizeof``), walked with ``gc.get_referents`` and never through the program's methods.
"""

import gc
import linecache
import os
import sys
import sysconfig
import threading
import time
import tokenize
import types

from . import _safe

CONTEXT_LINES = 3
MAX_LINE_CHARS = 400
MAX_FRAMES = 64
MAX_REFERENTS = 1000
MAX_DEPTH = 16
KEPT_STACKS = 3
DEEP_SIZE_LIMIT = 200_000

_AGENT_DIR = os.path.dirname(os.path.abspath(__file__))
_STDLIB = os.path.normcase(sysconfig.get_paths().get("stdlib", "") or "")


class UnknownObjectError(Exception):
    pass


class ThreadInspector:
    def __init__(self, agent_thread_idents, suspended_idents):
        self._agent_threads = agent_thread_idents
        self._suspended = suspended_idents
        self._refs = {}
        self._stacks = {}
        self._next_stack = 1
        self._next_ref = 1

    def _own_parts(self):
        return [self._stacks]

    def _own_shallow(self):
        # The references hold the program's objects: only the map and its entries are ours.
        return [self._refs] + list(self._refs.values())

    def threads(self):
        out = []
        main = threading.main_thread()
        for t in threading.enumerate():
            if t.ident in self._agent_threads or _debugger_thread(t):
                continue
            entry = {"id": _thread_id(t, main), "name": t.name, "kind": "main" if t is main else "worker", "daemon": t.daemon}
            out.append(entry)
        out.sort(key=lambda e: (e["kind"] != "main", e["name"]))
        return out

    def _find(self, thread_id):
        main = threading.main_thread()
        for t in threading.enumerate():
            if _thread_id(t, main) == thread_id and t.ident not in self._agent_threads:
                return t
        raise UnknownObjectError("no thread %s: the threads request lists the threads" % thread_id)

    def stack(self, thread_id):
        thread = self._find(thread_id)
        frame = sys._current_frames().get(thread.ident)
        number = self._next_stack
        self._next_stack += 1
        kept = self._stacks.setdefault(thread_id, [])
        kept.append(number)
        while len(kept) > KEPT_STACKS:
            old = kept.pop(0)
            for ref in [r for r, e in self._refs.items() if e[1] == old]:
                del self._refs[ref]
        frames = []
        while frame is not None and len(frames) < MAX_FRAMES:
            frames.append(self._frame(frame, number))
            frame = frame.f_back
        frame = None
        info = {"id": thread_id, "name": thread.name, "kind": "main" if thread is threading.main_thread() else "worker", "daemon": thread.daemon}
        state = "suspended" if thread.ident in self._suspended else "running"
        return {"thread": info, "state": state, "timestamp": int(time.time() * 1000), "frames": frames}

    def _frame(self, frame, stack):
        code = frame.f_code
        filename = code.co_filename if type(code.co_filename) is str else ""
        line = frame.f_lineno or code.co_firstlineno or 1
        column = 1
        positions = getattr(code, "co_positions", None)
        if positions is not None and frame.f_lasti >= 0:
            try:
                for i, position in enumerate(positions()):
                    if i == frame.f_lasti // 2:
                        if position[2] is not None:
                            column = position[2] + 1
                        break
            except Exception:
                pass
        entry = {
            "function": _safe.code_name(code) if code.co_name != "<module>" else "<module>",
            "url": _file_url(filename),
            "line": line,
            "column": column,
            "localsRef": self._ref(("locals", stack, 0, frame)),
            "scopes": [{"type": "global", "name": _module_label(frame), "ref": self._ref(("globals", stack, 0, frame))}],
            "internal": _internal(filename),
        }
        context = _context(filename, line, frame.f_globals)
        if context:
            entry["context"] = context
        return entry

    def _ref(self, entry):
        ref = "%d.%d" % (entry[1], self._next_ref)
        self._next_ref += 1
        self._refs[ref] = entry
        return ref

    def referents(self, ref, offset=0, limit=100):
        entry = self._refs.get(ref)
        if entry is None:
            raise UnknownObjectError("no object %s: references expire when newer stacks of the thread are taken; read the stack again" % ref)
        kind, stack, depth, target = entry
        limit = max(0, min(int(limit), MAX_REFERENTS))
        offset = max(0, int(offset))
        if kind == "locals":
            local_vars = target.f_locals
            pairs = [(k, v) for k, v in (dict.items(local_vars) if type(local_vars) is dict else local_vars.items()) if type(k) is str]
            if local_vars is target.f_globals:
                pairs = []
        elif kind == "globals":
            pairs = [(k, v) for k, v in dict.items(target.f_globals) if type(k) is str and not (k.startswith("__") and k.endswith("__"))]
        else:
            pairs = _children(target)
        total = len(pairs)
        depth += 1
        out = []
        for name, value in pairs[offset : offset + limit]:
            item = {
                "name": name,
                "type": _safe.type_label(value),
                "size": _safe.self_size(value),
                "deepSize": deep_size(value),
                "preview": _safe.short_repr(value),
            }
            if depth < MAX_DEPTH and _expandable(value):
                item["ref"] = self._ref(("object", stack, depth, value))
            out.append(item)
        return {"ref": ref, "referents": out, "total": total, "offset": offset, "sizeKind": "measured", "depth": depth - 1, "maxDepth": MAX_DEPTH}


def _debugger_thread(t):
    """debugpy's own threads (pydevd marks them), read from the Thread's dict, not through it."""
    getter, _ = _safe.instance_layout(type(t))
    d = _safe.instance_dict(t, getter) if getter else None
    return d is not None and dict.get(d, "is_pydev_daemon_thread") is True


def _thread_id(t, main):
    return "main" if t is main else str(t.ident)


def _file_url(filename):
    if not filename or filename.startswith("<"):
        return ""
    path = os.path.abspath(filename)
    return "file://" + path.replace(os.sep, "/") if path.startswith("/") else "file:///" + path.replace(os.sep, "/")


def _internal(filename):
    if not filename or filename.startswith("<frozen"):
        return True
    path = os.path.normcase(os.path.abspath(filename))
    if path.startswith(os.path.normcase(_AGENT_DIR) + os.sep):
        return True
    return bool(_STDLIB) and path.startswith(_STDLIB + os.sep) and "site-packages" not in path and "dist-packages" not in path


def _module_label(frame):
    name = dict.get(frame.f_globals, "__name__")
    return name if type(name) is str else "?"


# The source files read for stacks: the agent's own cache (linecache's is the program's: what
# the agent put there would show in its snapshots as the program's new objects).
_SOURCES = {}
_MAX_SOURCES = 64


def _source_lines(filename):
    """The file's lines (decoded as Python decodes it), from the agent's cache while unchanged;
    else what linecache already holds for it (``<stdin>``, a zipped module), read only."""
    try:
        st = os.stat(filename)
    except (OSError, ValueError):
        st = None
    if st is not None:
        entry = _SOURCES.get(filename)
        if entry is not None and entry[0] == st.st_mtime_ns and entry[1] == st.st_size:
            return entry[2]
        try:
            with tokenize.open(filename) as f:
                lines = f.readlines()
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            lines = None
        if lines is not None:
            if len(_SOURCES) >= _MAX_SOURCES:
                _SOURCES.clear()
            _SOURCES[filename] = (st.st_mtime_ns, st.st_size, lines)
            return lines
    entry = dict.get(linecache.cache, filename)
    if type(entry) is tuple and len(entry) >= 3 and type(entry[2]) is list:
        return entry[2]
    return None


def _context(filename, line, module_globals):
    if not filename:
        return None
    source = _source_lines(filename)
    if not source:
        return None
    start = max(1, line - CONTEXT_LINES)
    lines = []
    for n in range(start, line + CONTEXT_LINES + 1):
        text = source[n - 1] if n <= len(source) else ""
        if type(text) is not str:
            text = ""
        if not text:
            if n <= line:
                return None if not lines and n == line else {"startLine": start, "lines": lines} if lines else None
            break
        text = text.rstrip("\r\n")
        lines.append(_safe.clip(text, MAX_LINE_CHARS))
    return {"startLine": start, "lines": lines} if lines else None


_LEAVES = _safe.id_set((str, bytes, int, float, complex, bool, type(None)))
_BUILTIN_CONTAINERS = _safe.id_set((list, tuple, dict, set, frozenset))


def _expandable(value):
    t = type(value)
    if id(t) in _LEAVES:
        return False
    if id(t) in _BUILTIN_CONTAINERS:
        return True
    return bool(gc.get_referents(value)) or _safe.is_heap_type(t)


def _children(o):
    """What one object refers to, by name: attributes, keys, items, then the other referents."""
    t = type(o)
    pairs = []
    seen = set()
    if t is dict or _safe.builtin_base(t) is dict:
        for k, v in dict.items(o):
            pairs.append((_safe.key_text(k), v))
            seen.add(id(k))
            seen.add(id(v))
    elif t is list or t is tuple or _safe.builtin_base(t) in (list, tuple):
        base = list if (t is list or _safe.builtin_base(t) is list) else tuple
        for i, v in enumerate(base.__iter__(o)):
            pairs.append(("[%d]" % i, v))
            seen.add(id(v))
    elif t in (set, frozenset) or _safe.builtin_base(t) in (set, frozenset):
        base = set if (t is set or _safe.builtin_base(t) is set) else frozenset
        for i, v in enumerate(base.__iter__(o)):
            pairs.append(("[%d]" % i, v))
            seen.add(id(v))
    if _safe.is_heap_type(t) and not _safe.is_class_type(t):
        getter, slots = _safe.instance_layout(t)
        if getter is not None:
            d = _safe.instance_dict(o, getter)
            if d is not None:
                seen.add(id(d))
                for k, v in dict.items(d):
                    pairs.append((_safe.key_text(k), v))
                    seen.add(id(v))
        for name, get in slots:
            try:
                v = get(o)
            except Exception:
                continue
            pairs.append((name, v))
            seen.add(id(v))
        seen.add(id(t))
    elif t is types.ModuleType:
        d = _safe.module_dict(o)
        if d is not None:
            seen.add(id(d))
            for k, v in dict.items(d):
                pairs.append((_safe.key_text(k), v))
                seen.add(id(v))
    n = 0
    for r in gc.get_referents(o):
        if id(r) not in seen:
            pairs.append(("<referent %d>" % n, r))
            n += 1
    return pairs


def deep_size(o, limit=DEEP_SIZE_LIMIT):
    """The bytes of o and of everything it reaches, classes, modules and functions excepted."""
    t = type(o)
    if id(t) in _LEAVES:
        return _safe.self_size(o)
    total = 0
    seen = {id(o)}
    todo = [o]
    while todo and len(seen) < limit:
        x = todo.pop()
        total += _safe.self_size(x)
        for r in gc.get_referents(x):
            if id(r) in seen:
                continue
            rt = type(r)
            if rt is types.ModuleType or rt is types.FunctionType or rt is types.CodeType or _safe.is_class_type(rt) or rt is types.FrameType:
                continue
            seen.add(id(r))
            todo.append(r)
    return total
