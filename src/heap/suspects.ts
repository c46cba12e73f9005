/**
 * Leak suspects, memlab's way: objects allocated after a baseline snapshot (absent from it,
 * present in a target snapshot) that are still alive in a final one. Only the top of each leak
 * is reported: a suspect dominated by another suspect (a leaked listener's context, a record's
 * fields) counts in that one's retained size instead. Suspects are grouped by their shortest
 * retainer path with what varies from one leaked object to the next collapsed: element indexes
 * and Map/Set table slots (`[]`) and the keys of objects used as dictionaries (`[key]`), so one
 * leak is one group. A key is collapsed only where the names vary: at an object V8 holds in
 * dictionary mode (as objects used as maps end up) or crossed under many names, and never the
 * one name most of the paths through that object take (`Server → _events` stays as it is).
 * Groups that are not the program's are flagged `engine`: objects V8's compiled code holds
 * (literal boilerplates, `(compiled code) → transition_info`) and, on paths with nothing of the
 * program, Node's own objects (`HTTPParser`, `ShutdownWrap`, its sockets; see origins.ts) and
 * objects held in the scope of Node's functions.
 * Groups are ranked by retained size, the program's first.
 */
import type { LeakSuspectGroup } from '../model/garbage';
import type { HeapAllocationFrame } from '../model/heap';
import { analyseForQueries } from './queryIndexes';
import type { HeapGraph } from './graph';
import { Origins } from './origins';
import { allocationStack, retainersOf } from './queries';
import { isProgramFrame, programFrame } from './frames';

export interface SuspectOptions {
  /** Most groups returned (default: all). */
  maxGroups?: number;
  /** Sample ids per group (default 10). */
  maxSamples?: number;
  /** Longest retainer path followed (default 32). */
  maxDepth?: number;
}

/** Ordinals (in `final`) of the JS objects of `target` that `baseline` lacks and `final` still has. */
function candidates(baseline: HeapGraph, target: HeapGraph, final: HeapGraph): number[] {
  const ob = baseline.sortedById();
  const ot = target.sortedById();
  const out: number[] = [];
  const { nodeObject, nodeClosure } = final.codes;
  let j = 0;
  for (let i = 0; i < ot.length; i++) {
    const id = target.nodeId[ot[i]];
    while (j < ob.length && baseline.nodeId[ob[j]] < id) j++;
    if (j < ob.length && baseline.nodeId[ob[j]] === id) continue;
    const o = final.ordinalOf(id);
    if (o < 0) continue;
    const t = final.nodeType[o];
    if ((t === nodeObject || t === nodeClosure) && final.nodeSelfSize[o] > 0) out.push(o);
  }
  return out;
}

/** Distinct varying property names through an object in dictionary mode before its keys are collapsed. */
const DICTIONARY_KEYS = 3;
/** Distinct varying property names through an object in fast mode before its keys are collapsed. */
const MANY_KEYS = 12;

interface Step {
  retainer: number;
  edge: number;
}

/** The shortest retainer path of `o`, root side first; null when unreachable. */
function pathOf(g: HeapGraph, o: number, maxDepth: number): Step[] | null {
  const dist = g.distance!;
  if (dist[o] < 0) return null;
  const steps: Step[] = [];
  let v = o;
  while (v !== g.rootIndex && steps.length < maxDepth) {
    let step: Step | undefined;
    for (const [r, e] of retainersOf(g, v, true)) {
      if (dist[r] === dist[v] - 1 && (g.edgeType[e] !== g.codes.edgeShortcut || r === g.rootIndex)) {
        step = { retainer: r, edge: e };
        break;
      }
    }
    if (!step) return null;
    steps.push(step);
    v = step.retainer;
  }
  return steps.reverse();
}

/** Whether V8 holds `o`'s named properties in a dictionary (`properties` → `(object properties)`), as it does for objects used as maps. */
function inDictionaryMode(g: HeapGraph, o: number): boolean {
  for (let e = g.firstEdge[o]; e < g.firstEdge[o + 1]; e++) {
    if (g.edgeType[e] !== g.codes.edgeInternal) continue;
    const to = g.edgeTo[e];
    if (g.edgeNameText(e) === 'properties') return g.typeName(to) === 'array' && g.name(to) === '(object properties)';
  }
  return false;
}

/** The program's frames kept of a group's allocation stack. */
const MAX_SITE_FRAMES = 16;

/** Marks the suspects that some other suspect dominates (walks each dominator chain once). */
function dominatedBySuspect(g: HeapGraph, suspect: Uint8Array): Uint8Array {
  // 0 unknown, 1 a suspect is above, 2 none is
  const state = new Uint8Array(g.nodeCount);
  const dom = g.dominator!;
  const chain: number[] = [];
  const out = new Uint8Array(g.nodeCount);
  for (let o = 0; o < g.nodeCount; o++) {
    if (!suspect[o]) continue;
    chain.length = 0;
    let v = dom[o];
    let found = 2;
    while (v !== g.rootIndex) {
      if (state[v]) {
        found = state[v];
        break;
      }
      if (suspect[v]) {
        found = 1;
        break;
      }
      chain.push(v);
      const up = dom[v];
      if (up === v) break;
      v = up;
    }
    for (const c of chain) state[c] = found;
    if (found === 1) out[o] = 1;
  }
  return out;
}

