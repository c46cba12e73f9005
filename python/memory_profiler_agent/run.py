"""``python -m memory_profiler_agent.run [script.py | -m module | -c code] args…``

Starts the agent (see _bootstrap for the environment it reads), then runs the program as
``python`` itself would: ``sys.argv``, ``sys.path[0]`` and ``__main__`` as for a plain run.
"""

import os
import runpy
import sys

USAGE = "usage: python -m memory_profiler_agent.run (script.py | -m module | -c code) [args...]"


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        sys.stderr.write(USAGE + "\n")
        return 2
    from . import _bootstrap

    os.environ.setdefault("MEMORY_PROFILER_AGENT", "1")
    _bootstrap.start_from_environment()
    if argv[0] == "-m":
        if len(argv) < 2:
            sys.stderr.write(USAGE + "\n")
            return 2
        sys.argv = [argv[1]] + argv[2:]
        sys.path[0] = os.getcwd()
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    elif argv[0] == "-c":
        if len(argv) < 2:
            sys.stderr.write(USAGE + "\n")
            return 2
        sys.argv = ["-c"] + argv[2:]
        sys.path[0] = ""
        code = compile(argv[1], "<string>", "exec")
        main_module = sys.modules["__main__"]
        globals_ = {"__name__": "__main__", "__builtins__": __builtins__, "__doc__": None, "__spec__": None, "__loader__": None, "__package__": None}
        exec(code, globals_)
    else:
        script = argv[0]
        sys.argv = list(argv)
        sys.path[0] = os.path.dirname(os.path.abspath(script))
        runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
