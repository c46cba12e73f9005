import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentAddress } from './agentClient';
import { agentRoot } from './launch';

/**
 * The Python statement that loads the agent into a program running under a debugger and leaves
 * the agent's address in `reportFile`: debugpy's DAP `evaluate` with `context: "repl"` and no
 * `frameId` runs it while the program runs, but answers with an empty result.
 */
export function agentLoadStatement(reportFile: string, root = agentRoot()): string {
  // JSON strings are valid Python string literals.
  const r = JSON.stringify(root);
  return `import sys as _mp_sys; _mp_sys.path.insert(0, ${r}) if ${r} not in _mp_sys.path else None; import memory_profiler_agent._bootstrap as _mp_boot; _mp_boot.listen_and_report(${JSON.stringify(reportFile)}); del _mp_sys, _mp_boot`;
}

/**
 * Loads the agent through a debugger's `evaluate` (VS Code: `session.customRequest('evaluate',
 * {expression, context: 'repl'})` on a `debugpy`/`python` session) and returns its address
 * once the program reports it.
 */
export async function loadAgentThroughDebugger(evaluate: (statement: string) => Promise<unknown>, timeoutMs = 15_000): Promise<AgentAddress> {
  const dir = mkdtempSync(join(tmpdir(), 'memory-profiler-agent-'));
  const file = join(dir, 'address.json');
  try {
    await evaluate(agentLoadStatement(file));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const found = JSON.parse(readFileSync(file, 'utf8')) as { port: number; secret: string };
        return { host: '127.0.0.1', port: found.port, secret: found.secret };
      } catch {
        if (Date.now() > deadline) throw new Error(`the Python program did not start the agent within ${timeoutMs / 1000} s (is it Python 3.8 or newer?)`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
