/**
 * What the program let go of between two snapshots, told apart from what only looks collected.
 * Objects of snapshot `a` missing from `b` fall in three kinds:
 * - *renewed*: embedder and engine nodes (Node's natives, synthetic roots, system nodes) that V8
 *   gives a new id in every snapshot although nothing was freed. One is matched to a node born in
 *   `b` with the same type, name, self size and edge count, and is not garbage at all;
 * - *engine internals*: compiled code, hidden classes, backing stores, heap numbers, system
 *   objects: freed for real, but by the engine rather than by the program;
 * - *temporaries of the snapshot*: objects only the stack and handle scopes of the code running
 *   while `a` was taken held. In a program at rest that code is the profiler's own
 *   `writeHeapSnapshot(…)` call (its closure, expression and path strings, Node's options array):
 *   not the program's garbage, left out like the renewed ones (see origins.ts);
 * - *Node's internals*: objects Node itself made (closures of its `node:` scripts, instances of
 *   its classes such as `TimersList`, of its C++ bindings such as `HTTPParser`, see origins.ts);
 * - the program's own objects.
 * The collected objects are split into connected reference graphs; graphs with a program object
 * come first (those with reference cycles before the others, as Pympler lists `gc.garbage`
 * cycles), each largest first; graphs of engine and Node internals only come last, flagged
 * `engine`.
 */
import type { HeapComponent } from '../model/heap';
import type { HeapGraph } from './graph';
import { heldOnlyWhileRunning, Origins } from './origins';
import { componentsOf } from './queries';

/** Node types whose nodes belong to the engine, not to the program. */
const ENGINE_TYPES = new Set(['hidden', 'array', 'code', 'native', 'synthetic', 'object shape', 'number']);
/** Node types V8 and Node rebuild (with new ids) for every snapshot. */
const RENEWED_TYPES = new Set(['hidden', 'native', 'synthetic']);
/** Classes named in a graph's summary. */
const MAX_CLASSES = 5;

export interface CollectedGraph extends HeapComponent {
  /**
   * Classes of the graph's objects (at most five): those on cycles, then the program's other
   * constructors, its other objects, the engine's; each most frequent first.
   */
  classes: Array<{ name: string; count: number }>;
  /** Objects of the graph that lie on reference cycles. */
  cycleObjects: number;
  /** True when every object of the graph is an engine internal or one of Node's own. */
  engine: boolean;
}

export interface CollectedGarbageResult {
  /** Objects that only got a new id (not counted anywhere else). */
  renewed: number;
  /** Objects only the code running during snapshot `a` held: the profiler's own call (not counted anywhere else). */
  temporaries: number;
  graphs: CollectedGraph[];
}

/** True for nodes the engine made (code, hidden classes, backing stores, natives, `system / …`). */
export function isEngineInternal(g: HeapGraph, o: number): boolean {
  if (ENGINE_TYPES.has(g.typeName(o))) return true;
  return g.nodeType[o] === g.codes.nodeObject && g.name(o).startsWith('system / ');
}

function signature(g: HeapGraph, o: number): string {
  return `${g.nodeType[o]}\u0000${g.name(o)}\u0000${g.nodeSelfSize[o]}\u0000${g.firstEdge[o + 1] - g.firstEdge[o]}`;
}

/** Ordinals of `x`'s nodes whose id `y` lacks. */
function missingFrom(x: HeapGraph, y: HeapGraph): number[] {
  const ox = x.sortedById();
  const oy = y.sortedById();
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < ox.length; i++) {
    const id = x.nodeId[ox[i]];
    while (j < oy.length && y.nodeId[oy[j]] < id) j++;
    if (j < oy.length && y.nodeId[oy[j]] === id) continue;
    out.push(ox[i]);
  }
  return out;
}

/**
 * Reference graphs of the collected objects. Engine internals do not join graphs: one dead hidden
 * class shared by every instance made before slack tracking ended would tie all of them into one
 * graph. So the graphs are those of the program's objects; an engine internal joins the one graph
 * whose objects alone reach it (an array's backing store, a boxed number), and the rest form
 * graphs of their own.
 */
