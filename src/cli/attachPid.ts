/**
 * `attach <pid>`: profile a running program by its process id. Only a Node process is signalled
 * (SIGUSR1 kills any other), and only when it has no inspector open already; an inspector we
 * opened is closed again when we detach.
 */
import type { CdpConnection } from '../targets/node';
import { inspectorFlagsOf, nodeInspectorAt, openInspectorOf } from './inspectorDiscovery';
import { type ProcessFacts, hasProcfs, isNodeProcess, isPythonProcess, readProcess } from './procfs';
import { UserError } from './userError';

export interface PidInspector {
  url: string;
  /** We opened it with SIGUSR1: close it on detach, as the program had it. */
  openedByUs: boolean;
}

const SIGNAL_WAIT_MS = 5_000;

/** The inspector of the Node program with this pid: the one it has open, else one SIGUSR1 opens. */
export async function inspectorOfPid(pid: number): Promise<PidInspector> {
  if (!hasProcfs()) throw new UserError('attach by pid reads /proc, which this system lacks: start the program with --inspect and attach to its port');
  const p = readProcess(pid);
  if (!p) throw new UserError(`no running process has pid ${pid}, and no inspector listens on port ${pid}`);
  if (isPythonProcess(p)) return attachPythonProcess(p);
  if (!isNodeProcess(p)) throw new UserError(`pid ${pid} is not a Node.js program (${describe(p)}); it was left alone`);

  const open = await openInspectorOf(p);
  if (open) return { url: open, openedByUs: false };

  // SIGUSR1 opens the inspector on --inspect-port (default 127.0.0.1:9229).
  const flags = inspectorFlagsOf(p);
  try {
    process.kill(pid, 'SIGUSR1');
  } catch (e) {
    throw new UserError(`cannot signal pid ${pid} to open its inspector: ${(e as NodeJS.ErrnoException).code === 'EPERM' ? 'it belongs to another user' : (e as Error).message}`);
  }
  const deadline = Date.now() + SIGNAL_WAIT_MS;
  while (Date.now() < deadline) {
    const url = (await openInspectorOf(p)) ?? (flags?.port === 0 ? null : await nodeInspectorAt(flags?.host ?? '127.0.0.1', flags?.port ?? 9229, 500));
    if (url) return { url, openedByUs: true };
    if (!readProcess(pid)) throw new UserError(`pid ${pid} exited after SIGUSR1`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const where = `${flags?.host ?? '127.0.0.1'}:${flags?.port ?? 9229}`;
  throw new UserError(`pid ${pid} did not open its inspector on ${where} within ${SIGNAL_WAIT_MS / 1000} s of SIGUSR1 (the port may be taken by another program)`);
}

/**
 * A Python pid without a listening agent (one that listens was found by its address file before
 * this, see python.ts): nothing to attach to, and nothing is sent to it.
 */
export function attachPythonProcess(p: ProcessFacts): never {
  throw new UserError(
    `pid ${p.pid} is a Python program (${describe(p)}) whose profiler agent is not listening: start it with \`memory-profiler run -- python …\`, or call \`memory_profiler_agent.listen()\` in it. It was left alone`,
  );
}

function describe(p: ProcessFacts): string {
  const text = p.argv.join(' ');
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/**
 * Closes the program's inspector, as it was before SIGUSR1. `process._debugEnd` (Node's own
 * counterpart of `_debugProcess`) or `inspector.close()` waits for every session to end, so it is
 * deferred to the program's next turn and our connection closes right after asking.
 */
export async function closeInspector(connection: CdpConnection): Promise<void> {
  try {
    await connection.send('Runtime.evaluate', {
      expression: `setImmediate(() => { try { (typeof process._debugEnd === 'function' ? process._debugEnd : require('inspector').close)(); } catch {} }); undefined`,
      includeCommandLineAPI: true,
      silent: true,
    });
  } catch {
    // the program is gone or the connection lost: nothing left to close
  }
}
