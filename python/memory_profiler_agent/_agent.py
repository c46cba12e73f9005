"""The agent's server: a loopback TCP socket, a per-session secret, JSON lines.

Protocol (one JSON object per line, UTF-8):
- the client's first line is ``{"secret": "…"}``; a wrong or missing secret gets
  ``{"error": "wrong secret"}`` and the connection is closed. Otherwise the agent answers with
  what it runs in (``hello``).
- requests ``{"id": n, "method": "…", "params": {…}}``; answers ``{"id": n, "result": …}`` or
  ``{"id": n, "error": "one line", "code": "…"}``.
- a snapshot streams ``{"id": n, "chunk": byteCount}`` lines, each followed by that many bytes
  of ``.heapsnapshot`` text, then the answer.
- after ``subscribe``, the program's own calls (``track_class``, ``create_snapshot``…) arrive
  as ``{"event": "…", "params": {…}}`` lines.

Requests are served in the agent's threads; the heavy ones one at a time.
"""

import gc
import hmac
import json
import os
import secrets
import socket
import sys
import threading
import time

from . import _census, _garbage, _own, _process, _snapshot, _threads
from ._ids import StableIds

PROTOCOL = 1
THREAD_NAME = "memory-profiler-agent"
MAX_LINE = 1 << 20
HANDSHAKE_TIMEOUT_S = 10
LOOPBACK = ("127.0.0.1", "::1", "localhost")
# The program's requests made while no profiler listened, kept for the first one that subscribes.
MAX_QUEUED_EVENTS = 100


class RequestError(Exception):
    def __init__(self, message, code="bad-request"):
        Exception.__init__(self, message)
        self.code = code


