"""The Python agent's costs on a program of about N gc-tracked objects (default 1 000 000).

Run by bench/python.mjs (or directly: python3 bench/python_heap.py [N] [rounds]). Prints one
JSON line per round: the floor (one bare gc.get_objects() + get_referents walk), a census, the
snapshot's pause (the walk, the other threads held off) and the streaming of its text.
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


def main():
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    data = build(total)
    agent = mp._the_agent
    me = {threading.get_ident()}
    for r in range(rounds):
        f = floor()
        started = time.perf_counter()
        census = _census.census(["Order"], agent.own_ids())
        census_s = time.perf_counter() - started
        started = time.perf_counter()
        snap = _snapshot.take(agent.ids, agent.own_ids(), me)
        pause_s = time.perf_counter() - started
        started = time.perf_counter()
        size = sum(len(text.encode("utf-8")) for text in snap.chunks())
        stream_s = time.perf_counter() - started
        print(json.dumps({
            "round": r, "gcObjects": len(gc.get_objects()), "nodes": snap.node_count, "edges": snap.edge_count,
            "bytes": size, "floorS": f, "censusS": census_s, "pauseS": pause_s, "streamS": stream_s,
            "orders": census["counts"]["Order"],
        }), flush=True)
        snap = None
    del data


if __name__ == "__main__":
    main()
