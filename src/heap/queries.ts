/**
 * Queries over an analysed `HeapGraph`: diff of two snapshots by object id, connected components
 * and cycles (Tarjan's strongly connected components) of a node subset, shortest retainer paths
 * and a size-limited retainer graph, allocation stacks from the trace tree.
 */
import type { HeapAllocationFrame, HeapClassDelta, HeapComponent, HeapDiff, HeapGraphEdge, HeapGraphNode, HeapRetainerGraph } from '../model/heap';
import { analyse, RETAINER_ORDINAL_MASK } from './analysis';
import { ensureDistances, ensureRetainerIndex } from './queryIndexes';
import type { HeapGraph } from './graph';

/** Objects of `b` not in `a` are added, objects of `a` not in `b` removed; matched by object id. */
export function diffSnapshots(a: HeapGraph, b: HeapGraph): HeapDiff {
  if (!a.classOf) analyse(a);
  if (!b.classOf) analyse(b);
  const oa = a.sortedById();
  const ob = b.sortedById();
  const deltas = new Map<string, HeapClassDelta>();
  const delta = (name: string) => {
    let d = deltas.get(name);
    if (!d) {
      d = { name, addedCount: 0, removedCount: 0, countDelta: 0, addedSize: 0, removedSize: 0, sizeDelta: 0 };
      deltas.set(name, d);
    }
    return d;
  };
  // per class of each side, counted by class id first (cheap), then merged by name
  const addCount = new Float64Array(b.classNames!.length);
  const addSize = new Float64Array(b.classNames!.length);
  const remCount = new Float64Array(a.classNames!.length);
  const remSize = new Float64Array(a.classNames!.length);
  let i = 0;
  let j = 0;
  const ia = a.nodeId;
  const ib = b.nodeId;
  while (i < oa.length || j < ob.length) {
    const x = i < oa.length ? ia[oa[i]] : Infinity;
    const y = j < ob.length ? ib[ob[j]] : Infinity;
    if (x === y) {
      i++;
      j++;
    } else if (x < y) {
      const o = oa[i++];
      remCount[a.classOf![o]]++;
      remSize[a.classOf![o]] += a.nodeSelfSize[o];
    } else {
      const o = ob[j++];
      addCount[b.classOf![o]]++;
      addSize[b.classOf![o]] += b.nodeSelfSize[o];
    }
  }
  let addedCount = 0,
    removedCount = 0,
    addedSize = 0,
    removedSize = 0;
  b.classNames!.forEach((name, c) => {
    if (!addCount[c]) return;
    const d = delta(name);
    d.addedCount += addCount[c];
    d.addedSize += addSize[c];
    addedCount += addCount[c];
    addedSize += addSize[c];
  });
  a.classNames!.forEach((name, c) => {
    if (!remCount[c]) return;
    const d = delta(name);
    d.removedCount += remCount[c];
    d.removedSize += remSize[c];
    removedCount += remCount[c];
    removedSize += remSize[c];
  });
  const classes = [...deltas.values()];
  for (const d of classes) {
    d.countDelta = d.addedCount - d.removedCount;
    d.sizeDelta = d.addedSize - d.removedSize;
  }
  classes.sort((p, q) => Math.abs(q.sizeDelta) - Math.abs(p.sizeDelta) || q.addedSize + q.removedSize - (p.addedSize + p.removedSize));
  return { addedCount, removedCount, addedSize, removedSize, classes };
}

/**
 * Weakly connected components of the subgraph induced by `ordinals`, largest total size first,
 * each with its cycles: the strongly connected components with more than one node or a self
 * edge, found by Tarjan's algorithm (R. Tarjan, "Depth-first search and linear graph
 * algorithms", SIAM J. Computing 1(2), 1972), run iteratively. Weak edges are included: they
 * are references too; pass `strongOnly` to leave them out.
 */
