"""A CPU-bound loop, timed with or without the agent listening (argv[1] == "agent")."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

if sys.argv[1:] == ["agent"]:
    import memory_profiler_agent

    memory_profiler_agent.listen()

started = time.perf_counter()
total = 0
for i in range(20_000_000):
    total += i * i % 7
print(time.perf_counter() - started)