function splitGraphs(a: HeapGraph, collected: number[]): HeapComponent[] {
  const program: number[] = [];
  const engine = new Set<number>();
  for (const o of collected) {
    if (isEngineInternal(a, o)) engine.add(o);
    else program.push(o);
  }
  const graphs = program.length ? componentsOf(a, program) : [];
  // owner of an engine node: the graph that reaches it, -1 when several do
  const owner = new Map<number, number>();
  const work: number[] = [];
  const assign = (o: number, graph: number) => {
    const current = owner.get(o);
    if (current === undefined) owner.set(o, graph);
    else if (current !== graph && current !== -1) owner.set(o, -1);
    else return;
    work.push(o);
  };
  const reach = (o: number, graph: number) => {
    for (let e = a.firstEdge[o]; e < a.firstEdge[o + 1]; e++) if (engine.has(a.edgeTo[e])) assign(a.edgeTo[e], graph);
  };
  graphs.forEach((c, i) => c.ids.forEach((id) => reach(a.ordinalOf(id), i)));
  while (work.length) {
    const o = work.pop()!;
    reach(o, owner.get(o)!);
  }
  const left: number[] = [];
  for (const o of engine) {
    const i = owner.get(o);
    if (i === undefined || i < 0) {
      left.push(o);
      continue;
    }
    graphs[i].ids.push(a.nodeId[o]);
    graphs[i].totalSize += a.nodeSelfSize[o];
  }
  return left.length ? [...graphs, ...componentsOf(a, left)] : graphs;
}

export function collectedGarbage(a: HeapGraph, b: HeapGraph): CollectedGarbageResult {
  const gone = missingFrom(a, b);
  // Nodes born in `b` that may be the same thing as a gone node under a new id.
  const bornBySignature = new Map<string, number>();
  for (const o of missingFrom(b, a)) {
    if (!RENEWED_TYPES.has(b.typeName(o))) continue;
    const key = signature(b, o);
    bornBySignature.set(key, (bornBySignature.get(key) ?? 0) + 1);
  }
  let renewed = 0;
  let temporaries = 0;
  const transient = heldOnlyWhileRunning(a);
  const collected: number[] = [];
  for (const o of gone) {
    if (transient[o]) {
      temporaries++;
      continue;
    }
    if (RENEWED_TYPES.has(a.typeName(o))) {
      const key = signature(a, o);
      const left = bornBySignature.get(key) ?? 0;
      if (left > 0) {
        bornBySignature.set(key, left - 1);
        renewed++;
        continue;
      }
    }
    collected.push(o);
  }
  const components = splitGraphs(a, collected);
  const origins = new Origins(a);
  const graphs = components.map((c): CollectedGraph => {
    const onCycles = new Set(c.cycles.flat());
    // tiers: classes with objects on cycles, the program's constructors, its other objects, Node's, the engine's
    const counts = new Map<string, { count: number; tier: number }>();
    // objects of classes or functions the program defined, Node's own, and neither (plain objects, strings…)
    let programObjects = 0;
    let nodeObjects = 0;
    let otherObjects = 0;
    for (const id of c.ids) {
      const o = a.ordinalOf(id);
      const internal = isEngineInternal(a, o);
      const origin = internal ? undefined : origins.of(o);
      const node = origin === 'node';
      if (origin === 'program') programObjects++;
      else if (node) nodeObjects++;
      else if (origin) otherObjects++;
      const tier = internal ? 4 : node ? 3 : onCycles.has(id) ? 0 : a.nodeType[o] === a.codes.nodeObject ? 1 : 2;
      const name = a.className(o);
      const entry = counts.get(name);
      if (!entry) counts.set(name, { count: 1, tier });
      else {
        entry.count++;
        entry.tier = Math.min(entry.tier, tier);
      }
    }
    const classes = [...counts]
      .sort((x, y) => x[1].tier - y[1].tier || y[1].count - x[1].count || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
      .slice(0, MAX_CLASSES)
      .map(([name, { count }]) => ({ name, count }));
    // Node's own: a graph of its objects (with the plain ones they hold) and nothing the program defined
    const engine = programObjects === 0 && (otherObjects === 0 || nodeObjects > 0);
    return { ...c, classes, cycleObjects: onCycles.size, engine };
  });
  const rank = (x: CollectedGraph) => (x.engine ? 2 : x.cycles.length ? 0 : 1);
  graphs.sort((x, y) => rank(x) - rank(y) || y.totalSize - x.totalSize || y.ids.length - x.ids.length);
  return { renewed, temporaries, graphs };
}
