"""Reading the program's objects without running the program's code.

Every helper here works from ``type(o)``, ``id(o)`` and C-level descriptors fetched from the
builtin ``type``/``object`` themselves: a user class's ``__repr__``, ``__getattr__``,
``__getattribute__``, properties, ``__len__``, ``__eq__``/``__hash__`` or ``__sizeof__`` never
runs. Values of exact builtin types (``str``, ``int``, ``float``…) are safe to format; anything
else is shown by its type and address.
"""

import sys
import types
from gc import get_referents as _get_referents

_HEAPTYPE = 1 << 9
_HAVE_GC = 1 << 14
_MANAGED_DICT = 1 << 4  # CPython 3.11+

# C-level getters of `type` itself: a metaclass cannot intercept these.
_type_qualname = type.__dict__["__qualname__"].__get__
_type_name = type.__dict__["__name__"].__get__
_type_module = type.__dict__["__module__"].__get__
_type_mro = type.__dict__["__mro__"].__get__
_type_flags = type.__dict__["__flags__"].__get__
_type_dict = type.__dict__["__dict__"].__get__
_type_weakrefoffset = type.__dict__["__weakrefoffset__"].__get__
_module_dict = types.ModuleType.__dict__["__dict__"].__get__
_object_sizeof = object.__sizeof__
_getsizeof = sys.getsizeof

GetSetDescriptor = types.GetSetDescriptorType
MemberDescriptor = types.MemberDescriptorType

ATOMS = (str, int, float, bool, type(None), complex, bytes)


class _Probe:
    pass


class _SlotProbe:
    __slots__ = ("a",)


# What sys.getsizeof adds to __sizeof__: the GC header, and in 3.11+ the managed-dict pre-header.
GC_HEADER = _getsizeof([]) - [].__sizeof__()
_probe = _Probe()
_DICT_PREHEADER = _getsizeof(_probe) - _object_sizeof(_probe)
del _probe


def id_set(classes):
    """The ids of classes, for membership tests: a class as a set or dict key, or in ``in`` on a
    tuple, runs its metaclass's ``__hash__``/``__eq__`` (the program's code). Keys by ``id`` are
    sound while the class lives: these are builtins, or kept alive by the value."""
    return frozenset(map(id, classes))


def is_class(o):
    """Whether o is a class; ``isinstance`` would read ``o.__class__`` (a program's property)."""
    return issubclass(type(o), type)


MANAGED_DICT = _MANAGED_DICT


def type_flags(t):
    try:
        return _type_flags(t)
    except Exception:
        return 0


def is_heap_type(t):
    return bool(_type_flags(t) & _HEAPTYPE)


def qualname(t):
    """The class's qualified name (``Outer.Inner``), read through ``type``'s own descriptor."""
    try:
        name = _type_qualname(t)
    except Exception:
        return "?"
    return name if type(name) is str else "?"


def module_of(t):
    try:
        name = _type_module(t)
    except Exception:
        return ""
    return name if type(name) is str else ""


def bare_name(t):
    try:
        name = _type_name(t)
    except Exception:
        return "?"
    return name if type(name) is str else "?"


def mro(t):
    try:
        m = _type_mro(t)
    except Exception:
        return (t,)
    return m if type(m) is tuple else (t,)


def type_dict(t):
    """The real ``dict`` behind a class's mappingproxy (read-only use): the proxy's one referent."""
    try:
        for d in _get_referents(_type_dict(t)):
            if type(d) is dict:
                return d
    except Exception:
        pass
    return {}


def weakrefable(t):
    try:
        return _type_weakrefoffset(t) != 0
    except Exception:
        return False


def module_name(m):
    """A module's ``__name__`` from its dict, or ``?`` (a module subclass's properties never run)."""
    try:
        d = _module_dict(m)
        name = dict.get(d, "__name__")
    except Exception:
        return "?"
    return name if type(name) is str else "?"


def module_dict(m):
    try:
        d = _module_dict(m)
    except Exception:
        return None
    return d if type(d) is dict else None


_sizers = {}


def _make_sizer(t):
    if not is_heap_type(t):
        return lambda o: _getsizeof(o, 0)
    # A class of the program may define __sizeof__: use the nearest C base's own.
    sizeof = _object_sizeof
    for base in mro(t):
        if is_heap_type(base):
            continue
        found = dict.get(type_dict(base), "__sizeof__")
        if found is not None:
            sizeof = found
            break
    flags = _type_flags(t)
    extra = _DICT_PREHEADER if flags & _MANAGED_DICT and sys.version_info >= (3, 11) else GC_HEADER if flags & _HAVE_GC else 0

    def size(o):
        try:
            return sizeof(o) + extra
        except Exception:
            return _object_sizeof(o) + extra

    return size


def self_size(o):
    """``sys.getsizeof(o)`` without running a ``__sizeof__`` of the program's classes."""
    t = type(o)
    entry = _sizers.get(id(t))
    if entry is None or entry[0] is not t:
        entry = _sizers[id(t)] = (t, _make_sizer(t))
    sizer = entry[1]
    try:
        return sizer(o)
    except Exception:
        return 0


_instance_layout = {}


