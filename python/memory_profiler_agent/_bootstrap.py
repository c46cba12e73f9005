"""Starting the agent before the program, for the profiler that launched it.

The parent (the ``memory-profiler`` CLI, a test) sets, in the environment:
- ``MEMORY_PROFILER_AGENT=1`` to start it (the ``sitecustomize`` on ``PYTHONPATH`` checks this);
- ``MEMORY_PROFILER_AGENT_SECRET`` (optional): the session's secret, else one is made;
- ``MEMORY_PROFILER_AGENT_REPORT_FD`` (an inherited, writable fd) or
  ``MEMORY_PROFILER_AGENT_REPORT_FILE`` (a path): where ``{"port", "secret", "pid"}`` is written
  as one JSON line once the agent listens;
- ``MEMORY_PROFILER_AGENT_GC_OFF=1``: keep the automatic collector off (cycles wait to be seen).
The variables are removed once read, so that the program's own Python children are not profiled.
"""

import json
import os
import sys

ENV_KEYS = (
    "MEMORY_PROFILER_AGENT",
    "MEMORY_PROFILER_AGENT_SECRET",
    "MEMORY_PROFILER_AGENT_REPORT_FD",
    "MEMORY_PROFILER_AGENT_REPORT_FILE",
    "MEMORY_PROFILER_AGENT_GC_OFF",
    "MEMORY_PROFILER_AGENT_BOOTSTRAP",
)


def start_from_environment():
    env = {k: os.environ.get(k) for k in ENV_KEYS}
    for k in ENV_KEYS:
        os.environ.pop(k, None)
    bootstrap = env["MEMORY_PROFILER_AGENT_BOOTSTRAP"]
    if bootstrap:
        # Our sitecustomize's folder leaves PYTHONPATH for the program's children.
        parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and os.path.abspath(p) != os.path.abspath(bootstrap)]
        if parts:
            os.environ["PYTHONPATH"] = os.pathsep.join(parts)
        else:
            os.environ.pop("PYTHONPATH", None)
    from . import listen, keep_collector_off

    address = listen(secret=env["MEMORY_PROFILER_AGENT_SECRET"] or None)
    if env["MEMORY_PROFILER_AGENT_GC_OFF"] == "1":
        keep_collector_off()
    report = (json.dumps({"port": address["port"], "secret": address["secret"], "pid": address["pid"], "protocol": address["protocol"]}) + "\n").encode("utf-8")
    fd = env["MEMORY_PROFILER_AGENT_REPORT_FD"]
    path = env["MEMORY_PROFILER_AGENT_REPORT_FILE"]
    if fd and fd.isdigit():
        try:
            os.write(int(fd), report)
            os.close(int(fd))
        except OSError as e:
            sys.stderr.write("memory-profiler agent: cannot report to fd %s: %s\n" % (fd, e.strerror))
    if path:
        tmp = path + ".tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        try:
            out = os.open(tmp, flags, 0o600)
            try:
                os.write(out, report)
            finally:
                os.close(out)
            os.replace(tmp, path)
        except OSError as e:
            sys.stderr.write("memory-profiler agent: cannot report to %s: %s\n" % (path, e.strerror))
    return address

