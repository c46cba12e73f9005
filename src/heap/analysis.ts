/**
 * Graph analyses over the flat arrays of a `HeapGraph`, run as named phases that report progress:
 * retainers → distances → post-order → dominators → retained sizes → classes.
 * Everything is iterative over typed arrays (explicit stacks, no recursion).
 *
 * Which edges retain follows Chrome DevTools (and @vscode/v8-heap-parser, a port of it):
 * - weak edges never retain;
 * - shortcut edges retain only when they leave the synthetic root (they mark user roots such
 *   as `global`); elsewhere they summarise a path that exists anyway;
 * - objects reachable from those user roots are "page objects": an edge from a non-page object
 *   (other than the root) into a page object does not count, so e.g. `global`'s properties are
 *   attributed to `global` rather than to V8 internals that also point at them;
 * - nodes not reachable this way are attached to the root: first those whose only retainers are
 *   weak or shortcut edges (with everything reachable from them), then any remaining node
 *   (groups retained only by each other) is dominated directly by the root.
 */
import type { HeapClassSummary, HeapProgress } from '../model/heap';
import type { HeapGraph } from './graph';

export type ProgressFn = (p: HeapProgress) => void;

const NON_ESSENTIAL = 0x80000000;
export const RETAINER_ORDINAL_MASK = 0x7fffffff;
export const RETAINER_NON_ESSENTIAL = NON_ESSENTIAL;
const PAGE_OBJECT = 1;

/** Runs every phase the summary needs (idempotent: computed parts are kept on the graph). */
export function analyse(g: HeapGraph, onProgress?: ProgressFn): void {
  if (!g.dominator) computeDominators(g, onProgress);
  if (!g.classOf) assignClasses(g, onProgress);
}

/** The indexes queries about one object need (retainers, distances): built on first use. */
export function analyseForQueries(g: HeapGraph, onProgress?: ProgressFn): void {
  analyse(g, onProgress);
  if (!g.retainerNode) buildRetainers(g, onProgress);
  if (!g.distance) computeDistances(g, onProgress);
}

function report(onProgress: ProgressFn | undefined, phase: string, done: number, total: number): void {
  if (onProgress) onProgress({ phase, done, total });
}

/** Objects reachable from the root's shortcut edges (DevTools' "page objects"), skipping weak edges. */
function markPageObjects(g: HeapGraph, stack: Uint32Array = new Uint32Array(g.nodeCount)): Uint8Array {
  const n = g.nodeCount;
  const flags = new Uint8Array(n);
  const { firstEdge, edgeTo, edgeType } = g;
  const { edgeShortcut, edgeWeak } = g.codes;
  let top = 0;
  const r = g.rootIndex;
  for (let e = firstEdge[r]; e < firstEdge[r + 1]; e++) {
    if (edgeType[e] !== edgeShortcut) continue;
    const t = edgeTo[e];
    if (!flags[t]) {
      flags[t] = PAGE_OBJECT;
      stack[top++] = t;
    }
  }
  while (top > 0) {
    const o = stack[--top];
    for (let e = firstEdge[o], end = firstEdge[o + 1]; e < end; e++) {
      if (edgeType[e] === edgeWeak) continue;
      const t = edgeTo[e];
      if (flags[t]) continue;
      flags[t] = PAGE_OBJECT;
      stack[top++] = t;
    }
  }
  return flags;
}

/**
 * Phase "retainers": compressed rows of retaining node ordinals, one entry per edge, with
 * bit 31 set when that edge does not retain (weak, non-root shortcut, non-page → page).
 */
export function buildRetainers(g: HeapGraph, onProgress?: ProgressFn, pageFlags?: Uint8Array): void {
  const n = g.nodeCount;
  const m = g.edgeCount;
  const { firstEdge, edgeTo, edgeType } = g;
  const { edgeWeak, edgeShortcut } = g.codes;
  const root = g.rootIndex;
  report(onProgress, 'retainers', 0, 3);
  const page = pageFlags ?? markPageObjects(g);
  report(onProgress, 'retainers', 1, 3);
  const first = new Uint32Array(n + 1);
  for (let e = 0; e < m; e++) first[edgeTo[e]]++;
  let sum = 0;
  for (let o = 0; o < n; o++) {
    const c = first[o];
    first[o] = sum;
    sum += c;
  }
  first[n] = sum;
  report(onProgress, 'retainers', 2, 3);
  const ret = new Uint32Array(m);
  // fill from the end of each row backwards so rows end up in ascending source order
  const fill = g.scratchPool ? scratch(g, 3) : new Uint32Array(n);
  fill.set(first.subarray(1, n + 1));
  for (let o = n - 1; o >= 0; o--) {
    const fromPage = page[o];
    for (let e = firstEdge[o + 1] - 1, start = firstEdge[o]; e >= start; e--) {
      const t = edgeTo[e];
      const et = edgeType[e];
      let v = o;
      if (et === edgeWeak || (et === edgeShortcut && o !== root) || (o !== root && page[t] && !fromPage)) v |= NON_ESSENTIAL;
      ret[--fill[t]] = v >>> 0;
    }
  }
  g.firstRetainer = first;
  g.retainerNode = ret;
  report(onProgress, 'retainers', 3, 3);
}

