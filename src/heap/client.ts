/**
 * `HeapWorkerClient`: the typed front of the heap worker thread, used by the server and the
 * extension. Snapshots live in the worker; the caller holds numeric handles.
 *
 * The worker script is `heapWorker.js` next to this bundle (all bundles are flat in `dist/`).
 * Running from TypeScript sources (tests under tsx), the worker runs from `worker.ts` through
 * tsx's require hook, or from `<repo>/dist/heapWorker.js` when tsx is not available.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HeapClassSummary, HeapComponent, HeapDiff, HeapProgress, HeapReference, HeapRetainerGraph, HeapSnapshotInfo, HeapObjectInfo } from '../model/heap';
import { HeapSnapshotError } from './errors';
import { mark } from './timeline';
import type { HeapObjectDetails, HeapWorkerChunk, HeapWorkerErrorData, HeapWorkerMethod, HeapWorkerMethods, HeapWorkerReply, SnapshotHandle } from './protocol';
import type { RetainerOptions } from './queries';
import type { TrackedInstancesOptions } from './instances';
import type { SuspectOptions } from './suspects';
import type { CollectedGarbageResult } from './collected';
import type { LeakSuspectGroup } from '../model/garbage';
import type { TrackedClassCensus } from '../model/tracker';
import type { HeapAllocationFrame, HeapGraphEdge } from '../model/heap';
import type { NewExpressionAnswer, NewExpressionQuery } from './newExpressions';

export type { SnapshotHandle, HeapObjectDetails } from './protocol';

export interface OpenedSnapshot {
  snapshot: SnapshotHandle;
  info: HeapSnapshotInfo;
}

/** A snapshot being streamed in chunk by chunk (e.g. from `HeapProfiler.addHeapSnapshotChunk`). */
export interface HeapSnapshotStream {
  /** Sends the next chunk; cheap, no reply. Errors are reported by `end()`. */
  write(chunk: string | Uint8Array): void;
  /** Finishes parsing and analysis; rejects with `HeapSnapshotError` on bad input. */
  end(onProgress?: (p: HeapProgress) => void): Promise<OpenedSnapshot>;
  /** Drops the partial snapshot. */
  abort(): Promise<void>;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  onProgress?: (p: HeapProgress) => void;
  method: string;
}

/** Where the worker script is: a built bundle next to us, or the TypeScript source under tsx. */
function workerSource(): { file: string; eval: boolean } {
  const here = __dirname;
  const bundled = join(here, 'heapWorker.js');
  if (existsSync(bundled)) return { file: bundled, eval: false };
  if (__filename.endsWith('.ts')) {
    try {
      const tsx = require.resolve('tsx/cjs');
      const src = join(here, 'worker.ts');
      return { file: `require(${JSON.stringify(tsx)}); require(${JSON.stringify(src)});`, eval: true };
    } catch {
      // fall through to the repository's build output
    }
  }
  const repoDist = join(here, '..', '..', 'dist', 'heapWorker.js');
  if (existsSync(repoDist)) return { file: repoDist, eval: false };
  throw new Error(`heap worker script not found next to ${here}; run the build (node build.mjs)`);
}

function toError(d: HeapWorkerErrorData, method: string): Error {
  if (d.name === 'HeapSnapshotError') return new HeapSnapshotError(d.problem ?? d.message, d.offset ?? 0);
  const e = new Error(`heap worker failed in ${method}: ${d.message}`);
  if (d.stack) e.stack = `${e.stack}\n--- in the worker ---\n${d.stack}`;
  return e;
}

