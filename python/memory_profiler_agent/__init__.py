"""The memory profiler's agent for Python programs (standard library only, Python 3.8+).

It runs inside the program, in daemon threads of its own, and serves the profiler over a
loopback socket guarded by a per-session secret (see _agent for the protocol). It never calls
the program's code: objects are read through their type, ``id``, ``gc.get_referents`` and the
C-level descriptors of ``type`` and ``object`` (see _safe).

Pympler's names work as in Pympler::

    import memory_profiler_agent as mp
    mp.track_class(Order)
    mp.create_snapshot("after load")
    mp.start_profiler(port=8090)      # the pages at http://localhost:8090, until stopped

``listen()`` only starts the agent, for ``memory-profiler attach <pid>``.
"""

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

from . import _agent

__all__ = [
    "listen",
    "start_profiler",
    "start_in_background",
    "track_class",
    "create_snapshot",
    "ClassTracker",
    "keep_collector_off",
    "discovery_path",
]

_the_agent = _agent.Agent()


def discovery_path(pid=None):
    """Where a listening agent leaves its port and secret for ``memory-profiler attach <pid>`` (mode 0600)."""
    return os.path.join(tempfile.gettempdir(), "memory-profiler-agent-%d.json" % (pid or os.getpid()))


def _remove_discovery(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def listen(host="127.0.0.1", port=0, secret=None):
    """Starts the agent (once; later calls return the same address): ``{host, port, secret, pid}``."""
    first = _the_agent.listener is None
    address = _the_agent.listen(host, port, secret)
    if first:
        path = discovery_path()
        try:
            fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, json.dumps({"port": address["port"], "secret": address["secret"], "pid": address["pid"]}).encode("utf-8"))
            finally:
                os.close(fd)
            os.replace(path + ".tmp", path)
            atexit.register(_remove_discovery, path)
        except OSError:
            pass
    return dict(address)


def keep_collector_off(off=True):
    """Pympler's advice: the automatic garbage collector off, so that cycles wait to be seen."""
    return _the_agent.set_gc_automatic(not off)


class ClassTracker:
    """Pympler's ``ClassTracker`` from the program's side: what it asks for, the profiler does.

    It remembers the classes it tracks, so that ``start_profiler(tracker=t)`` and
    ``start_in_background(tracker=t)`` track them in the profiler they start.
    """

    def __init__(self):
        self._tracked = {}

    def track_class(self, cls, name=None, resolution_level=0, keep=False, trace=False):
        from . import _safe

        if not _safe.is_class(cls):
            raise TypeError("track_class needs a class")
        qual = name or _safe.qualname(cls)
        d = _tracker_dict(self)
        if d is not None:
            tracked = dict.get(d, "_tracked")
            if type(tracked) is not dict:
                tracked = {}
                dict.__setitem__(d, "_tracked", tracked)
            dict.__setitem__(tracked, qual, True)
        _the_agent.emit("trackClass", {"name": qual, "module": _safe.module_of(cls), "resolutionLevel": int(resolution_level), "trace": bool(trace), "keep": bool(keep)})

    def track_object(self, instance, name=None, resolution_level=0, keep=False, trace=False):
        self.track_class(type(instance), name, resolution_level, keep, trace)

    def create_snapshot(self, description="", compute_total=False):
        """Asks the profiler for a snapshot and waits (at most a minute) until it is taken."""
        _the_agent.emit("createSnapshot", {"description": str(description)}, wait_s=60)

    def start_periodic_snapshots(self, interval=1.0):
        _the_agent.emit("startPeriodicSnapshots", {"intervalMs": int(float(interval) * 1000)})

    def stop_periodic_snapshots(self):
        _the_agent.emit("stopPeriodicSnapshots", {})


_default_tracker = ClassTracker()


def _tracker_dict(tracker):
    """A tracker's instance dict through the C-level descriptor: ``tracker.__dict__`` would go
    through a subclass's ``__getattribute__`` (the program's code)."""
    from . import _safe

    getter = _safe.instance_layout(type(tracker))[0]
    return _safe.instance_dict(tracker, getter) if getter is not None else None