/** Phase "distances": BFS from the root over edges that retain (see module comment). */
export function computeDistances(g: HeapGraph, onProgress?: ProgressFn): void {
  const n = g.nodeCount;
  const { firstEdge, edgeTo, edgeType } = g;
  const { edgeWeak, edgeShortcut } = g.codes;
  const dist = new Int32Array(n).fill(-1);
  const queue = new Uint32Array(n);
  let head = 0;
  let tail = 0;
  const root = g.rootIndex;
  dist[root] = 0;
  queue[tail++] = root;
  const step = Math.max(1, n >>> 4);
  while (head < tail) {
    const o = queue[head++];
    const d = dist[o] + 1;
    for (let e = firstEdge[o], end = firstEdge[o + 1]; e < end; e++) {
      const et = edgeType[e];
      if (et === edgeWeak || (et === edgeShortcut && o !== root)) continue;
      const t = edgeTo[e];
      if (dist[t] !== -1) continue;
      dist[t] = d;
      queue[tail++] = t;
    }
    if (onProgress && head % step === 0) report(onProgress, 'distances', head, n);
  }
  g.distance = dist;
  report(onProgress, 'distances', n, n);
}

/** Reusable typed-array scratch space of one graph (avoids garbage between phases: memory matters). */
function scratch(g: HeapGraph, k: number): Uint32Array {
  const pool = (g.scratchPool ??= []);
  return (pool[k] ??= new Uint32Array(g.nodeCount + 1));
}

/** Frees the scratch space once the summary is computed. */
export function releaseScratch(g: HeapGraph): void {
  g.scratchPool = null;
}

/**
 * Phases "post-order", "dominators", "retained": the dominator tree by the iterative algorithm of
 * Cooper, Harvey and Kennedy, "A Simple, Fast Dominance Algorithm" (Software Practice &
 * Experience 4, 2001), which Chrome DevTools' heap snapshot worker also used: nodes are numbered
 * in depth-first post-order; in reverse post-order, the immediate dominator of v is recomputed
 * as the intersection, in the dominator tree built so far, of its retainers (two fingers walking
 * up by post-order number), repeated for nodes whose retainers changed until nothing changes.
 * (Pushing intersections along forward edges instead would save the retainer index, but an
 * estimate could then only move up and a wrong intermediate one can sustain itself in a cycle:
 * recomputing from all retainers is what makes the algorithm converge to the right tree.)
 * Retained size = self size + retained sizes of dominated nodes, summed in one post-order pass.
 */
