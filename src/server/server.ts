import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProfiledTarget } from '../targets';
import { createApp } from './app';
import { EventStream } from './events';
import { HeapStore } from './heapStore';
import { ClassTracker } from '../tracker/classTracker';
import { connectTracker } from './trackerRoutes';
import { resolveToken, urlWithToken } from './token';
import { DEFAULT_PORT } from './defaultPort';

export interface ServerOptions {
  target: ProfiledTarget;
  /** Default `localhost` (bound as 127.0.0.1). */
  host?: string;
  /** Default 8090; 0 picks a free port. */
  port?: number;
  debug?: boolean;
  /** Called on `POST /api/stop` (the UI's Stop); without it that request is refused. */
  onStop?: () => void;
  /** Heap snapshots to serve; a new empty store when absent. */
  heap?: HeapStore;
  /**
   * The class tracker to serve (a live one, or one made from a stats dump). Default: a new one
   * for a live target, an empty read-only one otherwise. A new heap store shares its snapshot
   * registry, so tracker snapshots appear under `/api/heap` too.
   */
  tracker?: ClassTracker;
  /**
   * Access token required on every request (see token.ts). Default: none on loopback, a
   * generated one on any other address (then in `url` and `token`).
   */
  token?: string;
  /**
   * The token the caller's VS Code webviews send (see `AppOptions.webviewToken`); requests from
   * a `vscode-webview://` origin are refused without it.
   */
  webviewToken?: string;
  /** Most heap snapshots a new registry holds (default 20); the oldest are dropped with a note. */
  maxSnapshots?: number;
}

/** A running profiler server. */
export interface RunningServer {
  /** What to open in a browser. */
  url: string;
  host: string;
  /** The access token every request must carry, when there is one (it is in `url` too). */
  token?: string;
  /** The token given for VS Code webviews, when there is one. */
  webviewToken?: string;
  port: number;
  events: EventStream;
  heap: HeapStore;
  tracker: ClassTracker;
  stop(): Promise<void>;
}

export { DEFAULT_PORT };

/** Starts the HTTP server; a busy port rejects with an error whose `code` is `EADDRINUSE`. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? 'localhost';
  const token = resolveToken(host, options.token);
  const events = new EventStream();
  const ownTracker = !options.tracker;
  const tracker = options.tracker ?? (options.target.capabilities.heapSnapshots ? new ClassTracker(options.target, { maxSnapshots: options.maxSnapshots }) : new ClassTracker());
  // One registry holds every snapshot: a live tracker's, which the heap store then shares.
  const heap = options.heap ?? new HeapStore(tracker.live ? tracker.registry : { maxSnapshots: options.maxSnapshots });
  const stopDropped = heap.onDropped(({ index, label, note }) => events.send('snapshot-dropped', { index, label, note }));
  const stopTracker = connectTracker(tracker, events);
  const app = createApp({ target: options.target, events, heap, host, debug: options.debug, tracker, onStop: options.onStop, token, webviewToken: options.webviewToken });
  const server = createServer(app);
  // Requests still being answered: stopping lets them finish (briefly) instead of cutting them.
  const inFlight = new Set<ServerResponse>();
  server.on('request', (_req, res) => {
    inFlight.add(res);
    res.on('close', () => inFlight.delete(res));
  });
  // `localhost` may resolve to ::1 alone; bind the address every client can reach.
  const bindHost = host === 'localhost' ? '127.0.0.1' : host;
  await listen(server, options.port ?? DEFAULT_PORT, bindHost);
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const stopGone = options.target.onGone((reason) => events.send('target-gone', { reason }));
  let stopping: Promise<void> | undefined;
  return {
    url: urlWithToken(`http://${urlHost}:${port}/`, token),
    host,
    token,
    webviewToken: options.webviewToken,
    port,
    events,
    heap,
    tracker,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        stopGone();
        stopTracker();
        stopDropped();
        tracker.stopPeriodicSnapshots();
        events.close();
        server.close(() => resolve());
        server.closeIdleConnections();
        // A request that is failing because the program just exited (a snapshot: 503) gets
        // its answer; the rest are cut after the grace period.
        void settled(inFlight, STOP_GRACE_MS).then(() => server.closeAllConnections());
      })
        // A store over the tracker's registry leaves the registry (and its worker) to the tracker.
        .then(() => heap.dispose())
        .then(() => (ownTracker ? tracker.dispose() : undefined));
      return stopping;
    },
  };
}

/** How long stopping waits for requests still being answered. */
const STOP_GRACE_MS = 3_000;

async function settled(inFlight: Set<unknown>, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (inFlight.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
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
