import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = resolve(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');
export const LIB = join(ROOT, 'dist', 'index.js');
export const fixture = (name: string) => join(ROOT, 'test', 'fixtures', 'programs', name);

/** A child process whose stdout lines can be awaited. */
export class Program {
  readonly lines: string[] = [];
  readonly stderrLines: string[] = [];
  private waiters: Array<() => void> = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => this.push(this.lines, line));
    if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => this.push(this.stderrLines, line));
    this.exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }));
  }

  private push(into: string[], line: string) {
    into.push(line);
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits for a line (stdout or stderr) matching `pattern`; returns the match. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    const lines = stream === 'stdout' ? this.lines : this.stderrLines;
    let seen = 0;
    for (;;) {
      for (; seen < lines.length; seen++) {
        const m = pattern.exec(lines[seen]);
        if (m) return m;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${pattern}; stdout: ${this.lines.join('\n')}\nstderr: ${this.stderrLines.join('\n')}`);
      }
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  /** The next JSON line on stdout that has `key`. */
  async json<T = any>(key: string, timeoutMs?: number): Promise<T> {
    const m = await this.waitFor(new RegExp(`^\\{.*"${key}"`), timeoutMs);
    const index = this.lines.indexOf(m.input);
    this.lines.splice(index, 1); // consume it, so the next call waits for a fresh one
    return JSON.parse(m.input);
  }

  send(line: string) {
    this.child.stdin!.write(line + '\n');
  }

  kill(signal: NodeJS.Signals = 'SIGKILL') {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if the program has not ended within `graceMs`; resolves once it has. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export function startNode(args: string[], env: Record<string, string> = {}): Program {
  return new Program(spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } }));
}

export interface InspectedProgram {
  program: Program;
  wsUrl: string;
  port: number;
  pid: number;
}

/**
 * The one way the tests start a program to profile: `node --inspect=127.0.0.1:0 <script> …args`
 * (a fixture name under test/fixtures/programs, or a path), resolved once its inspector listens
 * and it has said it is ready (a `ready` line, or a JSON line with `"ready"`): the inspector
 * listens before the script runs, and a profiler attaching that early would read the program
 * before it set itself up. A program that exits first rejects with its stderr.
 */
export async function startInspected(script: string, env: Record<string, string> = {}, args: string[] = []): Promise<InspectedProgram> {
  const program = startNode(['--inspect=127.0.0.1:0', script.includes('/') ? script : fixture(script), ...args], env);
  const exitedEarly = program.exited.then(({ code, signal }) => {
    throw new Error(`${script} exited (${signal ?? `code ${code}`}) before it was ready:\n${program.stderrLines.join('\n')}`);
  });
  try {
    const [m, ready] = await Promise.race([
      Promise.all([program.waitFor(/Debugger listening on (ws:\/\/127\.0\.0\.1:(\d+)\/\S+)/, 15_000, 'stderr'), program.waitFor(/^ready$|^\{.*"ready"/, 15_000)]),
      exitedEarly,
    ]);
    // Consumed, so that the next wait for a line starts after it.
    program.lines.splice(program.lines.indexOf(ready.input), 1);
    return { program, wsUrl: m[1], port: Number(m[2]), pid: program.child.pid! };
  } catch (e) {
    program.kill();
    throw e;
  } finally {
    exitedEarly.catch(() => {});
  }
}

export async function getJson<T = any>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  // The header the UI's own requests carry: reads that pause the program require it.
  const headers = { 'x-memory-profiler': '1', ...(init?.headers as Record<string, string> | undefined) };
  const response = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(15_000) });
  return { status: response.status, body: (await response.json()) as T };
}

/** A fetch `init` with a JSON body. */
export const json = (method: string, body?: unknown): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: body === undefined ? undefined : JSON.stringify(body),
});

/** Sends a command to a fixture that answers `{"done": …, "counts": {…}}`, and returns the counts. */
export async function command(program: Program, line: string): Promise<Record<string, number>> {
  program.send(line);
  return (await program.json<{ counts: Record<string, number> }>('done')).counts;
}