def track_class(cls, name=None, resolution_level=0, keep=False, trace=False):
    _default_tracker.track_class(cls, name, resolution_level, keep, trace)


def create_snapshot(description=""):
    _default_tracker.create_snapshot(description)


def _cli():
    """The package's Node CLI, next to this agent (``<package>/python/memory_profiler_agent``)."""
    package = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    cli = os.path.join(package, "dist", "cli.js")
    node = os.environ.get("MEMORY_PROFILER_NODE") or shutil.which("node")
    if not os.path.exists(cli):
        raise RuntimeError("the memory-profiler CLI is not at %s: build the package (npm run build)" % cli)
    if not node:
        raise RuntimeError("node is not on PATH (set MEMORY_PROFILER_NODE to its path)")
    return node, cli


def _tracked_by(tracker):
    """The class names a tracker passed to ``start_profiler`` tracks: this package's
    ``ClassTracker``, or Pympler's (its ``_observers``, one per tracked class, read through the
    C-level ``__dict__`` and ``dict`` methods: none of its code runs)."""
    from . import _safe

    if tracker is None:
        return []
    d = _tracker_dict(tracker)
    # issubclass of its type: isinstance would read the object's __class__ (a property, maybe).
    if issubclass(type(tracker), ClassTracker):
        tracked = dict.get(d, "_tracked") if d is not None else None
        return [n for n in dict.keys(tracked) if type(n) is str] if type(tracked) is dict else []
    names = []
    for attribute in ("_observers", "index"):
        found = dict.get(d, attribute) if d is not None else None
        if type(found) is dict:
            for cls in list(dict.keys(found)):
                if _safe.is_class(cls) and _safe.qualname(cls) not in names:
                    names.append(_safe.qualname(cls))
    return names


def _server_command(host, port, stats, debug, kwargs, tracker=None):
    address = listen()
    node, cli = _cli()
    args = [node, cli, "attach", "python://%s:%d" % (address["host"], address["port"]), "--host", str(host), "--port", str(port)]
    track = kwargs.get("track")
    track = [track] if isinstance(track, str) else list(track or [])
    for name in _tracked_by(tracker):
        if name not in track:
            track.append(name)
    if track:
        args += ["--track", ",".join(track)]
    if debug:
        args.append("--debug")
    env = dict(os.environ)
    env["MEMORY_PROFILER_AGENT_SECRET"] = address["secret"]
    if stats:
        args = [node, cli, "open", str(stats), "--host", str(host), "--port", str(port)]
    return args, env


def start_profiler(host="localhost", port=8090, tracker=None, stats=None, debug=False, **kwargs):
    """Pympler's ``start_profiler``: serves the pages and suspends the calling thread until the
    server is stopped (Stop on the page, Ctrl+C). The classes ``tracker`` tracks (a
    ``ClassTracker`` of this package or Pympler's) are tracked from the start."""
    args, env = _server_command(host, port, stats, debug, kwargs, tracker)
    me = threading.get_ident()
    _the_agent.suspended.add(me)
    child = subprocess.Popen(args, env=env)
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.terminate()
        return child.wait()
    finally:
        _the_agent.suspended.discard(me)


def start_in_background(host="localhost", port=8090, tracker=None, stats=None, debug=False, **kwargs):
    """Pympler's ``start_in_background``: the server in a daemon thread, returned at once."""
    args, env = _server_command(host, port, stats, debug, kwargs, tracker)
    holder = {}

    def serve():
        # The profiler's own thread, not the program's: left out of threads and snapshots.
        # Removed when it ends: Linux gives its ident to a later thread, which is the program's.
        me = threading.get_ident()
        _the_agent.thread_idents.add(me)
        try:
            child = subprocess.Popen(args, env=env)
            holder["process"] = child
            child.wait()
        finally:
            _the_agent.thread_idents.discard(me)

    thread = threading.Thread(target=serve, name=_agent.THREAD_NAME + "-server", daemon=True)
    thread.start()
    return thread
