import type { HeapClassSummary, HeapDiff, HeapObjectInfo, HeapReference, HeapProgress, HeapRetainerGraph, HeapSnapshotEntry, HeapSnapshotInfo } from '../model';
import type { HeapObjectDetails, HeapWorkerClient, SnapshotHandle } from '../heap/client';
import type { RetainerOptions } from '../heap/queries';
import { HttpError } from './httpError';
import { droppedNote, maxSnapshotsOf } from './limits';

export interface HeapStoreOptions {
  /** Most snapshots held at once (default 20): adding one more drops the oldest held. */
  maxSnapshots?: number;
}

/** A snapshot the store let go of to stay within `maxSnapshots`. */
export interface DroppedSnapshot {
  index: number;
  label: string;
  note: string;
  handle: SnapshotHandle;
}

interface StoredSnapshot {
  entry: HeapSnapshotEntry;
  handle: SnapshotHandle;
}

/**
 * The heap snapshots the server holds (loaded files now, captures later), kept in the heap
 * worker. Everything derived from a snapshot is computed on first request and cached
 * (Pympler's lazy cache); `refresh()` clears the cache.
 */
export class HeapStore {
  private readonly snapshots: StoredSnapshot[] = [];
  private cache = new Map<string, Promise<unknown>>();

  private worker: HeapWorkerClient | undefined;
  private readonly dropped = new Map<number, string>();
  private readonly droppedListeners = new Set<(d: DroppedSnapshot) => void>();
  /** Most snapshots held at once. */
  readonly maxSnapshots: number;

  /** The worker thread starts on first use: a server that never sees a snapshot never pays for it. */
  constructor(
    private readonly createClient: () => HeapWorkerClient,
    options: HeapStoreOptions = {},
  ) {
    this.maxSnapshots = maxSnapshotsOf(options.maxSnapshots);
  }

  /** Called for each snapshot dropped to stay within `maxSnapshots`; returns the unsubscribe function. */
  onDropped(listener: (d: DroppedSnapshot) => void): () => void {
    this.droppedListeners.add(listener);
    return () => this.droppedListeners.delete(listener);
  }

  private get client(): HeapWorkerClient {
    this.worker ??= this.createClient();
    return this.worker;
  }

  /** The heap worker holding these snapshots (started now if it was not yet). */
  get workerClient(): HeapWorkerClient {
    return this.client;
  }

  /** Loads a `.heapsnapshot` file; rejects with `HeapSnapshotError` for a bad one. */
  async addFile(path: string, label: string, onProgress?: (p: HeapProgress) => void): Promise<HeapSnapshotEntry> {
    const { snapshot, info } = await this.client.open(path, onProgress);
    return this.add(snapshot, info, label);
  }

  add(handle: SnapshotHandle, info: HeapSnapshotInfo, label: string): HeapSnapshotEntry {
    const entry: HeapSnapshotEntry = {
      index: this.snapshots.length,
      label,
      timestamp: Date.now(),
      nodeCount: info.nodeCount,
      edgeCount: info.edgeCount,
      totalSize: info.totalSize,
      hasAllocationTraces: info.hasAllocationTraces,
    };
    this.snapshots.push({ entry, handle });
    this.dropOldest();
    return entry;
  }

  /** Drops the oldest held snapshots beyond `maxSnapshots`: frees them in the worker, keeps their entry with a note. */
  private dropOldest(): void {
    let held = this.snapshots.length - this.dropped.size;
    for (let i = 0; held > this.maxSnapshots && i < this.snapshots.length; i++) {
      if (this.dropped.has(i)) continue;
      const { entry, handle } = this.snapshots[i];
      const note = droppedNote(i, this.maxSnapshots);
      this.dropped.set(i, note);
      entry.dropped = note;
      held--;
      // Keys are `kind:snapshot:…`, and a diff's are `diff:from:to`.
      for (const key of [...this.cache.keys()]) {
        const [kind, first, second] = key.split(':');
        if (first === String(i) || (kind === 'diff' && second === String(i))) this.cache.delete(key);
      }
      void this.client.dispose(handle).catch(() => {});
      for (const l of this.droppedListeners) l({ index: i, label: entry.label, note, handle });
    }
  }

  list(): HeapSnapshotEntry[] {
    return this.snapshots.map((s) => s.entry);
  }

  get size(): number {
    return this.snapshots.length;
  }

  classes(index: number): Promise<HeapClassSummary[]> {
    const s = this.get(index);
    return this.cached(`classes:${index}`, () => this.client.classes(s.handle));
  }

  diff(from: number, to: number): Promise<HeapDiff> {
    const a = this.get(from);
    const b = this.get(to);
    return this.cached(`diff:${from}:${to}`, () => this.client.diff(a.handle, b.handle));
  }

  async object(index: number, id: number): Promise<HeapObjectDetails> {
    const s = this.get(index);
    const details = await this.cached(`object:${index}:${id}`, () => this.client.object(s.handle, id));
    if (!details) throw new HttpError(404, 'no such object', `snapshot ${index} has no object with id ${id}`);
    return details;
  }

  objectsOfClass(index: number, name: string, start: number, end: number): Promise<{ total: number; objects: HeapObjectInfo[] }> {
    const s = this.get(index);
    return this.cached(`objects:${index}:${name}:${start}:${end}`, () => this.client.objectsOfClass(s.handle, name, start, end));
  }

  /** What an object refers to (its outgoing references), a page at a time: one level of its referent tree. */
  async referents(index: number, id: number, start: number, end: number): Promise<{ total: number; referents: HeapReference[] }> {
    const details = await this.object(index, id); // a clear 404 for an unknown id
    const s = this.get(index);
    const referents = await this.cached(`referents:${index}:${id}:${start}:${end}`, () => this.client.referents(s.handle, id, start, end));
    return { total: details.referentCount, referents };
  }

  async retainers(index: number, id: number, options: RetainerOptions): Promise<HeapRetainerGraph> {
    await this.object(index, id); // a clear 404 for an unknown id
    const s = this.get(index);
    return this.cached(`retainers:${index}:${id}:${JSON.stringify(options)}`, () => this.client.retainers(s.handle, id, options));
  }

  /** Clears everything derived from the snapshots; the snapshots stay. */
  refresh(): void {
    this.cache = new Map();
  }

  async dispose(): Promise<void> {
    await this.worker?.terminate();
  }

  private get(index: number): StoredSnapshot {
    const note = this.dropped.get(index);
    if (note) throw new HttpError(410, 'snapshot dropped', note);
    const s = this.snapshots[index];
    if (!s) {
      throw new HttpError(404, 'no such snapshot', this.snapshots.length ? `snapshots are numbered 0 to ${this.snapshots.length - 1}` : 'no heap snapshot has been loaded or taken yet');
    }
    return s;
  }

  private cached<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let value = this.cache.get(key) as Promise<T> | undefined;
    if (!value) {
      value = compute();
      this.cache.set(key, value);
      // A failed computation is not kept: the next request tries again.
      value.catch(() => this.cache.get(key) === value && this.cache.delete(key));
    }
    return value;
  }
}
