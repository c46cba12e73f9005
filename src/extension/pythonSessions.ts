/**
 * Python debug sessions (debugpy, as VS Code's Python extension starts them): the profiler's
 * agent is loaded into the debuggee through the debugger's own DAP `evaluate` request
 * (`context: "repl"` and no frame: debugpy runs it while the program runs, no breakpoint
 * needed). debugpy answers such a request with an empty result, so the agent's address comes
 * back through a file of ours (mode 0600: it holds the agent's secret).
 */
import * as vscode from 'vscode';
import { loadAgentThroughDebugger, PythonTarget } from '../targets/python';
import { withTimeout } from './async';

const PYTHON_SESSION_TYPES = new Set(['debugpy', 'python']);
const AGENT_TIMEOUT_MS = 15_000;

export function isPythonSession(session: vscode.DebugSession): boolean {
  return PYTHON_SESSION_TYPES.has(session.type);
}

/** Loads the agent into the session's program and connects to it. */
export async function attachPythonSession(session: vscode.DebugSession): Promise<PythonTarget> {
  const address = await loadAgentThroughDebugger(
    (expression) =>
      withTimeout(
        Promise.resolve(session.customRequest('evaluate', { expression, context: 'repl' })),
        AGENT_TIMEOUT_MS,
        `the Python debugger did not run the profiler's agent in "${session.name}" within ${AGENT_TIMEOUT_MS / 1000} s`,
      ),
    AGENT_TIMEOUT_MS,
    `"${session.name}"`,
  );
  return PythonTarget.connect(address);
}
