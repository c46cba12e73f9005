import { createServer } from 'node:net';
import type { CdpConnection } from '../targets/node';
import { type RunningServer, startServer } from '../server';
import { NodeTarget, type NodeTargetOptions } from '../targets';
import type { ClassTracker } from '../tracker/classTracker';
import { UserError } from './userError';

export interface ServeOptions {
  host: string;
  port: number;
  debug: boolean;
  /** `--token`: access token (default: generated when the host is not loopback). */
  token?: string;
  /** `--max-snapshots`: heap snapshots kept before the oldest is dropped (default 20). */
  maxSnapshots?: number;
  /** Classes to track from the start (`--track A,B`), with allocation stacks (`--trace`). */
  track?: string[];
  trace?: boolean;
  /** Periodic snapshots (`--interval <ms>`), within the default pause budget. */
  intervalMs?: number;
}

/** Attaches to a connection and serves it; returns the server and the target (`targetOptions.local`: the program runs on this machine). */
export async function serveConnection(
  connection: CdpConnection,
  options: ServeOptions,
  targetOptions: NodeTargetOptions = {},
): Promise<{ server: RunningServer; target: NodeTarget }> {
  const target = await NodeTarget.attach(connection, targetOptions);
  try {
    const server = await startServer({ target, host: options.host, port: options.port, debug: options.debug, token: options.token, maxSnapshots: options.maxSnapshots });
    try {
      await trackFromStart(server.tracker, options.track ?? [], options.trace ?? false);
      if (options.intervalMs) server.tracker.startPeriodicSnapshots(options.intervalMs);
    } catch (e) {
      await server.stop();
      throw e;
    }
    return { server, target };
  } catch (e) {
    await target.dispose();
    throw new UserError((e as Error).message);
  }
}

/** How long after the start the tracked names are checked: a program just launched has made none of its objects yet. */
const NAME_CHECK_DELAY_MS = 1_000;

/**
 * `--track A,B`: tracks each class and, a moment later, says on one line each those the program
 * has no instance of, with the near names it has (`Ordr` → `Order`); the run goes on either way.
 */
export async function trackFromStart(tracker: ClassTracker, names: readonly string[], trace: boolean): Promise<void> {
  for (const name of names) await tracker.trackClass(name, { trace });
  if (!names.length) return;
  const timer = setTimeout(() => {
    void tracker.nameChecks(names).then((warnings) => {
      for (const warning of warnings) process.stderr.write(`memory-profiler: warning: --track ${printable(warning.message)}\n`);
    });
  }, NAME_CHECK_DELAY_MS);
  timer.unref();
}

/** A program's names on a terminal: control characters (escape sequences) shown as \u codes, not obeyed. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Resolves on the first SIGINT (Ctrl+C), SIGTERM or SIGHUP (the terminal closed), with its name:
 * `run` passes it on to the program's process group, which no terminal signal reaches otherwise.
 */
export function untilInterrupted(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      for (const name of STOP_SIGNALS) process.off(name, on);
      resolve(signal);
    };
    for (const name of STOP_SIGNALS) process.on(name, on);
  });
}

/** Fails with the server's own message when host:port is taken. Port 0 always finds one. */
export async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const bindHost = host === 'localhost' ? '127.0.0.1' : host;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new UserError(`port ${port} on ${bindHost} is already in use; choose another with --port`));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') reject(new UserError(`cannot listen on ${host}: no such local address`));
      else if (e.code === 'EACCES') reject(new UserError(`port ${port} on ${bindHost} needs privileges; choose another with --port`));
      else reject(new UserError(`cannot listen on ${bindHost}:${port}: ${e.message}`));
    });
    probe.listen(port, bindHost, () => probe.close(() => resolve()));
  });
}
