import type { CdpConnection } from '../cdp';
import type { HeapWorkerClient, SnapshotHandle } from '../heap/client';
import type { HeapProgress, HeapSnapshotInfo, ProcessInfo } from '../model';
import { SnapshotBusyError, SnapshotFailedError } from './errors';
import { checkSnapshotMemory, type MemoryEstimate, type MemoryGuardOptions } from './memoryGuard';

/** What the tracker needs of a live program. */
export interface LiveTarget {
  readonly connection: CdpConnection;
  processInfo(): Promise<ProcessInfo>;
}

export interface LiveSnapshotOptions {
  /** Longest wait for V8 to stream the snapshot (default 30 min: real heaps have taken 265 s). */
  timeoutMs?: number;
  guard?: MemoryGuardOptions;
}

export interface TakeOptions {
  /** Take it even when the memory guard would refuse. */
  force?: boolean;
  /** `capture` while V8 builds and streams it, then the parse and analysis phases of the worker. */
  onProgress?: (p: HeapProgress) => void;
}

/** A snapshot of the live program, parsed and analysed in the heap worker. */
export interface LiveSnapshot {
  snapshot: SnapshotHandle;
  info: HeapSnapshotInfo;
  /** Milliseconds from the request until the last chunk arrived: the program was paused about this long. */
  captureMs: number;
  bytes: number;
  memory: MemoryEstimate | null;
}

export const DEFAULT_SNAPSHOT_TIMEOUT_MS = 30 * 60_000;

/**
 * Takes V8 heap snapshots of a live program over CDP and streams the
 * `HeapProfiler.addHeapSnapshotChunk` chunks straight into the heap worker's parser: the JSON
 * is never collected here. One at a time (`SnapshotBusyError`), after the memory guard; a
 * program that dies mid-snapshot gives `SnapshotFailedError` and nothing else is lost.
 */
export class LiveSnapshotter {
  private enabled: Promise<unknown> | undefined;
  private running: string | undefined;

  constructor(
    private readonly target: LiveTarget,
    private readonly client: () => HeapWorkerClient,
    private readonly options: LiveSnapshotOptions = {},
  ) {}

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** `HeapProfiler.enable`, once per connection. */
  enable(): Promise<unknown> {
    this.enabled ??= this.target.connection.send('HeapProfiler.enable').catch((e) => {
      this.enabled = undefined;
      throw e;
    });
    return this.enabled;
  }

  /** Runs `fn` while holding the snapshot lock (other work that streams a snapshot, e.g. `stopTrackingHeapObjects`). */
  async exclusive<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.running) throw new SnapshotBusyError(this.running);
    this.running = what;
    try {
      return await fn();
    } finally {
      this.running = undefined;
    }
  }

  /** Captures without taking the lock: for callers that hold it already (see `exclusive`). */
  async capture(options: TakeOptions): Promise<LiveSnapshot> {
    const connection = this.target.connection;
    let memory: MemoryEstimate | null = null;
    try {
      const heap = (await this.target.processInfo()).heap;
      if (!options.force) memory = checkSnapshotMemory(heap, this.options.guard);
      await this.enable();
    } catch (e) {
      if (connection.isClosed) throw new SnapshotFailedError(`cannot take a heap snapshot: ${(e as Error).message}`, true);
      throw e;
    }
    const stream = await this.client().beginStream();
    let bytes = 0;
    const offChunk = connection.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => {
      bytes += chunk.length;
      stream.write(chunk);
    });
    const offProgress = connection.on('HeapProfiler.reportHeapSnapshotProgress', ({ done, total }) => {
      options.onProgress?.({ phase: 'capture', done, total });
    });
    const started = performance.now();
    let captureMs: number;
    try {
      await connection.send('HeapProfiler.takeHeapSnapshot', { reportProgress: true }, { timeoutMs: this.options.timeoutMs ?? DEFAULT_SNAPSHOT_TIMEOUT_MS });
      captureMs = performance.now() - started;
    } catch (e) {
      await stream.abort().catch(() => {});
      const gone = connection.isClosed;
      const why = gone ? `the program went away during the heap snapshot (${(e as Error).message})` : `the heap snapshot failed: ${(e as Error).message}`;
      throw new SnapshotFailedError(`${why}; earlier snapshots are kept`, gone);
    } finally {
      offChunk();
      offProgress();
    }
    const { snapshot, info } = await stream.end(options.onProgress);
    return { snapshot, info, captureMs: Math.round(captureMs), bytes, memory };
  }
}
