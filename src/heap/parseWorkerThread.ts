/**
 * Where the parse worker's script is and how to start it (see parseWorker.ts), apart from the
 * parse itself so that the thread that only starts one (the heap worker's client) loads no parser.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';

/** Below this size, starting the parse worker costs more than it saves. */
export const PARALLEL_MIN_BYTES = 32 << 20;

/**
 * Whether there is a second core for the parse worker. Whether it is idle is not asked: with both
 * cores busy with other programs, the parse with the worker still took 0.61–0.71 s against
 * 0.77–0.89 s in one thread on 194 MB (measured with two busy loops running).
 */
export function hasSecondCore(): boolean {
  return availableParallelism() >= 2;
}

/**
 * Where the parse worker script is: `heapParseWorker.js` next to this bundle (all bundles are flat
 * in `dist/`), or the TypeScript source under tsx, or `<repo>/dist/heapParseWorker.js`; null when
 * none is there (the edges are then parsed in this thread).
 */
export function parseWorkerSource(): { file: string; eval: boolean } | null {
  const here = __dirname;
  const bundled = join(here, 'heapParseWorker.js');
  if (existsSync(bundled)) return { file: bundled, eval: false };
  if (__filename.endsWith('.ts')) {
    try {
      const tsx = require.resolve('tsx/cjs');
      const src = join(here, 'parseWorker.ts');
      if (existsSync(src)) return { file: `require(${JSON.stringify(tsx)}); require(${JSON.stringify(src)});`, eval: true };
    } catch {
      // fall through to the repository's build output
    }
  }
  const repoDist = join(here, '..', '..', 'dist', 'heapParseWorker.js');
  if (existsSync(repoDist)) return { file: repoDist, eval: false };
  return null;
}

/**
 * Starts a parse worker with no job yet, for a parse about to begin in another thread: it loads
 * while that thread starts (a worker thread takes tens of milliseconds to start), and is given its
 * job through the port returned, to pass as `ParseFileOptions.parseWorkerPort`. Null when there is
 * no worker script, no second core or no thread.
 */
export function startParseWorker(): MessagePort | null {
  const src = parseWorkerSource();
  if (!src || !hasSecondCore()) return null;
  const { port1, port2 } = new MessageChannel();
  try {
    const w = new Worker(src.file, { eval: src.eval, workerData: { port: port1 }, transferList: [port1], stdout: false, stderr: false });
    w.unref();
    // (a failure is seen by the parse as the port closing)
    w.on('error', () => port2.close());
  } catch {
    return null;
  }
  return port2;
}