export function componentsOf(g: HeapGraph, ordinals: ArrayLike<number>, options: { strongOnly?: boolean } = {}): HeapComponent[] {
  const k = ordinals.length;
  const local = new Map<number, number>();
  for (let i = 0; i < k; i++) if (!local.has(ordinals[i])) local.set(ordinals[i], local.size);
  const m = local.size;
  const nodes = [...local.keys()];
  // adjacency in compressed rows, local indexes
  const { firstEdge, edgeTo, edgeType } = g;
  const weak = g.codes.edgeWeak;
  const adjStart = new Uint32Array(m + 1);
  const adj: number[] = [];
  const selfLoop = new Uint8Array(m);
  for (let v = 0; v < m; v++) {
    adjStart[v] = adj.length;
    const o = nodes[v];
    for (let e = firstEdge[o]; e < firstEdge[o + 1]; e++) {
      if (options.strongOnly && edgeType[e] === weak) continue;
      const w = local.get(edgeTo[e]);
      if (w === undefined) continue;
      if (w === v) selfLoop[v] = 1;
      adj.push(w);
    }
  }
  adjStart[m] = adj.length;
  // union-find for weak connectivity
  const parent = new Int32Array(m);
  for (let v = 0; v < m; v++) parent[v] = v;
  const find = (v: number) => {
    while (parent[v] !== v) {
      parent[v] = parent[parent[v]];
      v = parent[v];
    }
    return v;
  };
  for (let v = 0; v < m; v++)
    for (let i = adjStart[v]; i < adjStart[v + 1]; i++) {
      const a = find(v),
        b = find(adj[i]);
      if (a !== b) parent[a] = b;
    }
  // Tarjan, iterative
  const index = new Int32Array(m).fill(-1);
  const low = new Int32Array(m);
  const onStack = new Uint8Array(m);
  const sccStack: number[] = [];
  const callV: number[] = [];
  const callI: number[] = [];
  const sccOf = new Int32Array(m).fill(-1);
  const sccs: number[][] = [];
  let counter = 0;
  for (let s = 0; s < m; s++) {
    if (index[s] !== -1) continue;
    callV.push(s);
    callI.push(adjStart[s]);
    index[s] = low[s] = counter++;
    sccStack.push(s);
    onStack[s] = 1;
    while (callV.length) {
      const top = callV.length - 1;
      const v = callV[top];
      const i = callI[top];
      if (i < adjStart[v + 1]) {
        callI[top] = i + 1;
        const w = adj[i];
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          sccStack.push(w);
          onStack[w] = 1;
          callV.push(w);
          callI.push(adjStart[w]);
        } else if (onStack[w]) {
          if (index[w] < low[v]) low[v] = index[w];
        }
      } else {
        callV.pop();
        callI.pop();
        if (callV.length) {
          const u = callV[callV.length - 1];
          if (low[v] < low[u]) low[u] = low[v];
        }
        if (low[v] === index[v]) {
          const comp: number[] = [];
          let w: number;
          do {
            w = sccStack.pop()!;
            onStack[w] = 0;
            sccOf[w] = sccs.length;
            comp.push(w);
          } while (w !== v);
          sccs.push(comp);
        }
      }
    }
  }
  const byRoot = new Map<number, HeapComponent>();
  for (let v = 0; v < m; v++) {
    const r = find(v);
    let c = byRoot.get(r);
    if (!c) {
      c = { ids: [], totalSize: 0, cycles: [] };
      byRoot.set(r, c);
    }
    c.ids.push(g.nodeId[nodes[v]]);
    c.totalSize += g.nodeSelfSize[nodes[v]];
  }
  for (const comp of sccs) {
    if (comp.length === 1 && !selfLoop[comp[0]]) continue;
    byRoot.get(find(comp[0]))!.cycles.push(comp.map((v) => g.nodeId[nodes[v]]));
  }
  return [...byRoot.values()].sort((p, q) => q.totalSize - p.totalSize || q.ids.length - p.ids.length);
}

/** Retainers of node `o`: `[retainerOrdinal, edgeIndex]` pairs, weak ones included unless `strongOnly`. */
export function retainersOf(g: HeapGraph, o: number, strongOnly = false): Array<[number, number]> {
  ensureRetainerIndex(g);
  const out: Array<[number, number]> = [];
  const first = g.firstRetainer!;
  const rn = g.retainerNode!;
  let prev = -1;
  for (let r = first[o]; r < first[o + 1]; r++) {
    const v = rn[r];
    const from = v & RETAINER_ORDINAL_MASK;
    if (from === prev) continue; // rows are sorted by source: scan that source's edges once
    prev = from;
    for (let e = g.firstEdge[from]; e < g.firstEdge[from + 1]; e++) {
      if (g.edgeTo[e] !== o) continue;
      if (strongOnly && g.edgeType[e] === g.codes.edgeWeak) continue;
      out.push([from, e]);
    }
  }
  return out;
}

export interface RetainerOptions {
  /** Most paths to return (default 5). */
  maxPaths?: number;
  /** Most nodes in the graph (default 100). */
  maxNodes?: number;
  /** Longest path considered (default 64 edges). */
  maxDepth?: number;
}

