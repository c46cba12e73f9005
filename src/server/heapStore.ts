import type { HeapClassSummary, HeapDiff, HeapObjectInfo, HeapReference, HeapProgress, HeapRetainerGraph, HeapSnapshotEntry } from '../model';
import type { HeapObjectDetails, HeapWorkerClient, SnapshotHandle } from '../heap/client';
import type { RetainerOptions } from '../heap/queries';
import { type DroppedSnapshot, SnapshotRegistry, type SnapshotRegistryOptions } from '../heap/registry';
import { HttpError } from './httpError';

export type { DroppedSnapshot };

/**
 * Queries over the heap snapshots of a registry (loaded files, tracker snapshots), computed in
 * the heap worker on first request and cached (Pympler's lazy cache); `refresh()` clears the
 * cache. The registry decides what is held and frees what it drops; the store forgets what it
 * derived from a dropped snapshot.
 */
export class HeapStore {
  private cache = new Map<string, Promise<unknown>>();
  readonly registry: SnapshotRegistry;
  private readonly ownsRegistry: boolean;
  private readonly stopDropped: () => void;

  /** Over a shared registry, or a registry of its own (a worker started on first use) with these options. */
  constructor(registry?: SnapshotRegistry | SnapshotRegistryOptions) {
    this.ownsRegistry = !(registry instanceof SnapshotRegistry);
    this.registry = registry instanceof SnapshotRegistry ? registry : new SnapshotRegistry(undefined, registry);
    this.stopDropped = this.registry.onDropped(({ index }) => {
      // Keys are `kind:snapshot:…`, and a diff's are `diff:from:to`.
      for (const key of [...this.cache.keys()]) {
        const [kind, first, second] = key.split(':');
        if (first === String(index) || (kind === 'diff' && second === String(index))) this.cache.delete(key);
      }
    });
  }

  get maxSnapshots(): number {
    return this.registry.maxSnapshots;
  }

  /** Called for each snapshot dropped to stay within `maxSnapshots`; returns the unsubscribe function. */
  onDropped(listener: (d: DroppedSnapshot) => void): () => void {
    return this.registry.onDropped(listener);
  }

  private get client(): HeapWorkerClient {
    return this.registry.workerClient;
  }

  /** The heap worker holding these snapshots (started now if it was not yet). */
  get workerClient(): HeapWorkerClient {
    return this.client;
  }

  /** Loads a `.heapsnapshot` file; rejects with `HeapSnapshotError` for a bad one. */
  addFile(path: string, label: string, onProgress?: (p: HeapProgress) => void): Promise<HeapSnapshotEntry> {
    return this.registry.addFile(path, label, onProgress);
  }

  list(): HeapSnapshotEntry[] {
    return this.registry.list();
  }

  get size(): number {
    return this.registry.size;
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

  /** Stops listening to the registry, and disposes it (its worker) when it is the store's own. */
  async dispose(): Promise<void> {
    this.stopDropped();
    if (this.ownsRegistry) await this.registry.dispose();
  }

  private get(index: number): { handle: SnapshotHandle } {
    const note = this.registry.droppedReason(index);
    if (note) throw new HttpError(410, 'snapshot dropped', note);
    const handle = this.registry.handle(index);
    if (!handle) {
      const size = this.registry.size;
      throw new HttpError(404, 'no such snapshot', size ? `snapshots are numbered 0 to ${size - 1}` : 'no heap snapshot has been loaded or taken yet');
    }
    return { handle };
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
