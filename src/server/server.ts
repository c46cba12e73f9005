import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProfiledTarget } from '../target';
import { createApp } from './app';
import { EventStream } from './events';
import { HeapStore } from './heapStore';
import { HeapWorkerClient } from '../heap/client';

export interface ServerOptions {
  target: ProfiledTarget;
  /** Default `localhost` (bound as 127.0.0.1). */
  host?: string;
  /** Default 8090; 0 picks a free port. */
  port?: number;
  debug?: boolean;
  /** Heap snapshots to serve; a new empty store when absent. */
  heap?: HeapStore;
}

/** A running profiler server. */
export interface RunningServer {
  /** What to open in a browser. */
  url: string;
  host: string;
  port: number;
  events: EventStream;
  heap: HeapStore;
  stop(): Promise<void>;
}

export const DEFAULT_PORT = 8090;

/** Starts the HTTP server; a busy port rejects with an error whose `code` is `EADDRINUSE`. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? 'localhost';
  const events = new EventStream();
  const heap = options.heap ?? new HeapStore(() => new HeapWorkerClient());
  const app = createApp({ target: options.target, events, heap, host, debug: options.debug });
  const server = createServer(app);
  // `localhost` may resolve to ::1 alone; bind the address every client can reach.
  const bindHost = host === 'localhost' ? '127.0.0.1' : host;
  await listen(server, options.port ?? DEFAULT_PORT, bindHost);
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const stopGone = options.target.onGone((reason) => events.send('target-gone', { reason }));
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}/`,
    host,
    port,
    events,
    heap,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        stopGone();
        events.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => heap.dispose());
      return stopping;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(Object.assign(new Error(`port ${port} on ${host} is already in use; choose another with --port`), { code: 'EADDRINUSE' }));
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
        reject(Object.assign(new Error(`cannot listen on ${host}: no such local address`), { code: error.code }));
      } else {
        reject(error);
      }
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
