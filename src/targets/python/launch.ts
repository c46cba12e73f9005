import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { AgentAddress } from './agentClient';

/** The folder holding `memory_profiler_agent/` and `bootstrap/` (the package's `python/`), found from this module's place in src/ or dist/. */
export function agentRoot(): string {
  for (let dir = __dirname, i = 0; i < 6; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'python');
    if (existsSync(join(candidate, 'memory_profiler_agent', '__init__.py'))) return candidate;
  }
  throw new Error('the Python agent (python/memory_profiler_agent) is missing from this installation');
}

export interface LaunchOptions {
  /** The Python command line: `python3 app.py`, `python -m module`, a venv's python… */
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Keep the program's automatic garbage collector off (cycles wait for the garbage page). */
  gcOff?: boolean;
  stdio?: 'inherit' | 'pipe';
  /** How long the agent may take to report (default 30 s). */
  timeoutMs?: number;
}

/**
 * Starts a Python program with the agent loaded before its own code: a `sitecustomize` on
 * `PYTHONPATH` (python/bootstrap) starts it whatever the command line, and it reports its port
 * on an inherited pipe (fd 3). Resolves once the agent listens.
 */
export async function launchWithAgent(options: LaunchOptions): Promise<{ child: ChildProcess; address: AgentAddress; pid: number }> {
  const root = agentRoot();
  const env = { ...process.env, ...options.env };
  const inherited = env.PYTHONPATH ? env.PYTHONPATH.split(delimiter) : [];
  env.PYTHONPATH = [join(root, 'bootstrap'), root, ...inherited].join(delimiter);
  env.MEMORY_PROFILER_AGENT = '1';
  env.MEMORY_PROFILER_AGENT_REPORT_FD = '3';
  if (options.gcOff) env.MEMORY_PROFILER_AGENT_GC_OFF = '1';
  const io = options.stdio ?? 'pipe';
  const child = spawn(options.command, options.args, { env, cwd: options.cwd, stdio: [io, io, io, 'pipe'] });
  const report = child.stdio[3] as Readable;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const address = await new Promise<{ port: number; secret: string; pid: number }>((resolve, reject) => {
    let text = '';
    const done = (error?: Error, value?: { port: number; secret: string; pid: number }) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      report.removeAllListeners('data');
      if (error) reject(error);
      else resolve(value!);
    };
    const onExit = (code: number | null, signal: string | null) =>
      done(new Error(`${options.command} exited (${signal ?? `code ${code}`}) before the Python agent started: is it Python 3.8 or newer?`));
    const onError = (e: Error) => done(new Error(`cannot start ${options.command}: ${e.message}`));
    const timer = setTimeout(() => done(new Error(`the Python agent did not report within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', onExit);
    child.once('error', onError);
    report.setEncoding('utf8');
    report.on('data', (data: string) => {
      text += data;
      const newline = text.indexOf('\n');
      if (newline < 0) return;
      try {
        done(undefined, JSON.parse(text.slice(0, newline)));
      } catch {
        done(new Error('the Python agent reported something that is not JSON'));
      }
    });
  });
  report.destroy();
  return { child, address: { host: '127.0.0.1', port: address.port, secret: address.secret }, pid: address.pid };
}