/**
 * Shortest retainer paths from node `o` to the root (following retainers whose distance from the
 * root is one less, weak edges skipped: the lowest such retainer, `distanceParent`), and a
 * retainer graph: the union of those paths plus a breadth-first walk over retainers, cut at
 * `maxNodes`. Needs the distances, not the retainer index (see `RetainerLookup`).
 */
export function retainerGraph(g: HeapGraph, o: number, options: RetainerOptions = {}): HeapRetainerGraph {
  analyse(g);
  ensureDistances(g);
  const maxPaths = options.maxPaths ?? 5;
  const maxNodes = options.maxNodes ?? 100;
  const maxDepth = options.maxDepth ?? 64;
  const dist = g.distance!;
  const parent = g.distanceParent!;
  const root = g.rootIndex;
  const retainers = new RetainerLookup(g);
  const nodes = new Map<number, HeapGraphNode>();
  const edges = new Map<string, HeapGraphEdge>();
  let truncated = false;
  const addNode = (v: number): boolean => {
    if (nodes.has(v)) return true;
    if (nodes.size >= maxNodes) {
      truncated = true;
      return false;
    }
    const info: HeapGraphNode = g.info(v);
    if (v === o) info.target = true;
    if (v === root || dist[v] === 1) info.root = true;
    nodes.set(v, info);
    return true;
  };
  const addEdge = (from: number, e: number, to: number) => {
    const key = `${from}:${e}`;
    if (!edges.has(key)) edges.set(key, { from: g.nodeId[from], to: g.nodeId[to], edgeType: g.edgeTypeName(e), name: g.edgeNameText(e) });
  };
  addNode(o);
  const paths: number[][] = [];
  // paths: start from each closest retainer, then always step to the retainer one closer to the root
  const starts = retainers
    .of(o)
    .filter(([r, e]) => dist[r] >= 0 && usable(g, r, e))
    .sort((p, q) => dist[p[0]] - dist[q[0]]);
  const seenStart = new Set<number>();
  for (const [r0, e0] of starts) {
    if (paths.length >= maxPaths) break;
    if (seenStart.has(r0)) continue;
    seenStart.add(r0);
    const hops: Array<[number, number, number]> = [[r0, e0, o]];
    let v = r0;
    while (v !== root && hops.length <= maxDepth) {
      const next = parent[v];
      hops.push([next, firstUsableEdge(g, next, v), v]);
      v = next;
    }
    if (v !== root) continue;
    paths.push([g.nodeId[o], ...hops.map(([from]) => g.nodeId[from])]);
    for (const [from, e, to] of hops) {
      if (addNode(from) && nodes.has(to)) addEdge(from, e, to);
    }
  }
  // breadth-first over retainers to fill the graph (the retainers of all queued nodes fetched at once)
  const queue = [o];
  const visited = new Set<number>([o]);
  for (let head = 0; head < queue.length && !truncated; head++) {
    const v = queue[head];
    if (v === root) continue;
    if (!retainers.knows(v)) retainers.fetch(withAncestors(queue.slice(head), g, retainers, 4 * maxNodes));
    for (const [r, e] of retainers.of(v)) {
      if (!addNode(r)) break;
      addEdge(r, e, v);
      if (!visited.has(r)) {
        visited.add(r);
        queue.push(r);
      }
    }
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()], paths, truncated };
}

/**
 * `nodes` and, up to `max` nodes in all, their ancestors on their shortest paths (whose retainers
 * the walk will want next: the retainer one step closer is one of a node's retainers), up to
 * the first known one: fetched with them, they save scans.
 */
function withAncestors(nodes: number[], g: HeapGraph, known: RetainerLookup, max: number): number[] {
  const dist = g.distance!;
  const parent = g.distanceParent!;
  const out = new Set(nodes);
  for (const v of nodes) {
    if (dist[v] <= 0) continue;
    for (let a = parent[v]; a !== g.rootIndex && out.size < max && !out.has(a) && !known.knows(a); a = parent[a]) out.add(a);
  }
  return [...out];
}

/** The first edge from `from` to `to` that a shortest path may take. */
function firstUsableEdge(g: HeapGraph, from: number, to: number): number {
  for (let e = g.firstEdge[from]; e < g.firstEdge[from + 1]; e++) if (g.edgeTo[e] === to && usable(g, from, e)) return e;
  return -1;
}

/**
 * Scans of every edge the retainer graphs of one snapshot may make before the retainer index is
 * built instead: enough for the first question or two (a graph takes one a level it walks).
 */
