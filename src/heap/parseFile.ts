/**
 * Parsing a `.heapsnapshot` file: the reads (two reused buffers, the next read in flight while the
 * current chunk is parsed) and, on large files, the parse worker that scans the edges array on
 * another core meanwhile, with the fall-back to a scan in this thread when it cannot.
 */
import { existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { scanEdgesOfFile, type EdgeFileJob, type EdgeFileResult } from './edgeScan';
import { HeapSnapshotError } from './errors';
import type { HeapGraph } from './graph';
import { HeapSnapshotParser } from './snapshotParser';
import { computeClasses } from './classes';
import { setClasses } from './analysis';
import { mark } from './timeline';
import { SnapshotFile } from './lazySections';
import { WALKING, WALK_FAILED, type DistancesInProgress } from './distances';

/** Options for `parseHeapSnapshotFile`. */
export interface ParseFileOptions {
  /** Called after each chunk with bytes read so far and the file size. */
  onProgress?: (bytes: number, totalBytes: number) => void;
  /** Read size; default 1 MiB. */
  chunkSize?: number;
  /**
   * Scan the edges array in a worker thread (the parse worker, which also marks the page objects)
   * while this thread parses the nodes, strings and class ids. Default: for files of
   * `PARALLEL_MIN_BYTES` or more on a machine of two cores or more. Either way only when the
   * worker script is found; the result is the same.
   */
  parallel?: boolean;
  /**
   * Leave the edge names and `locations` in the file, which stays open, and read them from it when
   * first asked (`HeapGraph.edgeNameIndex`, `edgeName`, `locations`; see lazySections.ts): 4 bytes
   * per edge less in memory. A file changed since is an error then. Default false.
   */
  lazySections?: boolean;
  /**
   * Have the parse worker walk the distances from the root after the edges, while the analyses
   * run (`HeapGraph.pendingDistances`; see parseWorker.ts). Default: for files of
   * `WALK_IN_WORKER_MIN_BYTES` or more. Only when the parse worker scans the edges.
   */
  walkDistances?: boolean;
}

/**
 * @internal (tests) How the edges of files parsed in parallel were scanned: by the worker, or here
 * after all; how often this thread went on from the key after the edges, and how often such a
 * jump was not confirmed (the parse started over in one thread).
 */
export const parallelEdgeStats = { worker: 0, here: 0, jumped: 0, startedOver: 0 };

/** Below this size, starting the parse worker costs more than it saves. */
export const PARALLEL_MIN_BYTES = 32 << 20;

/**
 * From this size on, the parse worker also walks the distances from the root while the analyses
 * run (4 bytes per edge shared, 12 per node more memory meanwhile), so that the first question
 * about one object does not wait for them: 0.3 s on 1 GB, 2 s on 4.8 GB. Below it they take
 * under 0.15 s after the class list, and the memory matters more (see README, Benchmarks).
 */
export const WALK_IN_WORKER_MIN_BYTES = 512 << 20;

/**
 * Whether there is a second core for the parse worker. Whether it is idle is not asked: with both
 * cores busy with other programs, the parse with the worker still took 0.61–0.71 s against
 * 0.77–0.89 s in one thread on 194 MB (measured with two busy loops running).
 */
function hasSecondCore(): boolean {
  return availableParallelism() >= 2;
}

/**
 * Where the parse worker script is: `heapParseWorker.js` next to this bundle (all bundles are flat
 * in `dist/`), or the TypeScript source under tsx, or `<repo>/dist/heapParseWorker.js`; null when
 * none is there (the edges are then parsed in this thread).
 */
function parseWorkerSource(): { file: string; eval: boolean } | null {
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

interface EdgeWorker {
  /** null when the worker failed (it could not start, crashed, or hit an I/O error) */
  result: Promise<EdgeFileResult | null>;
  /** Sends the nodes' first-edge offsets (shared, or copied), with which the worker marks the page objects. */
  sendFirstEdge(firstEdge: Uint32Array): void;
  /** Stops the worker (if still running) and resolves once its thread is gone, with its memory. */
  terminate(): Promise<void>;
  /** Resolves once its thread is gone, however it ended. */
  exited: Promise<void>;
}

/** Starts the parse worker on one file's edges; null when there is no worker script or no thread. */
function startEdgeWorker(job: EdgeFileJob): EdgeWorker | null {
  const src = parseWorkerSource();
  if (!src) return null;
  let w: Worker;
  try {
    w = new Worker(src.file, { eval: src.eval, workerData: job, stdout: false, stderr: false });
  } catch {
    return null;
  }
  const result = new Promise<EdgeFileResult | null>((resolve) => {
    w.once('message', (m: EdgeFileResult | { kind: 'failed' }) => resolve(m.kind === 'failed' ? null : m));
    w.once('error', () => resolve(null));
    w.once('exit', () => resolve(null));
  });
  const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
  return {
    result,
    exited,
    sendFirstEdge: (firstEdge) => w.postMessage({ firstEdge }),
    terminate: () =>
      w.terminate().then(
        () => exited,
        () => exited,
      ),
  };
}

/** The parse must start over in one thread (a jump over the edges that the edges do not confirm). */
const START_OVER = Symbol('start over');

/**
 * The edges of a file whose parser skipped them: the worker's result when it scanned the same
 * array, else (no worker result, or a different array) a scan in this thread. Throws the
 * `HeapSnapshotError` of the edges, if any; leaves an array cut off by the end of the file to
 * `end()` (which reports the truncation). `jumpedTo`: where this thread went on after the edges
 * (a key found from the end of the file), -1 if it read on: the edges must end right before it,
 * else START_OVER.
 */
async function settleEdges(parser: HeapSnapshotParser, worker: EdgeWorker, job: EdgeFileJob, fh: FileHandle, jumpedTo: number): Promise<typeof START_OVER | SettledEdges> {
  const start = parser.skippedEdgesStart;
  // the nodes are parsed by now: the worker waits for their offsets once it has the edges (sent
  // after the write that ended them, unless that write failed; a second send is harmless)
  const firstEdge = parser.nodeFirstEdge;
  if (firstEdge) worker.sendFirstEdge(firstEdge);
  let r = await worker.result;
  mark('parse: worker result');
  const same = (x: EdgeFileResult) =>
    x.kind !== 'declined' && x.start === start && (x.kind !== 'ok' || (jumpedTo >= 0 ? x.nextKey === jumpedTo : x.end === parser.skippedEdgesEnd));
  // the worker walks the distances meanwhile, on the edges it sent (it stops on its own once
  // done); else, before the analyses allocate, its heap is returned first
  const walking = r?.kind === 'ok' && same(r) && r.distances ? r.distances : null;
  if (!walking) await worker.terminate();
  // a worker gone before the end of its walk: the distances are walked here instead (distances.ts)
  else void worker.exited.then(() => Atomics.compareExchange(walking.state, 0, WALKING, WALK_FAILED) === WALKING && Atomics.notify(walking.state, 0));
  if (!r || !same(r)) {
    r = await scanEdgesOfFile({ ...job, from: start, findEdges: false, sharedEdges: false }, fh);
    parallelEdgeStats.here++;
  } else {
    parallelEdgeStats.worker++;
  }
  if (r.kind === 'error') throw new HeapSnapshotError(r.problem, r.offset);
  if (jumpedTo >= 0 && !(r.kind === 'ok' && same(r))) {
    parallelEdgeStats.startedOver++;
    return START_OVER;
  }
  if (jumpedTo >= 0) parallelEdgeStats.jumped++;
  if (r.kind !== 'ok') return { pageFlags: null, distances: null };
  if (jumpedTo >= 0) parser.skippedEdgesEnd = r.end;
  parser.adoptEdges(r);
  return { pageFlags: r.pageFlags ?? null, distances: walking };
}

/** What the parse worker gives besides the edges: the page objects, the distances it walks meanwhile. */
interface SettledEdges {
  pageFlags: Uint8Array | null;
  distances: DistancesInProgress | null;
}

const TAIL_KEY = Buffer.from('"trace_function_infos"', 'latin1');

/**
 * The offset of the `"trace_function_infos"` key (V8 writes it right after the edges), searched
 * backwards from the end of the file down to `floor`, or -1. Found means the quote is followed by
 * spaces and ":": in the strings a quote is escaped or ends a string, which a "," or "]" follows.
 */
async function findTailKey(fh: FileHandle, totalBytes: number, floor: number): Promise<number> {
  const size = 1 << 20;
  const buf = Buffer.allocUnsafe(size + TAIL_KEY.length);
  let end = totalBytes;
  // at most the last quarter of the file (strings and locations are a small part of a snapshot)
  const lowest = Math.max(floor, totalBytes - Math.max(size, Math.floor(totalBytes / 4)));
  while (end > lowest) {
    const from = Math.max(lowest, end - size);
    const len = Math.min(buf.length, totalBytes - from);
    const { bytesRead } = await fh.read(buf, 0, len, from);
    let i = buf.subarray(0, bytesRead).lastIndexOf(TAIL_KEY);
    while (i >= 0) {
      let j = i + TAIL_KEY.length;
      while (j < bytesRead && (buf[j] === 32 || buf[j] === 10 || buf[j] === 13 || buf[j] === 9)) j++;
      if (j < bytesRead && buf[j] === 58) return from + i;
      i = i > 0 ? buf.subarray(0, i + TAIL_KEY.length - 1).lastIndexOf(TAIL_KEY) : -1;
    }
    end = from;
  }
  return -1;
}

/**
 * Reads and parses a `.heapsnapshot` file as a stream, through two reused read buffers (no garbage
 * per chunk): the next chunk is read (on libuv's thread pool) while the current one is parsed.
 * On large files, the edges array is scanned by the parse worker on another core meanwhile: this
 * thread goes on from the key that follows the edges (found from the end of the file; the worker
 * confirms the edges end right before it) and computes the class ids while the worker finishes.
 * Rejects with `HeapSnapshotError` on bad input (the same error, at the same offset, as a parse
 * in one thread).
 */
export async function parseHeapSnapshotFile(path: string, options: ParseFileOptions = {}): Promise<HeapGraph> {
  const r = await parseFile(path, options, options.parallel);
  return r === START_OVER ? ((await parseFile(path, options, false)) as HeapGraph) : r;
}

async function parseFile(path: string, options: ParseFileOptions, parallel: boolean | undefined): Promise<HeapGraph | typeof START_OVER> {
  const fh = await open(path, 'r');
  let pending: Promise<unknown> | null = null;
  let worker: EdgeWorker | null = null;
  let job: EdgeFileJob | null = null;
  let file: SnapshotFile | null = null;
  let parsed = false;
  // the parse worker walks the distances of the graph returned (see parseWorker.ts)
  let walking = false;
  try {
    const stat = await fh.stat();
    const totalBytes = stat.size;
    // (a regular file only: a pipe cannot be read again)
    if (options.lazySections && stat.isFile()) file = new SnapshotFile(path);
    const inParallel = parallel ?? (totalBytes >= PARALLEL_MIN_BYTES && hasSecondCore());
    const parser = new HeapSnapshotParser({ totalBytes, sharedFirstEdge: inParallel, file: file ?? undefined });
    if (inParallel) {
      parser.delegateEdges((nodesStart, layout) => {
        job = { path, totalBytes, layout, from: nodesStart, findEdges: true, sharedEdges: options.walkDistances ?? totalBytes >= WALK_IN_WORKER_MIN_BYTES };
        mark('parse: nodes start, parse worker new');
        worker = startEdgeWorker(job);
        return worker !== null;
      });
    }
    const size = options.chunkSize ?? 1 << 20;
    let cur = Buffer.allocUnsafe(size);
    let next = Buffer.allocUnsafe(size);
    let position = 0;
    let jumpedTo = -1;
    let tried = false;
    let sentFirstEdge = false;
    let reading = fh.read(cur, 0, size, position);
    pending = reading;
    for (;;) {
      const { bytesRead } = await reading;
      pending = null;
      if (bytesRead === 0) break;
      position += bytesRead;
      reading = fh.read(next, 0, size, position);
      pending = reading;
      try {
        parser.write(cur.subarray(0, bytesRead));
      } catch (e) {
        // an error after the skipped edges comes second to one inside them
        if (worker && parser.skippedEdgesStart >= 0 && e instanceof HeapSnapshotError && e.offset > parser.skippedEdgesStart) {
          if ((await settleEdges(parser, worker, job!, fh, jumpedTo)) === START_OVER) return START_OVER;
        }
        throw e;
      }
      options.onProgress?.(parser.bytesRead, totalBytes);
      if (worker && !sentFirstEdge && parser.nodeFirstEdge) {
        sentFirstEdge = true;
        mark('parse: nodes done');
        (worker as EdgeWorker).sendFirstEdge(parser.nodeFirstEdge);
      }
      if (parser.skippingEdges && !tried) {
        // rather than reading the edges to find their end, go on from the key after them
        tried = true;
        const key = await findTailKey(fh, totalBytes, position);
        mark('parse: tail key found');
        if (key >= 0) {
          await reading; // (the read ahead, in the edges: not needed)
          parser.jumpToKey(key);
          jumpedTo = position = key;
          reading = fh.read(next, 0, size, position);
          pending = reading;
        }
      }
      const t = cur;
      cur = next;
      next = t;
    }
    if (worker && parser.skippedEdgesStart >= 0) {
      // the class ids need only the nodes and strings: computed while the worker finishes
      mark('parse: read done');
      const nodes = parser.nodesAndStrings();
      const classes = nodes ? computeClasses(nodes, new Uint32Array(nodes.nodeCount)) : null;
      mark('parse: class ids done');
      const settled = await settleEdges(parser, worker, job!, fh, jumpedTo);
      mark('parse: edges settled');
      if (settled === START_OVER) return START_OVER;
      const g = parser.end();
      if (classes) setClasses(g, classes);
      g.pageFlags = settled.pageFlags;
      g.pendingDistances = settled.distances;
      walking = settled.distances !== null;
      parsed = true;
      return g;
    }
    const g = parser.end();
    parsed = true;
    return g;
  } finally {
    if (!parsed) file?.close();
    if (!walking) void (worker as EdgeWorker | null)?.terminate();
    // never close the file under a read still in flight (after a parse error)
    if (pending) await pending.catch(() => undefined);
    await fh.close();
  }
}
