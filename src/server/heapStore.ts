import type { HeapClassSummary, HeapDiff, HeapObjectInfo, HeapProgress, HeapRetainerGraph, HeapSnapshotEntry, HeapSnapshotInfo } from '../model';
import type { HeapObjectDetails, HeapWorkerClient, SnapshotHandle } from '../heap/client';
import type { RetainerOptions } from '../heap/queries';
import { HttpError } from './httpError';

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

  /** The worker thread starts on first use: a server that never sees a snapshot never pays for it. */
  constructor(private readonly createClient: () => HeapWorkerClient) {}

  private get client(): HeapWorkerClient {
    this.worker ??= this.createClient();
    return this.worker;
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
    return entry;
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
