import type { CdpConnection } from '../targets/node';
import { type RunningServer, startServer } from '../server';
import { NodeTarget } from '../targets';
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

/** Attaches to a connection and serves it; returns the server and the target. */
export async function serveConnection(connection: CdpConnection, options: ServeOptions): Promise<{ server: RunningServer; target: NodeTarget }> {
  const target = await NodeTarget.attach(connection);
  try {
    const server = await startServer({ target, host: options.host, port: options.port, debug: options.debug, token: options.token, maxSnapshots: options.maxSnapshots });
    try {
      for (const name of options.track ?? []) await server.tracker.trackClass(name, { trace: options.trace });
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

/** Resolves on the first SIGINT or SIGTERM (Ctrl+C), with its name. */
export function untilInterrupted(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