export function leakSuspects(baseline: HeapGraph, target: HeapGraph, final: HeapGraph, options: SuspectOptions = {}): { objects: number; groups: LeakSuspectGroup[] } {
  analyseForQueries(final);
  const maxSamples = options.maxSamples ?? 10;
  const maxDepth = options.maxDepth ?? 32;
  const list = candidates(baseline, target, final);
  const isSuspect = new Uint8Array(final.nodeCount);
  for (const o of list) isSuspect[o] = 1;
  const inner = dominatedBySuspect(final, isSuspect);
  const tops = list.filter((o) => !inner[o]);
  const paths = new Map<number, Step[]>();
  // how many paths take each property name through each retainer, to find objects used as dictionaries
  const keysThrough = new Map<number, { names: Map<number, number>; paths: number }>();
  const { edgeElement, edgeHidden, edgeProperty, nodeSynthetic } = final.codes;
  for (const o of tops) {
    const path = pathOf(final, o, maxDepth);
    if (!path) continue;
    paths.set(o, path);
    for (const { retainer, edge } of path) {
      if (final.edgeType[edge] !== edgeProperty) continue;
      let keys = keysThrough.get(retainer);
      if (!keys) keysThrough.set(retainer, (keys = { names: new Map(), paths: 0 }));
      const name = final.edgeNameIndex(edge);
      keys.names.set(name, (keys.names.get(name) ?? 0) + 1);
      keys.paths++;
    }
  }
  // per retainer: the names collapsed to `[key]` (all but the one most paths take, where they vary)
  const collapsed = new Map<number, Set<number> | null>();
  const collapsedAt = (retainer: number): Set<number> | null => {
    let names = collapsed.get(retainer);
    if (names !== undefined) return names;
    names = null;
    const keys = keysThrough.get(retainer);
    if (keys) {
      const varying = [...keys.names].filter(([, n]) => n * 2 < keys.paths).map(([name]) => name);
      if (varying.length >= (inDictionaryMode(final, retainer) ? DICTIONARY_KEYS : MANY_KEYS)) names = new Set(varying);
    }
    collapsed.set(retainer, names);
    return names;
  };
  const label = ({ retainer, edge }: Step) => {
    const t = final.edgeType[edge];
    let name: string;
    if (t === edgeElement || t === edgeHidden) name = '[]';
    else {
      name = final.edgeNameText(edge);
      // Map and Set tables name their slots by number
      if (/^\d+$/.test(name)) name = '[]';
      else if (t === edgeProperty && collapsedAt(retainer)?.has(final.edgeNameIndex(edge))) name = '[key]';
    }
    // A synthetic node by its own name (`(GC roots)`, `(modules)`…), not its group `(synthetic)`.
    const holder = final.nodeType[retainer] === nodeSynthetic ? final.name(retainer) : final.className(retainer);
    return `${holder} → ${name}`;
  };
  const origins = new Origins(final);
  /**
   * Not the program's: held by V8's compiled code, or with nothing of the program on its path and
   * made by Node (its classes, closures) or held in the scope of Node's own functions. A plain
   * object the program hung on one of Node's objects (`server.cache = []`) stays the program's.
   */
  const isEngine = (o: number, steps: Step[]): boolean => {
    const last = steps[steps.length - 1];
    if (last && final.typeName(last.retainer) === 'code') return true;
    // inside a literal's boilerplate (an allocation site's `transition_info`)
    if (steps.some(({ retainer, edge }) => final.typeName(retainer) === 'code' && final.edgeNameText(edge) === 'transition_info')) return true;
    const own = origins.of(o);
    if (own === 'program') return false;
    let inNodeScope = false;
    for (const { retainer } of steps) {
      const origin = origins.of(retainer);
      if (origin === 'program') return false;
      if (origin === 'node' && final.nodeType[retainer] === final.codes.nodeClosure) inNodeScope = true;
    }
    return own === 'node' || inNodeScope;
  };
  const groups = new Map<string, LeakSuspectGroup & { sites: Map<string, { frame: HeapAllocationFrame; count: number; stack: HeapAllocationFrame[] }> }>();
  const rs = final.retainedSize!;
  for (const [o, steps] of paths) {
    // From the named roots on: the nameless root's own step says nothing.
    const path = steps.filter((s) => !(s.retainer === final.rootIndex && final.name(s.retainer) === '')).map(label);
    const className = final.className(o);
    const engine = isEngine(o, steps);
    const key = `${engine ? 'engine' : 'program'}\n${path.join('\n')}\n${className}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { path, className, engine, count: 0, selfSize: 0, retainedSize: 0, sampleIds: [], sites: new Map() }));
    g.count++;
    g.selfSize += final.nodeSelfSize[o];
    g.retainedSize += rs[o];
    if (g.sampleIds.length < maxSamples) g.sampleIds.push(final.nodeId[o]);
    const stack = allocationStack(final, o);
    const frame = programFrame(stack);
    if (frame) {
      const at = `${frame.scriptName}:${frame.line}:${frame.column}:${frame.functionName}`;
      const site = g.sites.get(at);
      if (site) site.count++;
      // (the program's frames of the first such stack: where its `new` is may be in a caller)
      else g.sites.set(at, { frame, count: 1, stack: stack.filter(isProgramFrame).slice(0, MAX_SITE_FRAMES) });
    }
  }
  const sorted = [...groups.values()]
    .map(({ sites, ...group }): LeakSuspectGroup => {
      const top = [...sites.values()].sort((x, y) => y.count - x.count)[0];
      return top ? { ...group, allocatedAt: { ...top.frame, count: top.count }, allocationStack: top.stack } : group;
    })
    .sort((a, b) => Number(a.engine) - Number(b.engine) || b.retainedSize - a.retainedSize || b.count - a.count);
  return { objects: tops.length, groups: options.maxGroups === undefined ? sorted : sorted.slice(0, options.maxGroups) };
}
