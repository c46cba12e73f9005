/** The CLI's help texts. */
export const MAIN_HELP = `memory-profiler: see where a running Node.js or Python program's memory goes
(package memory-profiler-vscode; the command is both memory-profiler-vscode and memory-profiler)

Usage:
  memory-profiler demo [options]                  profile a bundled demo program that leaks slowly
  memory-profiler run [options] -- node app.js    start a program with the inspector on and profile it
  memory-profiler run [options] -- python app.py  start a Python program with the profiler's agent loaded
  memory-profiler attach <ws-url|port|host:port|pid> [options]
                                                  profile a running program (a Node pid without an inspector gets SIGUSR1)
  memory-profiler attach <pid|python://127.0.0.1:port> [options]
                                                  profile a Python program whose agent listens (memory_profiler_agent.listen())
  memory-profiler open <file.heapsnapshot>…       serve saved heap snapshots: classes, diff, retainers
  memory-profiler open <stats.json[.gz]>          serve a saved tracker dump (from GET /api/stats or dumpStats)
  memory-profiler <command> --help                help for one command

Options:
  --host <name>    address to serve on (default localhost)
  --port <n>       port to serve on (default 8090; 0 picks a free one)
  --token <t>      access token every request must carry (default: none on localhost; on any other
                   address one is generated and printed in the URL, ?token=…)
  --max-snapshots <n>  heap snapshots kept (default 20); the oldest is dropped, with a note
  --debug          verbose logging and stack traces in error responses
  --track A,B      track these classes (constructor names; Python: __qualname__) from the start (run, attach, demo)
  --trace          with --track: record allocation stacks, so instances carry their creation stack.
                   Costly: V8 then walks the whole heap every 50 ms (a program with a 43 MB heap
                   did 99.6 % less work), and the heap is not compacted (or V8 loses stacks)
  --interval <ms>  periodic census of tracked classes (exact counts), with full snapshots as
                   often as pausing the program at most 5 % of the time allows
  -h, --help       show help
  -v, --version    show the version
`;

export const COMMAND_HELP: Record<string, string> = {
  demo: `Usage: memory-profiler demo [--host localhost] [--port 8090]

Starts a bundled demo program that leaks slowly (an order cache that is never pruned) and
serves its memory figures at http://localhost:8090/. Ctrl+C stops both.
`,
  run: `Usage: memory-profiler run [--host localhost] [--port 8090] [--debug] -- <command> [args…]

Starts <command> in a process group of its own with the Node inspector on a free loopback
port, attaches to it and serves the profiler. \`node\` commands get --inspect; any other command
(npm start, npx, yarn, pnpm, nodemon, a shell script) gets it through NODE_OPTIONS, and the
first Node process that runs a script of its own (not npm's or yarn's own) is profiled.
Ctrl+C and SIGTERM end the whole process group; when the program exits the profiler stops too
and passes on its exit code. Words after the program's name are the program's own.
A Python command (python, python3, python3.11, a venv's python; also -m module; a script whose
#! line runs python) gets the profiler's agent loaded before the program instead; --track then
matches __qualname__ (Outer.Inner). A command that is surely neither Node nor Python (an
executable of its own, such as sleep, given no Node or Python program) is refused at once (exit 2).
Example: memory-profiler run -- node server.js --verbose
         memory-profiler run -- npm start
         memory-profiler run --track Order -- python3 app.py
Tracking: --track A,B follows those classes, --trace adds creation stacks, --interval <ms>
counts them periodically, with full snapshots within a 5 % pause budget (e.g. memory-profiler run --track Order --interval 10000 -- node app.js).
`,
  open: `Usage: memory-profiler open <file.heapsnapshot>… | <stats.json[.gz]> [--host localhost] [--port 8090]

A stats dump (written by ClassTracker#dumpStats or downloaded from /api/stats) is served
offline: the tracker's snapshots, tables, class pages and timeline, as they were.

Loads saved V8 heap snapshots, gzipped or not (from DevTools, VS Code, v8.writeHeapSnapshot or
--heapsnapshot-signal) and serves them: /api/heap/classes?snapshot=N, and with two or more
files /api/heap/diff?from=A&to=B. A broken file is reported in one line with the byte offset.
`,
  attach: `Usage: memory-profiler attach <ws-url | port | host:port | pid | python://host:port> [--host localhost] [--port 8090]

Attaches to a running Node program by its inspector's WebSocket URL, its inspector port, or
its pid. A pid must be a Node process (anything else is left alone); an inspector it has open
(--inspect flags, NODE_OPTIONS, its listening ports) is used, else it gets SIGUSR1, which opens
one on --inspect-port (default 9229), and that one is closed again when attach detaches.

Python: the pid of a Python program that called
    import memory_profiler_agent; memory_profiler_agent.listen()
(the agent leaves its port and secret, mode 0600, in memory-profiler-agent-<pid>.json in the
temporary folder), or python://127.0.0.1:PORT with the agent's secret in
MEMORY_PROFILER_AGENT_SECRET. A Python pid whose agent does not listen is left alone, with a
word on how to start it (or use: memory-profiler run -- python app.py).

Ctrl+C detaches and stops the server; the program runs on.
Example: memory-profiler attach 9229
         memory-profiler attach 4242        (a Node or a listening Python program's pid)
`,
};
