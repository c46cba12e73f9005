import { Worker } from 'node:worker_threads';
import { distPath } from '../common/paths';

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
}

/** A profiler serving in the background; the program runs on. */
export interface BackgroundProfiler {
  url: string;
  port: number;
  /** The worker thread that runs the server. */
  thread: Worker;
  stop(): Promise<void>;
}

type WorkerReply = { type: 'listening'; url: string; port: number } | { type: 'error'; message: string } | { type: 'stopped' };

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
    thread.once('exit', () => (exited = true));
    thread.on('message', (reply: WorkerReply) => {
      if (reply.type === 'listening') {
        thread.unref();
        resolve({
          url: reply.url,
          port: reply.port,
          thread,
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
