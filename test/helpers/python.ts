import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { type RunningServer, startServer } from '../../src/server';
import { type AgentAddress, PythonAgentClient, PythonTarget, launchWithAgent } from '../../src/targets/python';
import { Program, ROOT, getJson } from './programs';

/** Debian's python3 (with debugpy) unless MEMORY_PROFILER_PYTHON names another. */
export const PYTHON = process.env.MEMORY_PROFILER_PYTHON || '/usr/bin/python3';
export const pythonFixture = (name: string) => join(ROOT, 'test', 'fixtures', 'python', name);

export interface PythonProgram {
  program: Program;
  child: ChildProcess;
  address: AgentAddress;
  pid: number;
  client: PythonAgentClient;
  /** Sends a command line to the fixture and waits for its JSON answer holding `key`. */
  ask<T = any>(command: string, key: string): Promise<T>;
  stop(): void;
}

/** A fixture under test/fixtures/python started with the agent; connected. */
export async function startPython(args: string[], options: { gcOff?: boolean; cwd?: string } = {}): Promise<PythonProgram> {
  const { child, address, pid } = await launchWithAgent({ command: PYTHON, args, gcOff: options.gcOff, cwd: options.cwd });
  const program = new Program(child);
  const client = await PythonAgentClient.connect(address);
  return {
    program,
    child,
    address,
    pid,
    client,
    async ask(command, key) {
      program.send(command);
      return program.json(key);
    },
    stop() {
      client.close();
      program.kill();
    },
  };
}

/** A fixture started with the agent, and the real server profiling it (on a free port of localhost). */
export interface ServedPython {
  py: PythonProgram;
  target: PythonTarget;
  server: RunningServer;
  /** `http://127.0.0.1:<port>` */
  base: string;
  post<T = any>(path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export async function servePython(fixture: string, options: { gcOff?: boolean; host?: string } = {}): Promise<ServedPython> {
  const py = await startPython([pythonFixture(fixture)], { gcOff: options.gcOff });
  await py.program.json('ready');
  const target = await PythonTarget.connect(py.address);
  const server = await startServer({ target, host: options.host ?? 'localhost', port: 0 });
  const base = `http://127.0.0.1:${server.port}`;
  return {
    py,
    target,
    server,
    base,
    post: (path, body) =>
      getJson(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }),
    async stop() {
      await server.stop();
      await target.dispose();
      py.stop();
    },
  };
}

/** A whole snapshot from the agent, as bytes, and the agent's figures about it. */
export async function snapshotBytes(
  client: PythonAgentClient,
  params: Record<string, unknown> = {},
): Promise<{ bytes: Buffer; result: { nodes: number; edges: number; bytes: number; chunks: number; pauseMs: number } }> {
  const chunks: Buffer[] = [];
  const result = await client.request<{ nodes: number; edges: number; bytes: number; chunks: number; pauseMs: number }>('snapshot', params, (c) => chunks.push(Buffer.from(c)));
  return { bytes: Buffer.concat(chunks), result };
}
