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
}

export function startNode(args: string[], env: Record<string, string> = {}): Program {
  return new Program(spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } }));
}

/** A fixture started with its inspector on a free port; resolves once the inspector listens. */
export async function startInspected(name: string, env: Record<string, string> = {}): Promise<{ program: Program; wsUrl: string; port: number; pid: number }> {
  const program = startNode(['--inspect=127.0.0.1:0', fixture(name)], env);
  const m = await program.waitFor(/Debugger listening on (ws:\/\/127\.0\.0\.1:(\d+)\/\S+)/, 15_000, 'stderr');
  const { pid } = await program.json<{ pid: number }>('ready');
  return { program, wsUrl: m[1], port: Number(m[2]), pid };
}

export async function getJson<T = any>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  // The header the UI's own requests carry: reads that pause the program require it.
  const headers = { 'x-memory-profiler': '1', ...(init?.headers as Record<string, string> | undefined) };
  const response = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(15_000) });
  return { status: response.status, body: (await response.json()) as T };
}

/** A fetch `init` with a JSON body. */
export const json = (method: string, body?: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

/** Sends a command to a fixture that answers `{"done": …, "counts": {…}}`, and returns the counts. */
export async function command(program: Program, line: string): Promise<Record<string, number>> {
  program.send(line);
  return (await program.json<{ counts: Record<string, number> }>('done')).counts;
}