class Agent:
    def __init__(self):
        self.ids = StableIds()
        self.secret = None
        self.host = None
        self.port = None
        self.thread_idents = set()
        self.suspended = set()
        self.inspector = _threads.ThreadInspector(self.thread_idents, self.suspended)
        self.work = threading.Lock()
        self.connections = []
        self.subscribers = []
        self.events = []
        self.pending_acks = {}
        self.next_event = 1
        self.garbage_cache = None
        self.gc_was_enabled = None
        self.listener = None
        self.lock = threading.Lock()
        self.discovery_file = None

    def _own_parts(self):
        return [self.connections, self.subscribers, self.events, self.thread_idents, self.suspended, self.inspector, self.garbage_cache, self.pending_acks]

    def _own_shallow(self):
        return self.ids.own_containers()

    # ---- lifecycle
    def listen(self, host="127.0.0.1", port=0, secret=None):
        with self.lock:
            if self.listener is not None:
                return self.address()
            if host not in LOOPBACK:
                raise ValueError("the agent listens on loopback only (127.0.0.1, ::1 or localhost), not %r" % (host,))
            family = socket.AF_INET6 if host == "::1" else socket.AF_INET
            listener = socket.socket(family, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1" if host == "localhost" else host, port))
            listener.listen(8)
            self.listener = listener
            self.host = listener.getsockname()[0]
            self.port = listener.getsockname()[1]
            self.secret = secret or secrets.token_hex(24)
            thread = threading.Thread(target=self._accept_loop, name=THREAD_NAME, daemon=True)
            thread.start()
            self.thread_idents.add(thread.ident)
            return self.address()

    def address(self):
        return {"host": self.host, "port": self.port, "secret": self.secret, "pid": os.getpid(), "protocol": PROTOCOL}

    def _accept_loop(self):
        self.thread_idents.add(threading.get_ident())
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            connection = Connection(self, conn)
            thread = threading.Thread(target=connection.serve, name=THREAD_NAME + "-connection", daemon=True)
            # serve adds its ident and discards it when it ends: added here after start, it could
            # come after that discard and hide a later thread of the program with the same ident.
            thread.start()

    # ---- the program's calls
    def emit(self, event, params, wait_s=None):
        """Tells every subscriber; waits for one to acknowledge when ``wait_s`` is given."""
        with self.lock:
            number = self.next_event
            self.next_event += 1
            message = {"event": event, "params": params, "eventId": number}
            subscribers = list(self.subscribers)
            if not subscribers:
                # Nobody to answer it yet: the first profiler that subscribes does, once.
                self.events.append(message)
                del self.events[:-MAX_QUEUED_EVENTS]
            done = threading.Event() if wait_s and subscribers else None
            if done is not None:
                self.pending_acks[number] = done
        for connection in subscribers:
            connection.send(message)
        if done is not None:
            done.wait(wait_s)
            with self.lock:
                self.pending_acks.pop(number, None)
        return number

    def ack(self, number):
        with self.lock:
            done = self.pending_acks.get(number)
        if done is not None:
            done.set()

    def own_ids(self, extra=()):
        ids = _own.collect([self] + list(extra), set(self.thread_idents))
        ids.add(id(ids))
        return ids

    # ---- requests
    def handle(self, connection, method, params):
        if method == "info":
            return self.info()
        if method == "process":
            return _process.process_info()
        if method == "subscribe":
            with self.lock:
                if connection not in self.subscribers:
                    self.subscribers.append(connection)
                # Each request is answered once: a later profiler does not take them again.
                replay = list(self.events)
                self.events.clear()
            return {"events": replay}
        if method == "ack":
            self.ack(_int(params, "eventId"))
            return {}
        if method == "threads":
            return self.inspector.threads()
        # No closures here: their cells would be objects of the agent's in every snapshot.
        if method == "stack":
            with self.work:
                try:
                    return self.inspector.stack(_str(params, "thread"))
                except _threads.UnknownObjectError as e:
                    raise RequestError(str(e), "unknown")
        if method == "objects":
            with self.work:
                try:
                    return self.inspector.referents(_str(params, "ref"), params.get("offset", 0), params.get("limit", 100))
                except _threads.UnknownObjectError as e:
                    raise RequestError(str(e), "unknown")
        if method == "census":
            names = params.get("names")
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise RequestError("census needs names: a list of class names")
            with self.work:
                return _census.census(names, self.own_ids())
        if method == "censusNames":
            with self.work:
                return _census.census_names(self.own_ids())
        if method == "resolveClassNames":
            names = params.get("names")
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise RequestError("resolveClassNames needs names: a list of class names")
            return {"classes": _census.resolve(names)}
        if method == "garbage":
            if params.get("keptOnly"):
                return self.garbage_cache
            with self.work:
                if params.get("refresh") or self.garbage_cache is None:
                    self.garbage_cache = None
                    self.garbage_cache = _garbage.collect_garbage(self.ids, self.own_ids())
                return self.garbage_cache
        if method == "gcAutomatic":
            return self.set_gc_automatic(bool(params.get("enabled", True)))
        if method == "gcState":
            with self.lock:
                return {"enabled": gc.isenabled(), "keptOff": self.gc_was_enabled is not None}
        if method == "snapshot":
            with self.work:
                return self.snapshot(connection, params)
        raise RequestError("unknown method %r" % (method,), "unknown-method")

    def info(self):
        argv = [a for a in sys.argv if isinstance(a, str)]
        title = os.path.basename(argv[0]) if argv and argv[0] else sys.executable
        if argv[:1] == ["-m"]:
            # ``python -m module`` before runpy has found the module: its name is in orig_argv (3.10+).
            orig = [a for a in getattr(sys, "orig_argv", ()) if isinstance(a, str)]
            if "-m" in orig and orig.index("-m") + 1 < len(orig):
                module = orig[orig.index("-m") + 1]
                argv = ["-m", module] + argv[1:]
                title = module
        return {
            "pid": os.getpid(),
            "title": title,
            "runtime": "python %s" % sys.version.split()[0],
            "implementation": sys.implementation.name,
            "executable": sys.executable,
            "argv": argv,
            "protocol": PROTOCOL,
        }

    def set_gc_automatic(self, enabled):
        """Pympler's advice as an option: the automatic collector off, so cycles wait to be seen."""
        with self.lock:
            if not enabled:
                if self.gc_was_enabled is None:
                    self.gc_was_enabled = gc.isenabled()
                gc.disable()
            else:
                if self.gc_was_enabled is not None and self.gc_was_enabled:
                    gc.enable()
                self.gc_was_enabled = None
            return {"enabled": gc.isenabled(), "keptOff": self.gc_was_enabled is not None}

    def snapshot(self, connection, params):
        started = time.perf_counter()
        collect = params.get("collect")
        if collect is None:
            collect = self.gc_was_enabled is None
        snap = _snapshot.take(self.ids, self.own_ids, set(self.thread_idents), collect=bool(collect), own_extra=[connection])
        # The program's threads were held off only for the capture; the walk ran beside them.
        pause_ms = snap.pause_s * 1000
        walk_ms = snap.walk_s * 1000
        nodes, edges = snap.node_count, snap.edge_count
        total = 0
        sent = 0
        pending = []
        pending_bytes = 0
        chunk_bytes = int(params.get("chunkBytes", 1 << 20))
        for text in snap.chunks():
            data = text.encode("utf-8")
            pending.append(data)
            pending_bytes += len(data)
            if pending_bytes >= chunk_bytes:
                connection.send_chunk(b"".join(pending))
                sent += 1
                total += pending_bytes
                pending, pending_bytes = [], 0
        if pending:
            connection.send_chunk(b"".join(pending))
            sent += 1
            total += pending_bytes
        snap = None
        return {"nodes": nodes, "edges": edges, "bytes": total, "chunks": sent, "pauseMs": pause_ms, "walkMs": walk_ms, "totalMs": (time.perf_counter() - started) * 1000}


def _int(params, key):
    value = params.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise RequestError("%s must be an integer" % key)
    return value


def _str(params, key):
    value = params.get(key)
    if not isinstance(value, str):
        raise RequestError("%s must be a string" % key)
    return value


class Connection:
    def __init__(self, agent, sock):
        self.agent = agent
        self.sock = sock
        self.buffer = bytearray()
        self.send_lock = threading.Lock()
        self.request_id = None

    def _own_parts(self):
        return [self.buffer]

    def send(self, message):
        data = (json.dumps(message, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")
        with self.send_lock:
            try:
                self.sock.sendall(data)
            except OSError:
                pass

    def send_chunk(self, data):
        header = (json.dumps({"id": self.request_id, "chunk": len(data)}) + "\n").encode("utf-8")
        with self.send_lock:
            self.sock.sendall(header)
            self.sock.sendall(data)

    def _read_line(self):
        while True:
            newline = self.buffer.find(b"\n")
            if newline >= 0:
                line = bytes(self.buffer[:newline])
                del self.buffer[: newline + 1]
                return line
            if len(self.buffer) > MAX_LINE:
                raise RequestError("request line longer than %d bytes" % MAX_LINE)
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buffer.extend(data)

    def serve(self):
        agent = self.agent
        agent.thread_idents.add(threading.get_ident())
        try:
            self.sock.settimeout(HANDSHAKE_TIMEOUT_S)
            try:
                line = self._read_line()
                hello = json.loads(line.decode("utf-8")) if line else None
            except (ValueError, OSError, RequestError, UnicodeDecodeError):
                hello = None
            given = hello.get("secret") if isinstance(hello, dict) else None
            if not isinstance(given, str) or not hmac.compare_digest(given.encode("utf-8"), agent.secret.encode("utf-8")):
                self.send({"error": "wrong secret"})
                return
            self.sock.settimeout(None)
            with agent.lock:
                agent.connections.append(self)
            self.send({"hello": agent.info()})
            while True:
                try:
                    line = self._read_line()
                except RequestError as e:
                    self.send({"id": None, "error": str(e), "code": "bad-request"})
                    return
                if line is None:
                    return
                if not line.strip():
                    continue
                self._request(line)
        except OSError:
            pass
        finally:
            with agent.lock:
                if self in agent.connections:
                    agent.connections.remove(self)
                if self in agent.subscribers:
                    agent.subscribers.remove(self)
            try:
                self.sock.close()
            except OSError:
                pass
            agent.thread_idents.discard(threading.get_ident())

    def _request(self, line):
        try:
            request = json.loads(line.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            self.send({"id": None, "error": "a request must be one JSON object per line", "code": "bad-request"})
            return
        if not isinstance(request, dict):
            self.send({"id": None, "error": "a request must be a JSON object", "code": "bad-request"})
            return
        rid = request.get("id")
        method = request.get("method")
        params = request.get("params") or {}
        if not isinstance(method, str) or not isinstance(params, dict):
            self.send({"id": rid, "error": "a request needs a method (string) and params (object)", "code": "bad-request"})
            return
        self.request_id = rid
        try:
            result = self.agent.handle(self, method, params)
        except RequestError as e:
            self.send({"id": rid, "error": str(e), "code": e.code})
        except OSError:
            raise
        except Exception as e:  # the agent's own failure: one line, the connection stays
            self.send({"id": rid, "error": "%s: %s" % (type(e).__name__, _safe_text(e)), "code": "agent-error"})
        else:
            self.send({"id": rid, "result": result})
        finally:
            self.request_id = None


def _safe_text(e):
    try:
        return str(e.args[0]) if e.args and isinstance(e.args[0], str) else ""
    except Exception:
        return ""