const MAX_SCANS = 12;
const scansOf = new WeakMap<HeapGraph, number>();

/**
 * The retainers of the nodes of one retainer graph (all, weak ones too, in the retainer index's
 * order: by source, then edge): from the index once it is built, else from scans of every edge,
 * one for each batch of nodes (tens of milliseconds at tens of millions of edges, where the index
 * takes seconds); past `MAX_SCANS` (a chain gives one node a level; or many questions), from the
 * index after all.
 */
class RetainerLookup {
  private readonly lists = new Map<number, Array<[number, number]>>();

  constructor(private readonly g: HeapGraph) {}

  knows(v: number): boolean {
    return this.g.retainerNode !== null || this.lists.has(v);
  }

  of(v: number): Array<[number, number]> {
    if (!this.lists.has(v)) {
      if (!this.g.retainerNode) this.fetch([v]);
      if (this.g.retainerNode) return retainersOf(this.g, v);
    }
    return this.lists.get(v)!;
  }

  /** Finds the retainers of those of `nodes` not known yet, in one scan. */
  fetch(nodes: number[]): void {
    const g = this.g;
    const want = nodes.filter((v) => !this.lists.has(v));
    if (g.retainerNode || !want.length) return;
    const scans = scansOf.get(g) ?? 0;
    if (scans >= MAX_SCANS) {
      ensureRetainerIndex(g);
      return;
    }
    scansOf.set(g, scans + 1);
    const bits = new Uint32Array((g.nodeCount + 31) >>> 5);
    for (const v of want) {
      bits[v >>> 5] |= 1 << (v & 31);
      this.lists.set(v, []);
    }
    // edges in ascending order are in ascending source order: the sources are found afterwards
    const edgeTo = g.edgeTo;
    const hits: number[] = [];
    for (let e = 0, m = g.edgeCount; e < m; e++) {
      const t = edgeTo[e];
      if (bits[t >>> 5] & (1 << (t & 31))) hits.push(e);
    }
    for (const e of hits) this.lists.get(edgeTo[e])!.push([g.edgeSource(e), e]);
  }
}

/** Edges a shortest path may take: not weak, shortcuts only from the root (as the distances). */
function usable(g: HeapGraph, from: number, e: number): boolean {
  const t = g.edgeType[e];
  return t !== g.codes.edgeWeak && (t !== g.codes.edgeShortcut || from === g.rootIndex);
}

/** The allocation stack of node `o`, innermost frame first; empty without allocation tracking. */
export function allocationStack(g: HeapGraph, o: number): HeapAllocationFrame[] {
  const tt = g.traceTree;
  const infos = g.traceFunctionInfos;
  if (!tt || !infos || !g.nodeTraceId) return [];
  const traceId = g.nodeTraceId[o];
  if (!traceId) return [];
  let idx = traceIndex(g).get(traceId);
  const fields = g.meta.traceFunctionInfoFields;
  const W = fields.length;
  const fName = fields.indexOf('name');
  const fScript = fields.indexOf('script_name');
  const fScriptId = fields.indexOf('script_id');
  const fLine = fields.indexOf('line');
  const fCol = fields.indexOf('column');
  const str = (i: number) => g.strings.get(i) ?? '';
  const frames: HeapAllocationFrame[] = [];
  while (idx !== undefined && idx >= 0 && frames.length < 1000) {
    const fi = tt.functionInfo[idx] * W;
    if (fi + W <= infos.length) {
      frames.push({
        functionName: fName >= 0 ? str(infos[fi + fName]) : '',
        scriptName: fScript >= 0 ? str(infos[fi + fScript]) : '',
        scriptId: fScriptId >= 0 ? infos[fi + fScriptId] : 0,
        line: fLine >= 0 ? infos[fi + fLine] : 0,
        column: fCol >= 0 ? infos[fi + fCol] : 0,
      });
    }
    idx = tt.parent[idx];
  }
  // the top of the trace tree is V8's synthetic "(root)" entry
  if (frames.length && frames[frames.length - 1].functionName === '(root)') frames.pop();
  return frames;
}

const traceIndexes = new WeakMap<HeapGraph, Map<number, number>>();
function traceIndex(g: HeapGraph): Map<number, number> {
  let m = traceIndexes.get(g);
  if (!m) {
    m = new Map();
    const ids = g.traceTree!.id;
    for (let i = 0; i < ids.length; i++) m.set(ids[i], i);
    traceIndexes.set(g, m);
  }
  return m;
}