def instance_layout(t):
    """(dict getter or None, [(slot name, member descriptor)]) of a class, from its MRO's own dicts.

    Only C descriptors are used: a class that defines ``__dict__`` or a slot name as a property
    gets neither read.
    """
    entry = _instance_layout.get(id(t))
    if entry is not None and entry[0] is t:
        return entry[1]
    dict_getter = None
    slots = []
    seen = set()
    for base in mro(t):
        d = type_dict(base)
        descriptor = dict.get(d, "__dict__")
        if dict_getter is None and type(descriptor) is GetSetDescriptor and is_heap_type(base):
            dict_getter = descriptor.__get__
        for name, value in dict.items(d):
            if type(value) is MemberDescriptor and type(name) is str and name not in seen and is_heap_type(base):
                seen.add(name)
                slots.append((name, value.__get__))
    layout = (dict_getter, slots)
    _instance_layout[id(t)] = (t, layout)
    return layout


def instance_dict(o, getter):
    try:
        d = getter(o)
    except Exception:
        return None
    return d if type(d) is dict else None


def clip(text, limit):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def atom_text(o, limit=80):
    """The text of an exact builtin atom, or None for anything else."""
    t = type(o)
    if t is str:
        return repr(clip(o, limit))
    if t is int:
        if o.bit_length() > 128:
            return "int (%d bits)" % o.bit_length()
        return int.__repr__(o)
    if t is bool or o is None or t is float or t is complex:
        return repr(o)
    if t is bytes:
        return repr(o[:limit]) + ("…" if len(o) > limit else "")
    return None


def key_text(k, limit=80):
    """A dict key as an edge name: the text of a str key, an atom's repr, else ``<Type>``."""
    if type(k) is str:
        return clip(k, limit)
    text = atom_text(k, limit)
    if text is not None:
        return "[" + text + "]"
    if type(k) is tuple and len(k) <= 4:
        parts = [atom_text(x, 20) for x in k]
        if all(p is not None for p in parts):
            return "[(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")]"
    return "[<" + qualname(type(k)) + ">]"


_FUNCTIONS = (types.FunctionType, types.BuiltinFunctionType, types.MethodType)


def function_name(f):
    t = type(f)
    if t is types.FunctionType:
        name = f.__qualname__
    elif t is types.BuiltinFunctionType:
        name = f.__qualname__ if type(getattr(f, "__qualname__", None)) is str else "?"
    elif t is types.MethodType:
        return function_name(f.__func__)
    else:
        return "?"
    return name if type(name) is str else "?"


def short_repr(o, limit=100):
    """A short text about any object, built from its type, id and safe builtin values only."""
    text = atom_text(o, limit)
    if text is not None:
        return text
    t = type(o)
    if t is list or t is tuple or t is set or t is frozenset:
        items = []
        n = 0
        for item in (list.__iter__(o) if t is list else tuple.__iter__(o) if t is tuple else set.__iter__(o) if t is set else frozenset.__iter__(o)):
            if n == 5:
                items.append("…")
                break
            items.append(atom_text(item, 20) or "<" + qualname(type(item)) + ">")
            n += 1
        size = list.__len__(o) if t is list else tuple.__len__(o) if t is tuple else set.__len__(o) if t is set else frozenset.__len__(o)
        opened, closed = {list: "[]", tuple: "()", set: "{}", frozenset: "{}"}[t]
        body = opened[0] + ", ".join(items) + closed[0]
        if t is frozenset:
            body = "frozenset(" + body + ")"
        return clip(body, limit) + (" (%d)" % size if size > 5 else "")
    if t is dict:
        items = []
        for n, (k, v) in enumerate(dict.items(o)):
            if n == 5:
                items.append("…")
                break
            items.append(key_text(k, 20) + ": " + (atom_text(v, 20) or "<" + qualname(type(v)) + ">"))
        return clip("{" + ", ".join(items) + "}", limit) + (" (%d)" % dict.__len__(o) if dict.__len__(o) > 5 else "")
    if t is types.ModuleType:
        return "<module %s>" % clip(module_name(o), limit)
    if is_class(o):
        return "<class %s.%s>" % (module_of(o), qualname(o))
    if t is types.FunctionType or t is types.BuiltinFunctionType or t is types.MethodType:
        return "<function %s>" % function_name(o)
    if t is types.CodeType:
        return "<code %s>" % code_name(o)
    module = module_of(t)
    prefix = "" if module in ("builtins", "") else module + "."
    return "<%s%s object at 0x%x>" % (prefix, qualname(t), id(o))


def code_name(c):
    name = getattr(c, "co_qualname", None) or c.co_name
    return name if type(name) is str else "?"


def type_label(o):
    """What the threads page shows as a referent's type: the class's qualified name."""
    return qualname(type(o))


def is_class_type(t):
    """Whether instances of t are classes (t is ``type`` or a metaclass)."""
    return issubclass(t, type)


_type_bases = type.__dict__["__bases__"].__get__
_type_base = type.__dict__["__base__"].__get__


def bases(t):
    try:
        return _type_bases(t)
    except Exception:
        return None


def base(t):
    try:
        return _type_base(t)
    except Exception:
        return None


import weakref as _weakref

_CONTAINER_BASES = (dict, list, tuple, set, frozenset, _weakref.ref)
_CONTAINER_BASE_IDS = id_set(_CONTAINER_BASES)
_builtin_bases = {}


def builtin_base(t):
    """The builtin container class a class derives from (dict, list, tuple, set, frozenset, weakref.ref), or None."""
    entry = _builtin_bases.get(id(t))
    if entry is not None and entry[0] is t:
        return entry[1]
    found = None
    for b in mro(t):
        if id(b) in _CONTAINER_BASE_IDS:
            found = b
            break
    _builtin_bases[id(t)] = (t, found)
    return found
