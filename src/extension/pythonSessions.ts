/**
 * Python debug sessions (debugpy, as VS Code's Python extension starts them): the profiler's
 * agent is loaded into the debuggee through the debugger's own DAP `evaluate` request
 * (`context: "repl"` and no frame: debugpy runs it while the program runs, no breakpoint
 * needed). debugpy answers such a request with an empty result, so the agent's address comes
 * back through a file of ours (mode 0600: it holds the agent's secret).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { type AgentAddress, agentRoot, PythonTarget } from '../targets/python';
import { withTimeout } from './async';

const PYTHON_SESSION_TYPES = new Set(['debugpy', 'python']);
const AGENT_TIMEOUT_MS = 15_000;

export function isPythonSession(session: vscode.DebugSession): boolean {
  return PYTHON_SESSION_TYPES.has(session.type);
}

/**
 * One Python expression (it also runs as a statement) that puts the agent on `sys.path`, starts
 * it (`listen()`, once per process) and writes its address to `file`. No name is left behind in
 * the program's namespace.
 */
export function agentLoader(root: string, file: string): string {
  // JSON string literals are Python string literals too.
  const dir = JSON.stringify(root);
  const out = JSON.stringify(file);
  return (
    `(lambda sys, os, json: (sys.path.insert(0, ${dir}) if ${dir} not in sys.path else None, ` +
    `(lambda a, fd: (os.write(fd, json.dumps(a).encode('utf-8')), os.close(fd)))` +
    `(__import__('memory_profiler_agent').listen(), os.open(${out}, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))))` +
    `(__import__('sys'), __import__('os'), __import__('json'))`
  );
}

/** Loads the agent into the session's program and connects to it. */
export async function attachPythonSession(session: vscode.DebugSession): Promise<PythonTarget> {
  const file = join(tmpdir(), `memory-profiler-vscode-${randomUUID()}.json`);
  try {
    await withTimeout(
      Promise.resolve(session.customRequest('evaluate', { expression: agentLoader(agentRoot(), file), context: 'repl' })),
      AGENT_TIMEOUT_MS,
      `the Python debugger did not run the profiler's agent in "${session.name}" within ${AGENT_TIMEOUT_MS / 1000} s`,
    );
    const address = await addressIn(file, Date.now() + AGENT_TIMEOUT_MS);
    if (!address) throw new Error(`the profiler's agent did not start in "${session.name}" within ${AGENT_TIMEOUT_MS / 1000} s (is it a CPython 3.8+ program?)`);
    return await PythonTarget.connect(address);
  } finally {
    rmSync(file, { force: true });
  }
}

/** The agent writes its address once it listens: the only way back from a debugpy evaluate. */
async function addressIn(file: string, deadline: number): Promise<AgentAddress | undefined> {
  while (Date.now() < deadline) {
    try {
      const found = JSON.parse(readFileSync(file, 'utf8')) as { host?: string; port: number; secret: string };
      if (typeof found.port === 'number' && typeof found.secret === 'string') return { host: found.host ?? '127.0.0.1', port: found.port, secret: found.secret };
    } catch {
      // not written yet, or half written
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return undefined;
}
