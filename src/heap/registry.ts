import type { HeapProgress, HeapSnapshotEntry, HeapSnapshotInfo } from '../model';
import { HeapWorkerClient, type SnapshotHandle } from './client';

/** Heap snapshots held by default (`maxSnapshots`); the oldest are dropped first. */
export const DEFAULT_MAX_SNAPSHOTS = 20;

/** The number a `maxSnapshots` option stands for: a positive integer, or the default. */
export function maxSnapshotsOf(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_SNAPSHOTS;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`maxSnapshots must be a positive integer, not ${value}`);
  return value;
}

/** The note a dropped snapshot carries in `GET /api/heap/snapshots`. */
export function droppedNote(index: number, max: number): string {
  return `snapshot ${index} was dropped to keep at most ${max} heap snapshot${max === 1 ? '' : 's'} (maxSnapshots); its summary stays, its objects are gone`;
}

export interface SnapshotRegistryOptions {
  /** Most snapshots held at once (default 20): adding one more drops the oldest held. */
  maxSnapshots?: number;
}

/** A snapshot the registry let go of to stay within `maxSnapshots` (already freed in the worker). */
export interface DroppedSnapshot {
  index: number;
  label: string;
  note: string;
}

/**
 * The one owner of the heap snapshots a profiler holds in its heap worker, whoever made them:
 * files opened, snapshots the tracker took. It numbers them, keeps at most `maxSnapshots`
 * (freeing the oldest in the worker and telling its listeners, who drop what they derived from
 * it), and terminates the worker on `dispose` when it started it. The tracker and the heap
 * store share one registry, so neither frees what the other still uses.
 */
export class SnapshotRegistry {
  private readonly held: Array<{ entry: HeapSnapshotEntry; handle: SnapshotHandle }> = [];
  private readonly dropped = new Map<number, string>();
  private readonly droppedListeners = new Set<(d: DroppedSnapshot) => void>();
  private worker: HeapWorkerClient | undefined;
  readonly maxSnapshots: number;

  /**
   * `client`: the heap worker to keep the snapshots in (owned by the caller), or how to start
   * one on first use (owned by the registry). Default: a new worker on first use.
   */
  constructor(
    private readonly client: HeapWorkerClient | (() => HeapWorkerClient) = () => new HeapWorkerClient(),
    options: SnapshotRegistryOptions = {},
  ) {
    this.maxSnapshots = maxSnapshotsOf(options.maxSnapshots);
  }

  /** The heap worker holding the snapshots (started now if it was not yet). */
  get workerClient(): HeapWorkerClient {
    this.worker ??= this.client instanceof HeapWorkerClient ? this.client : this.client();
    return this.worker;
  }

  /** Called for each snapshot dropped to stay within `maxSnapshots`; returns the unsubscribe function. */
  onDropped(listener: (d: DroppedSnapshot) => void): () => void {
    this.droppedListeners.add(listener);
    return () => this.droppedListeners.delete(listener);
  }

  /** Loads a `.heapsnapshot` file; rejects with `HeapSnapshotError` for a bad one. */
  async addFile(path: string, label: string, onProgress?: (p: HeapProgress) => void): Promise<HeapSnapshotEntry> {
    const { snapshot, info } = await this.workerClient.open(path, onProgress);
    return this.add(snapshot, info, label);
  }

  /** Takes over a snapshot parsed in this registry's worker. */
  add(handle: SnapshotHandle, info: HeapSnapshotInfo, label: string): HeapSnapshotEntry {
    const entry: HeapSnapshotEntry = {
      index: this.held.length,
      label,
      timestamp: Date.now(),
      nodeCount: info.nodeCount,
      edgeCount: info.edgeCount,
      totalSize: info.totalSize,
      hasAllocationTraces: info.hasAllocationTraces,
    };
    this.held.push({ entry, handle });
    this.dropOldest();
    return entry;
  }

  list(): HeapSnapshotEntry[] {
    return this.held.map((s) => s.entry);
  }

  get size(): number {
    return this.held.length;
  }

  /** The worker handle of snapshot `index`; undefined when there is none or it was dropped. */
  handle(index: number): SnapshotHandle | undefined {
    return this.dropped.has(index) ? undefined : this.held[index]?.handle;
  }

  /** Why snapshot `index` is no longer held, if it was dropped. */
  droppedReason(index: number): string | undefined {
    return this.dropped.get(index);
  }

  private dropOldest(): void {
    let held = this.held.length - this.dropped.size;
    for (let i = 0; held > this.maxSnapshots && i < this.held.length; i++) {
      if (this.dropped.has(i)) continue;
      const { entry, handle } = this.held[i];
      const note = droppedNote(i, this.maxSnapshots);
      this.dropped.set(i, note);
      entry.dropped = note;
      held--;
      void this.workerClient.dispose(handle).catch(() => {});
      for (const l of this.droppedListeners) l({ index: i, label: entry.label, note });
    }
  }

  /** Terminates the heap worker if this registry started it. */
  async dispose(): Promise<void> {
    if (this.worker && !(this.client instanceof HeapWorkerClient)) await this.worker.terminate();
    this.worker = undefined;
  }
}
