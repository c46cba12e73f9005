"""Loads the memory profiler's agent before the program when ``MEMORY_PROFILER_AGENT=1``.

The profiler puts this folder and the agent's on ``PYTHONPATH``; any ``python`` (a venv's,
``python -m module``…) then starts the agent first. The ``sitecustomize`` this one hides, if
any, is imported afterwards.
"""

import os
import sys


def _start():
    here = os.path.dirname(os.path.abspath(__file__))
    if os.environ.get("MEMORY_PROFILER_AGENT") == "1":
        os.environ["MEMORY_PROFILER_AGENT_BOOTSTRAP"] = here
        try:
            from memory_profiler_agent import _bootstrap

            _bootstrap.start_from_environment()
        except Exception as e:  # the program runs even when profiling cannot start
            sys.stderr.write("memory-profiler agent did not start: %s: %s\n" % (type(e).__name__, e))
    # The sitecustomize this one hides (Debian's, a venv's…).
    me = sys.modules.pop("sitecustomize", None)
    saved = list(sys.path)
    try:
        sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
        try:
            import sitecustomize  # noqa: F401
        except ImportError:
            # None to hide: this one stays the module (site's import of it fails without it).
            if me is not None:
                sys.modules["sitecustomize"] = me
    finally:
        sys.path[:] = saved


_start()
