import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentAddress } from './agentClient';
import { agentRoot } from './launch';

/**
 * One Python expression (it also runs as a statement) that puts the agent on `sys.path`, starts
 * it (`listen()`, once per process) and writes its address to `file` (mode 0600: it holds the
 * secret). No name is left behind in the program's namespace.
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

/**
 * Loads the agent into a program running under a debugger and returns its address: debugpy's
 * DAP `evaluate` with `context: "repl"` and no `frameId` runs the expression while the program
 * runs, but answers with an empty result, so the address comes back through a file in a
 * private temporary folder. `evaluate` sends the request (VS Code: `session.customRequest`).
 */
export async function loadAgentThroughDebugger(evaluate: (expression: string) => Promise<unknown>, timeoutMs = 15_000, what = 'the Python program'): Promise<AgentAddress> {
  const dir = mkdtempSync(join(tmpdir(), 'memory-profiler-agent-'));
  const file = join(dir, 'address.json');
  try {
    await evaluate(agentLoader(agentRoot(), file));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const found = JSON.parse(readFileSync(file, 'utf8')) as { host?: string; port: number; secret: string };
        if (typeof found.port === 'number' && typeof found.secret === 'string') return { host: found.host ?? '127.0.0.1', port: found.port, secret: found.secret };
      } catch {
        // not written yet, or half written
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the profiler's agent did not start in ${what} within ${timeoutMs / 1000} s (is it a CPython 3.8+ program?)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
