"""The Python agent's costs on a program of about N gc-tracked objects (default 1 000 000).

Run by bench/python.mjs (or directly: python3 bench/python_heap.py [N] [rounds]). Prints one
JSON line per round: the floor (one bare gc.get_objects() + get_referents walk), a census, and
a snapshot: the pause as the program sees it (the longest gap of a thread of the program that
ticks every millisecond), the agent's own figure for it and its parts, the walk that follows
(the program runs meanwhile) and the streaming of the text.
"""

import gc
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

import memory_profiler_agent as mp  # noqa: E402
from memory_profiler_agent import _census, _snapshot  # noqa: E402


class Order:
    def __init__(self, n):
        self.n = n
        self.label = "order %d" % n
        self.items = [n, n + 1]


def build(total):
    # An Order is 3 tracked objects (itself, its list; its dict once read) plus a str and ints.
    return [Order(i) for i in range(total // 3)]


def floor():
    started = time.perf_counter()
    for o in gc.get_objects():
        gc.get_referents(o)
    return time.perf_counter() - started


def snapshot_in_agent_thread(agent, out):
    """As the agent does it: in a thread of its own, the program's threads are the others."""
    me = {threading.get_ident()}
    agent.thread_idents.add(threading.get_ident())
    started = time.perf_counter()
    snap = _snapshot.take(agent.ids, agent.own_ids, me)
    out["snapshotS"] = time.perf_counter() - started
    started = time.perf_counter()
    out["bytes"] = sum(len(text.encode("utf-8")) for text in snap.chunks())
    out["streamS"] = time.perf_counter() - started
    out.update(nodes=snap.node_count, edges=snap.edge_count, collectS=snap.collect_s, agentPauseS=snap.pause_s, pauseParts=snap.pause_parts, walkS=snap.walk_s)
    agent.thread_idents.discard(threading.get_ident())


def main():
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    data = build(total)
    agent = mp._the_agent
    for r in range(rounds):
        f = floor()
        started = time.perf_counter()
        census = _census.census(["Order"], agent.own_ids())
        census_s = time.perf_counter() - started
        out = {}
        thread = threading.Thread(target=snapshot_in_agent_thread, args=(agent, out), name="memory-profiler-agent")
        # The program's side: the longest time this thread could not run while the agent worked.
        gap = 0.0
        last = time.perf_counter()
        thread.start()
        while thread.is_alive():
            time.sleep(0.001)
            now = time.perf_counter()
            gap = max(gap, now - last)
            last = now
        thread.join()
        print(json.dumps({"round": r, "gcObjects": len(gc.get_objects()), "floorS": f, "censusS": census_s, "pauseS": gap, **out, "orders": census["counts"]["Order"]}), flush=True)
    del data


if __name__ == "__main__":
    main()
