// How startProfiler's calling thread and the profiler's worker thread talk while the caller is
// suspended: a shared Int32 the caller sleeps on (Atomics.wait) and a MessagePort the caller
// reads synchronously (receiveMessageOnPort). Nothing here needs the caller's event loop.
import type { MessagePort } from 'node:worker_threads';
import { constants } from 'node:os';

/** What the worker has done; the value of the shared Int32. */
export const SuspendState = { Starting: 0, Listening: 1, Stopped: 2, Failed: 3 } as const;
export type SuspendState = (typeof SuspendState)[keyof typeof SuspendState];

export interface SuspendControl {
  /** A SharedArrayBuffer of one Int32: the `SuspendState`. */
  state: SharedArrayBuffer;
  /** The worker's replies: `{type: 'listening', url, port}`, `{type: 'error', message}`, `{type: 'stopped', reason}`. */
  port: MessagePort;
}

interface SignalHandle {
  onsignal: ((signum: number) => void) | null;
  start(signum: number): number;
  close(): void;
  unref(): void;
}

/**
 * Calls `onSignal` on SIGINT or SIGTERM, from the worker thread. While the main thread is
 * blocked its own `process.on('SIGINT')` handlers cannot run, and worker threads get no
 * `process.on` signal events, so this uses Node's signal binding in the worker: libuv delivers a
 * signal to every loop that watches it, this one included. Returns a function that stops
 * watching (and gives SIGINT/SIGTERM back their previous behaviour). When the binding is not
 * available, returns a no-op: the signals then keep their default effect (the program ends).
 */
export function watchSignals(onSignal: (signal: 'SIGINT' | 'SIGTERM') => void): () => void {
  let Signal: (new () => SignalHandle) | undefined;
  const quiet = process.noDeprecation;
  try {
    // `process.binding` is deprecated (DEP0111); the warning would reach the program's stderr.
    process.noDeprecation = true;
    Signal = (process as unknown as { binding(name: string): { Signal: new () => SignalHandle } }).binding('signal_wrap').Signal;
  } catch {
    return () => {};
  } finally {
    process.noDeprecation = quiet;
  }
  const handles: SignalHandle[] = [];
  for (const name of ['SIGINT', 'SIGTERM'] as const) {
    const handle = new Signal();
    handle.unref();
    handle.onsignal = () => onSignal(name);
    if (handle.start(constants.signals[name]) === 0) handles.push(handle);
    else handle.close();
  }
  return () => {
    for (const handle of handles.splice(0)) handle.close();
  };
}
