// The worker thread behind startInBackground and startProfiler: connects to the target (the
// main thread by default) or loads saved snapshots, serves, and stops when asked: by a message
// from the program, by `POST /api/stop`, or, for startProfiler, by SIGINT/SIGTERM.
import { parentPort, workerData } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import { basename } from 'node:path';
import { type CdpConnection, connectInProcess, connectToInspector } from '../targets/node';
import { HeapWorkerClient } from '../heap/client';
import { NodeTarget, OfflineTarget, type ProfiledTarget } from '../targets';
import type { BackgroundOptions } from './background';
import { ClassTracker } from '../tracker/classTracker';
import { HeapStore } from '../server/heapStore';
import { type RunningServer, startServer } from '../server/server';
import { type SuspendControl, SuspendState, watchSignals } from './suspension';

export interface WorkerOptions extends BackgroundOptions {
  /** Saved `.heapsnapshot` files to serve offline instead of a live program. */
  stats?: string[];
  /** startProfiler: the calling thread waits on this; replies go to `port`, not to parentPort. */
  control?: SuspendControl;
  /** Script URLs of the profiler's own code (its frames are marked internal). */
  profilerUrls?: string[];
}

async function run(options: WorkerOptions): Promise<void> {
  const control = options.control;
  const state = control ? new Int32Array(control.state) : undefined;
  const reply = (message: object) => (control ? control.port.postMessage(message) : parentPort!.postMessage(message));
  // The calling thread of startProfiler sleeps on `state`: every change must wake it.
  const setState = (value: SuspendState) => {
    if (!state) return;
    Atomics.store(state, 0, value);
    Atomics.notify(state, 0);
  };
  let connection: CdpConnection | undefined;
  let target: ProfiledTarget | undefined;
  let server: RunningServer | undefined;
  let ownTracker: ClassTracker | undefined;
  let stopping = false;
  let unwatch = () => {};
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    unwatch();
    await server?.stop().catch(() => {});
    await ownTracker?.dispose().catch(() => {});
    // Let go of the main thread's inspector before it resumes, so its exit does not wait for us.
    await target?.dispose().catch(() => {});
    reply({ type: 'stopped', reason });
    setState(SuspendState.Stopped);
    process.exit(0);
  };
  try {
    if (options.stats?.length) {
      const heap = new HeapStore();
      for (const file of options.stats) {
        if (!/\.heapsnapshot$/i.test(file)) throw new Error(`${file}: startProfiler({stats}) serves .heapsnapshot files; stats dumps are loaded with loadStats()`);
        await heap.addFile(file, basename(file));
      }
      target = new OfflineTarget(options.stats);
      server = await startServer({
        target,
        heap,
        host: options.host,
        port: options.port,
        debug: options.debug,
        token: options.token,
        onStop: () => void stop('stopped from the UI'),
      });
    } else {
      connection = options.target === undefined ? connectInProcess(true) : await connectToInspector(options.target);
      const suspended = Boolean(control) && options.target === undefined;
      const node = await NodeTarget.attach(connection, {
        threads: { suspended, profilerUrls: options.profilerUrls },
        resume: suspended ? () => void stop('stopped from the UI') : undefined,
        // This process: V8 writes its snapshots into a FIFO this thread reads.
        local: options.target === undefined,
      });
      target = node;
      // Profiling this process: the profiler is this thread, a separate isolate, so it adds next
      // to nothing to the program's JS heap; its own heap (inside the process's resident memory)
      // is reported as each snapshot's overhead. Another program's profiler adds nothing.
      const inProcess = options.target === undefined;
      ownTracker = new ClassTracker(node, inProcess ? { overhead: () => getHeapStatistics().used_heap_size } : {});
      server = await startServer({
        tracker: ownTracker,
        target,
        host: options.host,
        port: options.port,
        debug: options.debug,
        token: options.token,
        onStop: () => void stop('stopped from the UI'),
      });
    }
    if (server.tracker.live) {
      for (const name of options.trackClasses ?? []) await server.tracker.trackClass(name, { trace: options.trace });
      if (options.intervalMs) server.tracker.startPeriodicSnapshots(options.intervalMs);
    }
    if (control) {
      control.port.on('message', (message: { type: string }) => message.type === 'stop' && void stop('stopped by the program'));
      unwatch = watchSignals((signal) => void stop(signal));
    } else {
      const tracker = server.tracker;
      parentPort!.on('message', (message: { type: string; id?: number; method?: string; args?: unknown[] }) => {
        if (message.type === 'stop') void stop('stopped by the program');
        else if (message.type === 'tracker') void callTracker(tracker, message.id!, message.method!, message.args ?? []);
      });
    }
    reply({ type: 'listening', url: server.url, port: server.port });
    setState(SuspendState.Listening);
    if (control) {
      // startProfiler's caller sleeps until this thread says it stopped: should this thread fail
      // (an exception nothing caught), it says so on the way out rather than leave it asleep.
      const fail = (e: unknown) => {
        if (stopping) return;
        stopping = true;
        unwatch();
        reply({ type: 'stopped', reason: `the profiler failed: ${(e as Error)?.message ?? String(e)}` });
        setState(SuspendState.Stopped);
        process.exit(1);
      };
      process.on('uncaughtException', fail);
      process.on('unhandledRejection', fail);
      // (fault injection for the tests of this path)
      if (process.env.MEMORY_PROFILER_FAULT === 'throw-after-listening') {
        setTimeout(() => {
          throw new Error('injected fault');
        }, 200);
      }
    }
  } catch (e) {
    connection?.close();
    await target?.dispose().catch(() => {});
    reply({ type: 'error', message: (e as Error).message });
    setState(SuspendState.Failed);
    process.exit(1);
  }
}

/** Tracker methods the program may call through `startInBackground(…).tracker`. */
const TRACKER_METHODS = new Set(['trackClass', 'untrackClass', 'createSnapshot', 'census', 'startPeriodicSnapshots', 'stopPeriodicSnapshots', 'state', 'dumpStats']);

async function callTracker(tracker: ClassTracker, id: number, method: string, args: unknown[]): Promise<void> {
  try {
    if (!TRACKER_METHODS.has(method)) throw new Error(`unknown tracker method ${method}`);
    const value = await (tracker as unknown as Record<string, (...a: unknown[]) => unknown>)[method](...args);
    parentPort!.postMessage({ type: 'tracker-reply', id, value });
  } catch (e) {
    parentPort!.postMessage({ type: 'tracker-reply', id, error: (e as Error).message });
  }
}

void run(workerData as WorkerOptions);
