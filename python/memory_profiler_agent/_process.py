"""Memory figures of the process, in the shape of the profiler's ``ProcessInfo`` (src/model/process.ts)."""

import gc
import os
import sys
import time

try:
    import resource
except ImportError:  # not on Windows
    resource = None

try:
    import tracemalloc
except ImportError:
    tracemalloc = None


def _status_rows():
    try:
        with open("/proc/self/status", "r") as f:
            text = f.read()
    except OSError:
        return []
    rows = []
    for line in text.split("\n"):
        colon = line.find(":")
        if colon > 0:
            rows.append([line[:colon], line[colon + 1 :].strip()])
    return rows


def _kib(rows, key):
    for k, v in rows:
        if k == key:
            parts = v.split()
            if len(parts) == 2 and parts[1].lower() == "kb" and parts[0].isdigit():
                return int(parts[0]) * 1024
    return 0


def process_info():
    rows = _status_rows()
    pagefaults = 0
    max_rss = 0
    if resource is not None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        pagefaults = usage.ru_majflt
        # KiB on Linux, bytes on macOS.
        max_rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    rss = _kib(rows, "VmRSS")
    vsz = _kib(rows, "VmSize")
    # ru_maxrss and VmRSS are read at different moments (and counted apart): the peak is never below the present.
    max_rss = max(max_rss, _kib(rows, "VmHWM"), rss)
    traced = tracemalloc.get_traced_memory() if tracemalloc is not None and tracemalloc.is_tracing() else None
    limit = 0
    if resource is not None:
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        limit = soft if soft > 0 else 0
    return {
        "pid": os.getpid(),
        "timestamp": int(time.time() * 1000),
        "vsz": vsz,
        "rss": rss,
        "pagefaults": pagefaults,
        "maxRss": max_rss,
        # Python has no cheap figure of its heap's bytes: tracemalloc's when it traces, else none.
        "heap": {
            "used": traced[0] if traced else 0,
            "total": traced[1] if traced else 0,
            "limit": limit,
            "external": 0,
            "arrayBuffers": 0,
        },
        "spaces": [],
        "osSpecific": rows,
        "runtimeHeap": _runtime_heap(traced),
        "python": {
            "version": sys.version.split()[0],
            "implementation": sys.implementation.name,
            "allocatedBlocks": sys.getallocatedblocks(),
            "gcCounts": list(gc.get_count()),
            "gcThresholds": list(gc.get_threshold()),
            "gcEnabled": gc.isenabled(),
            "tracemalloc": bool(traced),
        },
    }


def _runtime_heap(traced):
    """The heap figures CPython has cheaply, labelled (see ``RuntimeHeap`` in src/model/process.ts)."""
    figures = [
        {
            "id": "allocated-blocks",
            "label": "Allocated blocks",
            "value": sys.getallocatedblocks(),
            "unit": "count",
            "detail": "Memory blocks the interpreter's allocator has handed out and not freed (sys.getallocatedblocks)",
        },
    ]
    if traced:
        figures.append({"id": "traced", "label": "Traced now", "value": traced[0], "unit": "bytes", "detail": "Bytes allocated by Python and not freed, traced by tracemalloc"})
        figures.append({"id": "traced-peak", "label": "Traced peak", "value": traced[1], "unit": "bytes", "detail": "The most bytes tracemalloc has seen allocated at once"})
    stats = gc.get_stats() if hasattr(gc, "get_stats") else []
    figures.append({"id": "gc-collections", "label": "Collections", "value": sum(s.get("collections", 0) for s in stats), "unit": "count", "detail": "Runs of the cycle collector since the program started, all generations (gc.get_stats)"})
    figures.append({"id": "gc-collected", "label": "Objects collected", "value": sum(s.get("collected", 0) for s in stats), "unit": "count", "detail": "Objects on unreachable cycles the collector freed since the program started"})
    figures.append({"id": "gc-garbage", "label": "In gc.garbage", "value": len(gc.garbage), "unit": "count", "detail": "Uncollectable objects the collector left in gc.garbage"})
    return {
        "title": "Python heap",
        "measured": bool(traced),
        "note": "Heap used and allocated are tracemalloc's bytes traced now and at the peak."
        if traced
        else "CPython keeps no cheap count of its heap's bytes: heap figures are measured only while tracemalloc traces (start it in the program, or PYTHONTRACEMALLOC=1). The resident size above is the process's own.",
        "figures": figures,
    }
