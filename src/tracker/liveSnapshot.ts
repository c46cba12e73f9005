import type { HeapWorkerClient, SnapshotHandle } from '../heap/client';
import type { HeapProgress, HeapSnapshotInfo } from '../model';
import type { HeapSnapshots, ProcessFigures } from '../targets';
import { SnapshotBusyError, SnapshotFailedError } from './errors';
import { checkSnapshotMemory, type MemoryEstimate, type MemoryGuardOptions } from './memoryGuard';

/** What the snapshotter needs of a live program: its snapshots, its figures (for the memory guard) and whether it is gone. */
export interface SnapshotSource {
  heapSnapshots: HeapSnapshots;
  process?: ProcessFigures;
  gone(): boolean;
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
 * Takes heap snapshots of a live program through its target and streams the chunks straight
 * into the heap worker's parser: the JSON is never collected here. One at a time (`SnapshotBusyError`), after the memory guard; a
 * program that dies mid-snapshot gives `SnapshotFailedError` and nothing else is lost.
 */
export class LiveSnapshotter {
  private running: string | undefined;
  private preparing: Promise<unknown> | undefined;

  constructor(
    private readonly source: SnapshotSource,
    private readonly client: () => HeapWorkerClient,
    private readonly options: LiveSnapshotOptions = {},
  ) {}

  get busy(): boolean {
    return this.running !== undefined;
  }

  /**
   * Runs `fn` while holding the snapshot lock (other work that streams a snapshot, e.g.
   * `stopTrackingHeapObjects`). Work marked `preparation` (setting up a tracked class) is waited
   * for by whatever asks for the lock after it (a snapshot asked for just after tracking a class
   * comes after it, not refused); anything else holding the lock gives `SnapshotBusyError`.
   */
  async exclusive<T>(what: string, fn: () => Promise<T>, options: { preparation?: boolean } = {}): Promise<T> {
    while (this.preparing && !options.preparation) await this.preparing.catch(() => {});
    if (this.running) throw new SnapshotBusyError(this.running);
    this.running = what;
    const done = fn();
    if (options.preparation) this.preparing = done;
    try {
      return await done;
    } finally {
      this.running = undefined;
      if (this.preparing === done) this.preparing = undefined;
    }
  }

  /** Whether the memory guard lets a snapshot be taken now (work as heavy as one asks it too). */
  async memoryAllows(): Promise<boolean> {
    const heap = this.source.process && (await this.source.process.read()).heap;
    if (!heap) return true;
    try {
      checkSnapshotMemory(heap, this.options.guard);
      return true;
    } catch {
      return false;
    }
  }

  /** Captures without taking the lock: for callers that hold it already (see `exclusive`). */
  async capture(options: TakeOptions): Promise<LiveSnapshot> {
    const { source } = this;
    let memory: MemoryEstimate | null = null;
    try {
      const heap = source.process && (await source.process.read()).heap;
      if (heap && !options.force) memory = checkSnapshotMemory(heap, this.options.guard);
    } catch (e) {
      if (source.gone()) throw new SnapshotFailedError(`cannot take a heap snapshot: ${(e as Error).message}`, true);
      throw e;
    }
    const stream = await this.client().beginStream();
    let bytes = 0;
    const sink = {
      write(chunk: string) {
        bytes += chunk.length;
        stream.write(chunk);
      },
    };
    const started = performance.now();
    let captureMs: number;
    try {
      await source.heapSnapshots.capture(sink, {
        timeoutMs: this.options.timeoutMs ?? DEFAULT_SNAPSHOT_TIMEOUT_MS,
        onProgress: (done, total) => options.onProgress?.({ phase: 'capture', done, total }),
      });
      captureMs = performance.now() - started;
    } catch (e) {
      await stream.abort().catch(() => {});
      const gone = source.gone();
      const why = gone ? `the program went away during the heap snapshot (${(e as Error).message})` : `the heap snapshot failed: ${(e as Error).message}`;
      throw new SnapshotFailedError(`${why}; earlier snapshots are kept`, gone);
    }
    const { snapshot, info } = await stream.end(options.onProgress);
    return { snapshot, info, captureMs: Math.round(captureMs), bytes, memory };
  }
}
