/**
 * Queries for the class tracker and the garbage view over an analysed `HeapGraph`: the
 * instances of named classes with sizes, merged referents and allocation stacks; the ids of
 * one snapshot's objects missing from another; the subgraph induced by a set of ids.
 */
import type { HeapAllocationFrame, HeapGraphEdge, HeapObjectInfo } from '../model/heap';
import type { MergedReferent, TrackedClassCensus } from '../model/tracker';
import { analyse, classSummary } from './analysis';
import type { HeapGraph } from './graph';
import { allocationStack } from './queries';

export interface TrackedInstancesOptions {
  names: string[];
  /**
   * Per name, the snapshot's class names it stands for (default: the name alone), e.g. a Python
   * program's `Inner` → `Outer.Inner` (see `HeapSnapshots.resolveClassNames`).
   */
  aliases?: string[][];
  /** Depth of the merged referent tree per class (0 = none). */
  depth?: number;
  /** Most instances listed per class (counts and sizes always cover all). */
  maxInstances?: number;
  /** Instances sampled for the merged referents. */
  maxReferentSamples?: number;
  /** Include allocation stacks (when the snapshot has them). */
  stacks?: boolean;
}

/** Per named class: count, sizes, instances in id order, merged referents; shared stack table. */
export function trackedInstances(g: HeapGraph, options: TrackedInstancesOptions): { classes: TrackedClassCensus[]; stacks: HeapAllocationFrame[][] } {
  analyse(g);
  const summary = new Map(classSummary(g).map((c) => [c.name, c]));
  const names = g.classNames!;
  const classOf = g.classOf!;
  const rs = g.retainedSize!;
  const self = g.nodeSelfSize;
  const classIds = new Map<string, number>();
  names.forEach((name, c) => {
    if (!classIds.has(name)) classIds.set(name, c);
  });
  const formsOf = (i: number) => [...new Set(options.aliases?.[i]?.length ? options.aliases[i] : [options.names[i]])];
  const wanted = new Map<number, number[]>(); // class id → positions in options.names
  options.names.forEach((_, i) => {
    for (const form of formsOf(i)) {
      const c = classIds.get(form);
      if (c === undefined) continue;
      const at = wanted.get(c);
      if (at) at.push(i);
      else wanted.set(c, [i]);
    }
  });
  const members: number[][] = options.names.map(() => []);
  const byId = g.sortedById();
  for (let k = 0; k < byId.length; k++) {
    const o = byId[k];
    const at = wanted.get(classOf[o]);
    if (at !== undefined) for (const i of at) members[i].push(o);
  }
  const maxInstances = options.maxInstances ?? 10_000;
  const stacks: HeapAllocationFrame[][] = [];
  const stackKeys = new Map<string, number>();
  const stackOf = (o: number): number | undefined => {
    const frames = allocationStack(g, o);
    if (!frames.length) return undefined;
    const key = JSON.stringify(frames);
    let s = stackKeys.get(key);
    if (s === undefined) {
      s = stacks.length;
      stacks.push(frames);
      stackKeys.set(key, s);
    }
    return s;
  };
  const withStacks = !!options.stacks && !!g.traceTree && !!g.nodeTraceId;
  const classes = options.names.map((name, i): TrackedClassCensus => {
    const list = members[i];
    let selfSize = 0;
    let min = Infinity;
    let max = 0;
    for (const o of list) {
      selfSize += self[o];
      if (rs[o] < min) min = rs[o];
      if (rs[o] > max) max = rs[o];
    }
    const instances = list.slice(0, maxInstances).map((o) => {
      const entry: { id: number; repr: string; retainedSize: number; stack?: number } = { id: g.nodeId[o], repr: g.repr(o), retainedSize: rs[o] };
      if (withStacks) {
        const s = stackOf(o);
        if (s !== undefined) entry.stack = s;
      }
      return entry;
    });
    return {
      name,
      count: list.length,
      selfSize,
      retainedSize: formsOf(i).reduce((sum, form) => sum + (summary.get(form)?.retainedSize ?? 0), 0),
      min: list.length ? min : 0,
      max,
      instances,
      truncated: list.length > maxInstances,
      referents: options.depth ? mergedReferents(g, list.slice(0, options.maxReferentSamples ?? 2_000), options.depth) : [],
    };
  });
  return { classes, stacks };
}

/**
 * Referents of `roots` merged by `edge name → class`, `depth` levels deep, with the referred
 * objects' retained sizes. Only what the program's code can reach is followed: properties,
 * elements and closure variables; V8's internal links (hidden class, `__proto__`, weak and
 * shortcut edges) are left out, as they are shared and would swamp the tree.
 */
export function mergedReferents(g: HeapGraph, roots: number[], depth: number): MergedReferent[] {
  const rs = g.retainedSize!;
  const { edgeProperty, edgeElement, edgeContext } = g.codes;
  const level = (sources: number[], d: number): MergedReferent[] => {
    const groups = new Map<string, { ref: MergedReferent; targets: number[] }>();
    for (const o of sources) {
      for (let e = g.firstEdge[o]; e < g.firstEdge[o + 1]; e++) {
        const t = g.edgeType[e];
        if (t !== edgeProperty && t !== edgeElement && t !== edgeContext) continue;
        const edgeName = t === edgeElement ? '[]' : g.edgeNameText(e);
        if (edgeName === '__proto__') continue;
        const to = g.edgeTo[e];
        const key = `${edgeName} → ${g.className(to)}`;
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { ref: { name: key, count: 0, size: 0, children: [] }, targets: [] }));
        group.ref.count++;
        group.ref.size += rs[to];
        if (d > 1) group.targets.push(to);
      }
    }
    const out = [...groups.values()];
    if (d > 1) for (const group of out) group.ref.children = level(group.targets, d - 1);
    return out.map((x) => x.ref).sort((a, b) => b.size - a.size || a.name.localeCompare(b.name));
  };
  return depth > 0 ? level(roots, depth) : [];
}

/** Ids of the objects of `a` that `b` does not have (collected between the two), ascending. */
export function absentIds(a: HeapGraph, b: HeapGraph): number[] {
  const oa = a.sortedById();
  const ob = b.sortedById();
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < oa.length; i++) {
    const id = a.nodeId[oa[i]];
    while (j < ob.length && b.nodeId[ob[j]] < id) j++;
    if (j < ob.length && b.nodeId[ob[j]] === id) continue;
    out.push(id);
  }
  return out;
}

/** The objects with these ids and the references among them; cut at `maxNodes`. */
export function subgraph(g: HeapGraph, ids: number[], maxNodes = 2_000): { nodes: HeapObjectInfo[]; edges: HeapGraphEdge[]; truncated: boolean } {
  const ords: number[] = [];
  const set = new Set<number>();
  for (const id of ids) {
    const o = g.ordinalOf(id);
    if (o < 0 || set.has(o)) continue;
    if (ords.length >= maxNodes) break;
    set.add(o);
    ords.push(o);
  }
  const edges: HeapGraphEdge[] = [];
  for (const o of ords) {
    for (let e = g.firstEdge[o]; e < g.firstEdge[o + 1]; e++) {
      const to = g.edgeTo[e];
      if (!set.has(to)) continue;
      edges.push({ from: g.nodeId[o], to: g.nodeId[to], edgeType: g.edgeTypeName(e), name: g.edgeNameText(e) });
    }
  }
  return { nodes: ords.map((o) => g.info(o)), edges, truncated: ords.length < new Set(ids).size };
}
