import type { HeapWorkerClient, SnapshotHandle } from '../heap/client';
import type { GarbageGraph, GarbageGraphDetail, GarbageGraphSummary, HeapComponent, HeapObjectInfo } from '../model';

/** Largest graph drawn; bigger ones are cut (`truncated`). */
const MAX_GRAPH_NODES = 2_000;

interface Collected {
  components: HeapComponent[];
  summaries: GarbageGraphSummary[];
}

const toObject = (o: HeapObjectInfo) => ({ id: o.id, size: o.selfSize, type: o.type, className: o.className, repr: o.repr });

/**
 * "Garbage" as V8 lets it be seen: the objects of snapshot `a` missing from the later snapshot
 * `b` were collected in between (less the natives that only got a new id). They are split into
 * connected reference graphs (using `a`'s references): the program's graphs with reference
 * cycles first, then its other graphs, then those of engine internals only (`engine`), each
 * largest first (see heap/collected.ts). Results are computed on first request and kept per
 * pair of snapshots.
 */
export class CollectedGarbage {
  private readonly cache = new Map<string, Promise<Collected>>();

  constructor(private readonly client: () => HeapWorkerClient) {}

  /** The graphs collected between `a` and `b`: the program's with cycles first, engine internals last. */
  async summaries(a: SnapshotHandle, b: SnapshotHandle): Promise<GarbageGraphSummary[]> {
    return (await this.collected(a, b)).summaries;
  }

  /** One graph with its objects, references, and the part on cycles; undefined for a bad index. */
  async graph(a: SnapshotHandle, b: SnapshotHandle, index: number): Promise<Omit<GarbageGraphDetail, 'from' | 'to'> | undefined> {
    const { components } = await this.collected(a, b);
    const component = components[index];
    if (!component) return undefined;
    const client = this.client();
    const full = await client.subgraph(a, component.ids, MAX_GRAPH_NODES);
    const onCycles = [...new Set(component.cycles.flat())];
    const reduced = onCycles.length ? await client.subgraph(a, onCycles, MAX_GRAPH_NODES) : { nodes: [], edges: [], truncated: false };
    const graph = (g: typeof full): GarbageGraph => ({ nodes: g.nodes.map(toObject), edges: g.edges, truncated: g.truncated });
    return {
      index,
      cycleObjects: onCycles.length,
      totalSize: component.totalSize,
      objects: full.nodes.map(toObject),
      graph: graph(full),
      reduced: graph(reduced),
    };
  }

  /** Forgets computed results (e.g. when a snapshot is freed). */
  clear(): void {
    this.cache.clear();
  }

  private collected(a: SnapshotHandle, b: SnapshotHandle): Promise<Collected> {
    const key = `${a}:${b}`;
    let value = this.cache.get(key);
    if (!value) {
      value = this.compute(a, b);
      this.cache.set(key, value);
      value.catch(() => this.cache.get(key) === value && this.cache.delete(key));
    }
    return value;
  }

  private async compute(a: SnapshotHandle, b: SnapshotHandle): Promise<Collected> {
    const { graphs } = await this.client().collectedGarbage(a, b);
    const components = graphs.map(({ ids, totalSize, cycles }): HeapComponent => ({ ids, totalSize, cycles }));
    const summaries = graphs.map((g, index): GarbageGraphSummary => ({
      index,
      objects: g.ids.length,
      cycleObjects: g.cycleObjects,
      totalSize: g.totalSize,
      classes: g.classes.map((c) => c.name),
      classCounts: g.classes,
      engine: g.engine,
    }));
    return { components, summaries };
  }
}