export function computeDominators(g: HeapGraph, onProgress?: ProgressFn): void {
  const n = g.nodeCount;
  const root = g.rootIndex;
  const { firstEdge, edgeTo, edgeType, nodeSelfSize } = g;
  const { edgeWeak, edgeShortcut } = g.codes;
  const UNSET = 0xffffffff;
  report(onProgress, 'post-order', 0, n);
  const page = markPageObjects(g, scratch(g, 0));
  // post-order by an iterative DFS over the edges that retain
  const nodeToPost = new Uint32Array(n).fill(UNSET); // becomes the dominator array
  const postToNode = scratch(g, 0);
  const stackNode = scratch(g, 1);
  const stackEdge = scratch(g, 2);
  let post = 0;
  const dfs = (start: number) => {
    let top = 0;
    stackNode[0] = start;
    stackEdge[0] = firstEdge[start];
    nodeToPost[start] = UNSET - 1; // visited, not yet numbered
    while (top >= 0) {
      const o = stackNode[top];
      const e = stackEdge[top];
      if (e < firstEdge[o + 1]) {
        stackEdge[top] = e + 1;
        const et = edgeType[e];
        if (et === edgeWeak || et === edgeShortcut) continue; // o is never the root here
        const t = edgeTo[e];
        if (nodeToPost[t] !== UNSET) continue;
        if (page[t] && !page[o]) continue;
        nodeToPost[t] = UNSET - 1;
        top++;
        stackNode[top] = t;
        stackEdge[top] = firstEdge[t];
      } else {
        nodeToPost[o] = post;
        postToNode[post++] = o;
        top--;
      }
    }
  };
  // The root's subtree; the root itself is numbered last, after the nodes attached to it.
  nodeToPost[root] = UNSET - 1;
  for (let e = firstEdge[root]; e < firstEdge[root + 1]; e++) {
    if (edgeType[e] === edgeWeak) continue;
    const t = edgeTo[e];
    if (nodeToPost[t] === UNSET) dfs(t);
  }
  // Nodes retained only by weak or shortcut edges hang off the root, with what they reach.
  const attached = new Uint8Array(n);
  if (post < n - 1) {
    const strong = new Uint8Array(n);
    for (let e = 0; e < g.edgeCount; e++) {
      const et = edgeType[e];
      if (et !== edgeWeak && et !== edgeShortcut) strong[edgeTo[e]] = 1;
    }
    for (let o = 0; o < n; o++) {
      if (nodeToPost[o] === UNSET && !strong[o]) {
        attached[o] = 1;
        dfs(o);
      }
    }
    // Whatever is left is retained only by nodes like it: dominated by the root, not walked.
    for (let o = 0; o < n; o++) {
      if (nodeToPost[o] === UNSET) {
        attached[o] = 2;
        nodeToPost[o] = post;
        postToNode[post++] = o;
      }
    }
  }
  nodeToPost[root] = post;
  postToNode[post++] = root;
  report(onProgress, 'post-order', n, n);

  // dominators, indexed by post-order number
  if (!g.retainerNode) buildRetainers(g, onProgress, page);
  const firstRetainer = g.firstRetainer!;
  const retainerNode = g.retainerNode!;
  const rootPost = n - 1;
  const doms = stackNode;
  doms.fill(UNSET);
  doms[rootPost] = rootPost;
  for (let o = 0; o < n; o++) if (attached[o]) doms[nodeToPost[o]] = rootPost;
  const affected = attached; // reuse as the work list, indexed by post-order: 1 = recompute
  affected.fill(1);
  let changed = true;
  let pass = 0;
  while (changed) {
    changed = false;
    pass++;
    for (let p = rootPost - 1; p >= 0; p--) {
      if (!affected[p]) continue;
      affected[p] = 0;
      if (doms[p] === rootPost) continue;
      const o = postToNode[p];
      let idom = UNSET;
      for (let r = firstRetainer[o], end = firstRetainer[o + 1]; r < end; r++) {
        const v = retainerNode[r];
        if (v & NON_ESSENTIAL) continue;
        let f1 = nodeToPost[v];
        if (doms[f1] === UNSET) continue; // not reached (yet), or not walked
        if (idom === UNSET) {
          idom = f1;
        } else {
          let f2 = idom;
          while (f1 !== f2) {
            while (f1 < f2) f1 = doms[f1];
            while (f2 < f1) f2 = doms[f2];
          }
          idom = f1;
        }
        if (idom === rootPost) break;
      }
      if (idom !== UNSET && doms[p] !== idom) {
        doms[p] = idom;
        changed = true;
        for (let e = firstEdge[o], end = firstEdge[o + 1]; e < end; e++) affected[nodeToPost[edgeTo[e]]] = 1;
      }
    }
    report(onProgress, 'dominators', pass, pass + (changed ? 1 : 0));
  }

  // retained sizes in post-order; dominators by node ordinal (reusing nodeToPost's array)
  const retained = new Float64Array(n);
  for (let o = 0; o < n; o++) retained[o] = nodeSelfSize[o];
  const dominator = nodeToPost;
  for (let p = 0; p < rootPost; p++) {
    const o = postToNode[p];
    const d = doms[p];
    const dn = d === UNSET ? root : postToNode[d];
    dominator[o] = dn;
    retained[dn] += retained[o];
  }
  dominator[root] = root;
  g.dominator = dominator;
  g.retainedSize = retained;
  report(onProgress, 'retained', n, n);
}

