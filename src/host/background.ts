import { Worker } from 'node:worker_threads';
import { distPath } from '../common/paths';
import type { CensusEntry, TrackedClass, TrackerSnapshot, TrackerState } from '../model';
import type { TrackOptions } from '../tracker/classTracker';

export interface BackgroundOptions {
  /** Default `localhost`. */
  host?: string;
  /** Default 8090; 0 picks a free port. */
  port?: number;
  /**
   * Another program to profile: an inspector `ws://` URL, port or `host:port`. Without it the
   * calling program profiles itself.
   */
  target?: string | number;
  debug?: boolean;
  /** Access token every request must carry; default: none on loopback, generated (and in `url`) otherwise. */
  token?: string;
  /** Classes (constructor names) the class tracker follows from the start. */
  trackClasses?: string[];
  /** With `trackClasses`: record where their instances are allocated (allocation tracking). */
  trace?: boolean;
  /** Start the tracker's periodic mode at once (censuses, full snapshots within the 5 % pause budget). */
  intervalMs?: number;
}

/**
 * The class tracker of a background profiler. It lives in the profiler's worker thread (its own
 * isolate) and inspects the program; these calls are forwarded to it.
 */
export interface BackgroundTracker {
  trackClass(name: string, options?: TrackOptions): Promise<TrackedClass>;
  untrackClass(name: string): Promise<boolean>;
  createSnapshot(description?: string): Promise<TrackerSnapshot>;
  /** Exact instance counts of the tracked classes now, without a snapshot (sizes estimated). */
  census(): Promise<CensusEntry>;
  startPeriodicSnapshots(intervalMs: number, options?: { budget?: number; mode?: 'census' | 'full' }): Promise<void>;
  stopPeriodicSnapshots(): Promise<void>;
  state(): Promise<TrackerState>;
  dumpStats(file: string): Promise<void>;
}

/** A profiler serving in the background; the program runs on. */
export interface BackgroundProfiler {
  url: string;
  port: number;
  /** The worker thread that runs the server. */
  thread: Worker;
  /** The server's class tracker (calls go to the worker thread). */
  tracker: BackgroundTracker;
  stop(): Promise<void>;
}

type WorkerReply =
  | { type: 'listening'; url: string; port: number }
  | { type: 'error'; message: string }
  | { type: 'stopped' }
  | { type: 'tracker-reply'; id: number; value?: unknown; error?: string };

/** Forwards tracker calls to the worker thread and matches its replies. */
function trackerProxy(
  thread: Worker,
  exited: () => boolean,
): { tracker: BackgroundTracker; reply(r: Extract<WorkerReply, { type: 'tracker-reply' }>): void; fail(why: string): void } {
  let next = 0;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const call = (method: string, ...args: unknown[]) =>
    new Promise<any>((resolve, reject) => {
      if (exited()) return reject(new Error('the profiler has stopped'));
      const id = ++next;
      pending.set(id, { resolve, reject });
      // Keep the program alive while it waits for an answer; the thread is unref'd otherwise.
      if (pending.size === 1) thread.ref();
      thread.postMessage({ type: 'tracker', id, method, args });
    });
  const settle = (id: number) => {
    const p = pending.get(id);
    pending.delete(id);
    if (!pending.size && !exited()) thread.unref();
    return p;
  };
  return {
    tracker: {
      trackClass: (name, options) => call('trackClass', name, options),
      untrackClass: (name) => call('untrackClass', name),
      createSnapshot: (description) => call('createSnapshot', description),
      census: () => call('census'),
      startPeriodicSnapshots: (intervalMs, options) => call('startPeriodicSnapshots', intervalMs, options),
      stopPeriodicSnapshots: () => call('stopPeriodicSnapshots'),
      state: () => call('state'),
      dumpStats: (file) => call('dumpStats', file),
    },
    reply: (r) => {
      const p = settle(r.id);
      if (r.error !== undefined) p?.reject(new Error(r.error));
      else p?.resolve(r.value);
    },
    fail: (why) => {
      for (const id of [...pending.keys()]) settle(id)?.reject(new Error(why));
    },
  };
}

/**
 * Starts the profiler server in a worker thread, so neither serving nor analysis runs on the
 * calling program's event loop. The worker inspects the main thread through
 * `inspector.Session#connectToMainThread`, or another program through its inspector. The
 * worker does not keep the program alive (like Pympler's daemon thread).
 */
export function startInBackground(options: BackgroundOptions = {}): Promise<BackgroundProfiler> {
  const thread = new Worker(distPath('profilerWorker.js'), {
    workerData: options,
    name: 'memory-profiler',
    // The program's own node flags (loaders, test-runner options) are not for the profiler's thread.
    execArgv: [],
  });
  return new Promise((resolve, reject) => {
    let stopped: (() => void) | undefined;
    // The worker may also end on its own (`POST /api/stop`): stop() then has nothing to wait for.
    let exited = false;
    const proxy = trackerProxy(thread, () => exited);
    thread.once('exit', () => {
      exited = true;
      proxy.fail('the profiler has stopped');
    });
    thread.on('message', (reply: WorkerReply) => {
      if (reply.type === 'tracker-reply') {
        proxy.reply(reply);
      } else if (reply.type === 'listening') {
        thread.unref();
        resolve({
          url: reply.url,
          port: reply.port,
          thread,
          tracker: proxy.tracker,
          stop: () =>
            exited
              ? Promise.resolve()
              : new Promise<void>((done) => {
                  stopped = done;
                  // Whoever awaits stop() must not see its event loop end first: the thread is unref'd.
                  thread.ref();
                  thread.postMessage({ type: 'stop' });
                  thread.once('exit', () => done());
                }),
        });
      } else if (reply.type === 'error') {
        reject(new Error(reply.message));
      } else if (reply.type === 'stopped') {
        stopped?.();
      }
    });
    thread.once('error', (e) => reject(e));
    thread.once('exit', (code) => reject(new Error(`the profiler thread exited (code ${code}) before serving`)));
  });
}
