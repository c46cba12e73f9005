import type { HeapWorkerClient, SnapshotHandle } from '../heap/client';
import type { GarbageGraph, GarbageGraphDetail, GarbageGraphSummary, HeapComponent, HeapObjectInfo } from '../model';

/** Graphs whose class names are listed in the summary (the rest show none). */
const NAMED_GRAPHS = 500;
/** Largest graph drawn; bigger ones are cut (`truncated`). */
const MAX_GRAPH_NODES = 2_000;

interface Collected {
  components: HeapComponent[];
  summaries: GarbageGraphSummary[];
}

const toObject = (o: HeapObjectInfo) => ({ id: o.id, size: o.selfSize, type: o.type, className: o.className, repr: o.repr });

/**
 * "Garbage" as V8 lets it be seen: the objects of snapshot `a` missing from the later snapshot
 * `b` were collected in between. They are split into connected reference graphs (using `a`'s
 * references), largest total size first, each with the objects that lie on cycles. Results are
 * computed on first request and kept per pair of snapshots.
 */
export class CollectedGarbage {
  private readonly cache = new Map<string, Promise<Collected>>();

  constructor(private readonly client: () => HeapWorkerClient) {}

  /** The graphs collected between `a` and `b`, largest first. */
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
    const client = this.client();
    const ids = await client.absentIds(a, b);
    const components = ids.length ? await client.components(a, ids) : [];
    // Class names of the larger graphs, from one look-up of their objects.
    const named = components.slice(0, NAMED_GRAPHS);
    const lookup = named.flatMap((c) => c.ids.slice(0, 200));
    const classOf = new Map<number, string>();
    if (lookup.length) for (const n of (await client.subgraph(a, lookup, lookup.length)).nodes) classOf.set(n.id, n.className);
    const summaries = components.map((c, index): GarbageGraphSummary => {
      const counts = new Map<string, number>();
      if (index < NAMED_GRAPHS) {
        for (const id of c.ids.slice(0, 200)) {
          const name = classOf.get(id);
          if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
        }
      }
      const classes = [...counts].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])).slice(0, 3).map(([name]) => name);
      return { index, objects: c.ids.length, cycleObjects: new Set(c.cycles.flat()).size, totalSize: c.totalSize, classes };
    });
    return { components, summaries };
  }
}