export class HeapWorkerClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed: Error | null = null;

  constructor() {
    mark('heap worker: new');
    const src = workerSource();
    // A small young generation keeps the string table's churn from growing peak RSS (measured:
    // 288–292 MB instead of 305–320 MB for a 194 MB snapshot) without slowing the parse.
    this.worker = new Worker(src.file, { eval: src.eval, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    this.worker.on('message', (m: HeapWorkerReply) => this.onMessage(m));
    this.worker.on('error', (e) => this.fail(new Error(`heap worker crashed: ${e.message}`)));
    this.worker.on('exit', (code) => this.fail(new Error(`heap worker exited (code ${code})`)));
    this.worker.unref();
  }

  private onMessage(m: HeapWorkerReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') {
      p.onProgress?.(m.progress);
      return;
    }
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    if ('err' in m) p.reject(toError(m.err, p.method));
    else p.resolve(m.ok);
  }

  private fail(e: Error): void {
    this.closed ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private call<M extends HeapWorkerMethod>(method: M, params: HeapWorkerMethods[M][0], onProgress?: (p: HeapProgress) => void): Promise<HeapWorkerMethods[M][1]> {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress, method });
      this.worker.ref();
      this.worker.postMessage({ type: 'request', id, method, params });
    });
  }

  /** Parses and analyses a `.heapsnapshot` file in the worker. */
  open(path: string, onProgress?: (p: HeapProgress) => void): Promise<OpenedSnapshot> {
    return this.call('open', { path }, onProgress);
  }

  /** Starts a snapshot fed chunk by chunk. */
  async beginStream(options: { totalBytes?: number } = {}): Promise<HeapSnapshotStream> {
    const { stream } = await this.call('beginStream', options);
    return {
      write: (chunk) => {
        if (this.closed) return;
        // postMessage clones a view's whole backing buffer: send a view of part of one as a copy.
        if (typeof chunk !== 'string' && chunk.byteLength !== chunk.buffer.byteLength) chunk = chunk.slice();
        const m: HeapWorkerChunk = { type: 'chunk', stream, chunk };
        this.worker.postMessage(m);
      },
      end: (onProgress) => this.call('end', { stream }, onProgress),
      abort: async () => {
        await this.call('abort', { stream });
      },
    };
  }

  /** Per-class count, self and retained size, largest retained first. */
  classes(snapshot: SnapshotHandle, onProgress?: (p: HeapProgress) => void): Promise<HeapClassSummary[]> {
    return this.call('classes', { snapshot }, onProgress);
  }

  /** What changed from `a` to `b`, by object id. */
  diff(a: SnapshotHandle, b: SnapshotHandle): Promise<HeapDiff> {
    return this.call('diff', { a, b });
  }

  /** Shortest retainer paths and a size-limited retainer graph of the object with this id. */
  retainers(snapshot: SnapshotHandle, id: number, options?: RetainerOptions): Promise<HeapRetainerGraph> {
    return this.call('retainers', { snapshot, id, options });
  }

  /** One object by id with its allocation stack, or null. */
  object(snapshot: SnapshotHandle, id: number): Promise<HeapObjectDetails | null> {
    return this.call('object', { snapshot, id });
  }

  /** Outgoing references of an object, paged. */
  referents(snapshot: SnapshotHandle, id: number, start = 0, end = 100): Promise<HeapReference[]> {
    return this.call('referents', { snapshot, id, start, end });
  }

  /** Instances of a class, largest retained first, paged. */
  objectsOfClass(snapshot: SnapshotHandle, name: string, start = 0, end = 100): Promise<{ total: number; objects: HeapObjectInfo[] }> {
    return this.call('objectsOfClass', { snapshot, name, start, end });
  }

  /** Connected components and cycles of the given objects. */
  components(snapshot: SnapshotHandle, ids: number[]): Promise<HeapComponent[]> {
    return this.call('components', { snapshot, ids });
  }

  /** Instances of the named classes: counts, sizes, ids in id order, merged referents, stacks. */
  trackedInstances(snapshot: SnapshotHandle, options: TrackedInstancesOptions): Promise<{ classes: TrackedClassCensus[]; stacks: HeapAllocationFrame[][] }> {
    return this.call('trackedInstances', { snapshot, options });
  }

  /** Ids of the objects of snapshot `a` that snapshot `b` does not have, ascending. */
  absentIds(a: SnapshotHandle, b: SnapshotHandle): Promise<number[]> {
    return this.call('absentIds', { a, b });
  }

  /** What was collected between `a` and `b`: renewed ids left out, reference graphs, the program's first. */
  collectedGarbage(a: SnapshotHandle, b: SnapshotHandle): Promise<CollectedGarbageResult> {
    return this.call('collectedGarbage', { a, b });
  }

  /** The objects with these ids and the references among them, cut at `maxNodes` (default 2000). */
  subgraph(snapshot: SnapshotHandle, ids: number[], maxNodes?: number): Promise<{ nodes: HeapObjectInfo[]; edges: HeapGraphEdge[]; truncated: boolean }> {
    return this.call('subgraph', { snapshot, ids, maxNodes });
  }

  /** Objects allocated after `baseline`, present in `target` and alive in `final`, grouped by retainer path. */
  leakSuspects(baseline: SnapshotHandle, target: SnapshotHandle, final: SnapshotHandle, options?: SuspectOptions): Promise<{ objects: number; groups: LeakSuspectGroup[] }> {
    return this.call('leakSuspects', { baseline, target, final, options });
  }

  /** The `new` expressions of functions in a script's source (see newExpressions.ts), parsed in the worker. */
  newExpressions(source: string, queries: NewExpressionQuery[]): Promise<NewExpressionAnswer[]> {
    return this.call('newExpressions', { source, queries });
  }

  /** Frees a snapshot in the worker. */
  async dispose(snapshot: SnapshotHandle): Promise<void> {
    await this.call('dispose', { snapshot });
  }

  /** Stops the worker; pending calls reject. */
  async terminate(): Promise<void> {
    this.fail(new Error('heap worker terminated'));
    await this.worker.terminate();
  }
}
