import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker, isMainThread, receiveMessageOnPort } from 'node:worker_threads';
import { distPath } from '../common/paths';
import { PROFILER_THREAD_NAME } from '../targets/node';
import type { WorkerOptions } from './backgroundWorker';
import { DEFAULT_PORT } from '../server/server';
import { SuspendState } from './suspension';

export interface ProfilerOptions {
  /** Default `localhost`. */
  host?: string;
  /** Default 8090; 0 picks a free port (learn it from `onListening`). */
  port?: number;
  /**
   * Another program to profile: an inspector `ws://` URL, port or `host:port`. Without it (and
   * without `stats`) the calling program profiles itself and is suspended meanwhile.
   */
  target?: string | number;
  /** Saved `.heapsnapshot` files to serve offline instead of a live program. */
  stats?: string | string[];
  /** Verbose errors (stack traces in responses), no caching of static files. */
  debug?: boolean;
  /** Access token every request must carry; default: none on loopback, generated (and in the URL) otherwise. */
  token?: string;
  /**
   * Called on the calling thread once the server listens, just before the thread is
   * suspended. Default: prints the URL to stderr.
   */
  onListening?: (url: string, port: number) => void;
  /** How long the server may take to start (loading big snapshots is slow). Default 10 minutes. */
  startTimeoutMs?: number;
  /**
   * The class tracker's start: `classes` (constructor names) to follow, `trace` to record their
   * creation stacks, `intervalMs` to start periodic mode (censuses, full snapshots within the
   * 5 % pause budget; while the caller is suspended they show a still program).
   */
  tracker?: { classes?: string[]; trace?: boolean; intervalMs?: number };
}

export interface ProfilerResult {
  url: string;
  port: number;
  /** Why the server stopped: `stopped from the UI`, `SIGINT`, `SIGTERM`. */
  reason: string;
}

type Reply = { type: 'listening'; url: string; port: number } | { type: 'error'; message: string } | { type: 'stopped'; reason: string };

/**
 * Serves the profiler and **suspends the calling thread** until the server stops, the way a
 * breakpoint does (and Pympler's `start_profiler`): no timer, promise or callback of the
 * program runs meanwhile, while the pages show its memory, threads and the suspended stack.
 * The server runs in a worker thread that inspects this thread through
 * `inspector.Session#connectToMainThread`; V8 answers those requests even while this thread
 * sleeps in `Atomics.wait`. Stop it with the page's Stop button (`POST /api/stop`), Ctrl+C
 * (SIGINT) or SIGTERM: the function then returns and the program carries on. With `target`
 * it profiles another program (the caller still waits until the server stops); with `stats`
 * it serves saved snapshots.
 *
 * Synchronous on purpose: it returns only when the server has stopped and its port is free.
 */
export function startProfiler(options: ProfilerOptions = {}): ProfilerResult {
  const stats = options.stats === undefined ? undefined : Array.isArray(options.stats) ? options.stats : [options.stats];
  if (!isMainThread && options.target === undefined && !stats) {
    throw new Error('startProfiler() without a target suspends and inspects the main thread: call it there (or use startInBackground)');
  }
  const script = distPath('profilerWorker.js');
  if (!existsSync(script)) throw new Error(`the profiler's worker script is missing (${script}); build the package (node build.mjs)`);

  const state = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const workerData: WorkerOptions = {
    host: options.host,
    port: options.port ?? DEFAULT_PORT,
    target: options.target,
    debug: options.debug,
    token: options.token,
    stats,
    trackClasses: options.tracker?.classes,
    trace: options.tracker?.trace,
    intervalMs: options.tracker?.intervalMs,
    control: { state: state.buffer as SharedArrayBuffer, port: port2 },
    profilerUrls: [pathToFileURL(__filename).href],
  };
  const worker = new Worker(script, { workerData, transferList: [port2], name: PROFILER_THREAD_NAME, execArgv: [] });
  // The worker ends itself once stopped; it must never keep the program alive.
  worker.unref();
  const read = (): Reply | undefined => receiveMessageOnPort(port1)?.message as Reply | undefined;
  try {
    // Starting: the worker runs on its own, so this thread may already sleep.
    const deadline = Date.now() + (options.startTimeoutMs ?? 600_000);
    while (Atomics.load(state, 0) === SuspendState.Starting) {
      if (Date.now() > deadline) {
        void worker.terminate();
        throw new Error(`the profiler did not start within ${Math.round((options.startTimeoutMs ?? 600_000) / 1000)} s`);
      }
      Atomics.wait(state, 0, SuspendState.Starting, 100);
    }
    const started = read();
    if (Atomics.load(state, 0) === SuspendState.Failed || started?.type !== 'listening') {
      throw new Error(started?.type === 'error' ? started.message : 'the profiler failed to start');
    }
    try {
      if (options.onListening) options.onListening(started.url, started.port);
      else process.stderr.write(`memory-profiler: serving ${started.url} — this thread is suspended until you press Stop on the page or Ctrl+C\n`);
    } catch (e) {
      port1.postMessage({ type: 'stop' });
      waitUntilStopped(state);
      throw e;
    }
    // Suspended. A wait may return early (an inspector request, a spurious wake): loop on the flag.
    waitUntilStopped(state);
    let reason = 'stopped';
    for (let reply = read(); reply; reply = read()) if (reply.type === 'stopped') reason = reply.reason;
    return { url: started.url, port: started.port, reason };
  } finally {
    port1.close();
  }
}

function waitUntilStopped(state: Int32Array): void {
  for (let now = Atomics.load(state, 0); now === SuspendState.Listening; now = Atomics.load(state, 0)) {
    Atomics.wait(state, 0, now);
  }
}
