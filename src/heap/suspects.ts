/**
 * Leak suspects, memlab's way: objects allocated after a baseline snapshot (absent from it,
 * present in a target snapshot) that are still alive in a final one, grouped by their shortest
 * retainer path (element indexes merged, so `cache[0]`, `cache[1]`… group together).
 */
import type { LeakSuspectGroup } from '../model/garbage';
import { analyseForQueries } from './analysis';
import type { HeapGraph } from './graph';
import { retainersOf } from './queries';

export interface SuspectOptions {
  /** Most groups returned (default 50). */
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

/** The shortest retainer path of `o` as labels, root side first; null when unreachable. */
function pathOf(g: HeapGraph, o: number, maxDepth: number): string[] | null {
  const dist = g.distance!;
  if (dist[o] < 0) return null;
  const labels: string[] = [];
  let v = o;
  while (v !== g.rootIndex && labels.length < maxDepth) {
    let step: [number, number] | undefined;
    for (const [r, e] of retainersOf(g, v, true)) {
      if (dist[r] === dist[v] - 1 && (g.edgeType[e] !== g.codes.edgeShortcut || r === g.rootIndex)) {
        step = [r, e];
        break;
      }
    }
    if (!step) return null;
    const [r, e] = step;
    const t = g.edgeType[e];
    const edge = t === g.codes.edgeElement || t === g.codes.edgeHidden ? '[]' : g.edgeNameText(e);
    labels.push(`${g.className(r)} → ${edge}`);
    v = r;
  }
  return labels.reverse();
}

export function leakSuspects(baseline: HeapGraph, target: HeapGraph, final: HeapGraph, options: SuspectOptions = {}): { objects: number; groups: LeakSuspectGroup[] } {
  analyseForQueries(final);
  const maxSamples = options.maxSamples ?? 10;
  const maxDepth = options.maxDepth ?? 32;
  const list = candidates(baseline, target, final);
  const groups = new Map<string, LeakSuspectGroup>();
  const rs = final.retainedSize!;
  for (const o of list) {
    const path = pathOf(final, o, maxDepth);
    if (!path) continue;
    const className = final.className(o);
    const key = `${path.join('\n')}\n${className}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { path, className, count: 0, selfSize: 0, retainedSize: 0, sampleIds: [] }));
    g.count++;
    g.selfSize += final.nodeSelfSize[o];
    g.retainedSize += rs[o];
    if (g.sampleIds.length < maxSamples) g.sampleIds.push(final.nodeId[o]);
  }
  const sorted = [...groups.values()].sort((a, b) => b.retainedSize - a.retainedSize || b.count - a.count);
  return { objects: list.length, groups: sorted.slice(0, options.maxGroups ?? 50) };
}