/** Phase "classes": class id per node (objects by constructor name, others by type group). */
export function assignClasses(g: HeapGraph, onProgress?: ProgressFn): void {
  const n = g.nodeCount;
  const { nodeType, nodeName, strings, meta } = g;
  const { nodeObject, nodeNative } = g.codes;
  const classOf = new Uint32Array(n);
  const names: string[] = [];
  const byName = new Map<string, number>();
  const idOf = (name: string) => {
    let id = byName.get(name);
    if (id === undefined) {
      id = names.length;
      names.push(name);
      byName.set(name, id);
    }
    return id;
  };
  const typeClass = meta.nodeTypes.map((t) => idOf(typeClassName(t)));
  const stringClass = new Int32Array(strings.length).fill(-1);
  for (let o = 0; o < n; o++) {
    const t = nodeType[o];
    if (t === nodeObject || t === nodeNative) {
      const s = nodeName[o];
      let c = stringClass[s];
      if (c < 0) c = stringClass[s] = idOf(strings[s]);
      classOf[o] = c;
    } else {
      classOf[o] = typeClass[t];
    }
  }
  g.classOf = classOf;
  g.classNames = names;
  report(onProgress, 'classes', n, n);
}

function typeClassName(t: string): string {
  const map: Record<string, string> = {
    hidden: '(system)',
    array: '(array)',
    string: '(string)',
    code: '(compiled code)',
    closure: '(closure)',
    regexp: '(regexp)',
    number: '(number)',
    synthetic: '(synthetic)',
    'concatenated string': '(concatenated string)',
    'sliced string': '(sliced string)',
    bigint: '(bigint)',
    symbol: '(symbol)',
    'object shape': '(object shape)',
  };
  return map[t] ?? `(${t})`;
}

/**
 * Per-class count, self size and retained size. A class's retained size is, as in DevTools, the
 * sum of retained sizes of its instances that are not dominated by another instance of the same
 * class (walking the dominator tree from the root with the classes on the current path); nodes
 * of zero self size (other than native ones) are not counted as instances there.
 */
export function classSummary(g: HeapGraph, onProgress?: ProgressFn): HeapClassSummary[] {
  analyse(g, onProgress);
  const n = g.nodeCount;
  const classOf = g.classOf!;
  const names = g.classNames!;
  const k = names.length;
  const count = new Float64Array(k);
  const self = new Float64Array(k);
  const ret = new Float64Array(k);
  const sizes = g.nodeSelfSize;
  for (let o = 0; o < n; o++) {
    const c = classOf[o];
    count[c]++;
    self[c] += sizes[o];
  }
  // Dominator tree in compressed rows, walked in pre-order; a node's subtree is then the
  // pre-order interval [pre, pre + size). Visiting in pre-order, an instance is counted unless it
  // lies inside the interval of the last counted instance of its class (intervals of counted
  // instances of one class are disjoint, so one interval end per class suffices).
  const dom = g.dominator!;
  const root = g.rootIndex;
  const firstDom = scratch(g, 0);
  firstDom.fill(0);
  for (let o = 0; o < n; o++) if (o !== root) firstDom[dom[o]]++;
  let sum = 0;
  for (let o = 0; o < n; o++) {
    const c = firstDom[o];
    firstDom[o] = sum;
    sum += c;
  }
  firstDom[n] = sum;
  const children = scratch(g, 1);
  const fill = scratch(g, 2);
  fill.set(firstDom);
  for (let o = 0; o < n; o++) if (o !== root) children[fill[dom[o]]++] = o;
  const stack = fill; // reuse: fill is done
  const order = scratch(g, 3);
  let top = 0;
  let count_ = 0;
  stack[top++] = root;
  while (top > 0) {
    const v = stack[--top];
    order[count_++] = v;
    for (let i = firstDom[v], end = firstDom[v + 1]; i < end; i++) stack[top++] = children[i];
  }
  // subtree sizes, by node ordinal (firstDom's space is free now)
  const size = firstDom;
  size.fill(1);
  for (let i = count_ - 1; i > 0; i--) {
    const v = order[i];
    size[dom[v]] += size[v];
  }
  const intervalEnd = new Float64Array(k);
  const retained = g.retainedSize!;
  const t = g.nodeType;
  const native = g.codes.nodeNative;
  for (let i = 0; i < count_; i++) {
    const v = order[i];
    const c = classOf[v];
    if (i < intervalEnd[c]) continue;
    if (sizes[v] === 0 && t[v] !== native) continue;
    ret[c] += retained[v];
    intervalEnd[c] = i + size[v];
  }
  releaseScratch(g);
  const out: HeapClassSummary[] = [];
  for (let c = 0; c < k; c++) {
    if (count[c] > 0) out.push({ name: names[c], count: count[c], selfSize: self[c], retainedSize: ret[c] });
  }
  out.sort((a, b) => b.retainedSize - a.retainedSize || b.selfSize - a.selfSize);
  report(onProgress, 'summary', k, k);
  return out;
}
