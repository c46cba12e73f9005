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
import { HeapGraph } from './graph';
import { computeClasses, type NodeClasses } from './classes';
import { markPageObjects, PAGE_OBJECT } from './pageObjects';

export type ProgressFn = (p: HeapProgress) => void;

const NON_ESSENTIAL = 0x80000000;
export const RETAINER_ORDINAL_MASK = 0x7fffffff;
export const RETAINER_NON_ESSENTIAL = NON_ESSENTIAL;

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

/** DevTools' page objects (see pageObjects.ts): marked by the parse worker, or here. */
function pageObjectsOf(g: HeapGraph, stack?: Uint32Array): Uint8Array {
  const marked = g.pageFlags;
  if (marked && marked.length === g.nodeCount) {
    g.pageFlags = null;
    return marked;
  }
  return markPageObjects(g, g.codes.edgeWeak, g.codes.edgeShortcut, stack);
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
  const page = pageFlags ?? pageObjectsOf(g);
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
function scratch(g: HeapGraph, k: number, length = g.nodeCount + 1): Uint32Array {
  const pool = (g.scratchPool ??= []);
  const a = pool[k];
  if (a && a.length >= length) return a;
  return (pool[k] = new Uint32Array(length));
}

/** Frees the scratch space once the summary is computed. */
export function releaseScratch(g: HeapGraph): void {
  g.scratchPool = null;
}

/** A stack of u32 that starts small and doubles (depths are usually far below the node count). */
function growStack(s: Uint32Array, max: number): Uint32Array {
  const b = new Uint32Array(Math.min(max, s.length * 2));
  b.set(s);
  return b;
}

/** In the dominator phase's `doms`: no dominator yet (UNSET is one of these values). */
const SINGLE = 0x80000000;
/** A node with one retainer, before that retainer is filled in. */
const SINGLE_PENDING = 0xfffffffe;
/** In `firstPred` while the rows are filled: the (empty) row of a node with a single retainer. */
const ROW_SINGLE = 0x80000000;
const ROW_MASK = 0x7fffffff;
const F_PAGE = PAGE_OBJECT;
const F_ATTACHED = 2; // retained only by weak or shortcut edges: hangs off the root, walked
const F_ROOT_ONLY = 4; // left over after every walk: dominated by the root, not walked
const F_STRONG = 8; // has a retainer through an edge that is neither weak nor shortcut

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
 * The retainers used here are a private index in post-order numbers holding only the edges
 * that retain (in the order `buildRetainers` lists them), dropped afterwards: the full
 * retainer index of the queries (`buildRetainers`) is built only when a query needs it. The
 * DFS counts them as it walks; nodes with a single retainer (about 80 % of them) get no row:
 * that retainer waits, tagged, in their dominator slot (the intersection over one retainer is
 * that retainer, so the iterations are exactly those of the full index).
 * Retained size = self size + retained sizes of dominated nodes, summed in one post-order pass.
 */
export function computeDominators(g: HeapGraph, onProgress?: ProgressFn): void {
  const n = g.nodeCount;
  const root = g.rootIndex;
  const { firstEdge, edgeTo, edgeType, nodeSelfSize } = g;
  const { edgeWeak, edgeShortcut } = g.codes;
  const UNSET = 0xffffffff;
  report(onProgress, 'post-order', 0, n);
  const postToNode = scratch(g, 0);
  // one byte of flags per node ordinal (F_*)
  const flags = pageObjectsOf(g, postToNode);
  // `doms` and `firstPred` (below) share one buffer of 8(n+1) bytes that holds the retained sizes
  // (f64) afterwards; during the DFS, `doms`' space counts the retaining edges into each node
  const shared = new ArrayBuffer(8 * (n + 1));
  const doms = new Uint32Array(shared, 0, n + 1);
  const firstPred = new Uint32Array(shared, 4 * (n + 1), n + 1);
  const inCount = doms; // by node ordinal, until the rows are laid out
  // post-order by an iterative DFS over the edges that retain
  const nodeToPost = new Uint32Array(n).fill(UNSET); // becomes the dominator array
  let stackNode: Uint32Array = new Uint32Array(Math.min(n, 1 << 16));
  let stackEdge: Uint32Array = new Uint32Array(stackNode.length);
  let post = 0;
  const dfs = (start: number) => {
    let top = 0;
    stackNode[0] = start;
    stackEdge[0] = firstEdge[start];
    nodeToPost[start] = UNSET - 1; // visited, not yet numbered
    while (top >= 0) {
      // the edges of the node on top, up to the first target not visited yet
      const o = stackNode[top];
      const end = firstEdge[o + 1];
      const fromPage = flags[o] & F_PAGE;
      let e = stackEdge[top];
      let t = -1;
      for (; e < end; e++) {
        const et = edgeType[e];
        if (et === edgeWeak || et === edgeShortcut) continue; // o is never the root here
        const x = edgeTo[e];
        // (a page object's target needs no look: only non-page → page edges are refused)
        if (!fromPage && flags[x] & F_PAGE) {
          flags[x] |= F_STRONG; // a strong retainer all the same (see below)
          continue;
        }
        inCount[x]++; // every walked node's edges are seen once here: the retainer counts
        if (nodeToPost[x] !== UNSET) continue;
        t = x;
        break;
      }
      if (t < 0) {
        nodeToPost[o] = post;
        postToNode[post++] = o;
        top--;
        continue;
      }
      stackEdge[top] = e + 1;
      nodeToPost[t] = UNSET - 1;
      top++;
      if (top === stackNode.length) {
        stackNode = growStack(stackNode, n);
        stackEdge = growStack(stackEdge, n);
      }
      stackNode[top] = t;
      stackEdge[top] = firstEdge[t];
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
  let rootOnly = 0;
  if (post < n - 1) {
    // F_STRONG of the nodes not reached: a strong edge into one of them from a walked node is one
    // the DFS did not take, i.e. from a non-page into a page object (marked by the DFS); the root
    // reached every node it has a non-weak edge to; what is left are the edges of the nodes not
    // reached themselves.
    for (let o = 0; o < n; o++) {
      if (nodeToPost[o] !== UNSET) continue;
      for (let e = firstEdge[o], end = firstEdge[o + 1]; e < end; e++) {
        const et = edgeType[e];
        if (et !== edgeWeak && et !== edgeShortcut) flags[edgeTo[e]] |= F_STRONG;
      }
    }
    for (let o = 0; o < n; o++) {
      if (nodeToPost[o] === UNSET && !(flags[o] & F_STRONG)) {
        flags[o] |= F_ATTACHED;
        dfs(o);
      }
    }
    // Whatever is left is retained only by nodes like it: dominated by the root, not walked.
    for (let o = 0; o < n; o++) {
      if (nodeToPost[o] === UNSET) {
        flags[o] |= F_ROOT_ONLY;
        rootOnly++;
        nodeToPost[o] = post;
        postToNode[post++] = o;
      }
    }
  }
  stackNode = stackEdge = new Uint32Array(0);
  nodeToPost[root] = post;
  postToNode[post++] = root;
  report(onProgress, 'post-order', n, n);

  // The retaining edges by target post-order number, as post-order numbers of their sources,
  // each row in ascending source ordinal, except for the nodes with a single retainer (most of
  // them): their row is empty and that retainer is kept in `doms`, tagged (SINGLE | source) as
  // long as the node has no dominator: CHK's intersection over one retainer is that retainer.
  // The DFS counted the retaining edges of the nodes it walked: add those of the root and of the
  // nodes it did not walk.
  report(onProgress, 'retainers', 0, 2);
  for (let e = firstEdge[root], end = firstEdge[root + 1]; e < end; e++) if (edgeType[e] !== edgeWeak) inCount[edgeTo[e]]++;
  for (let o = 0; rootOnly > 0 && o < n; o++) {
    if (!(flags[o] & F_ROOT_ONLY)) continue;
    rootOnly--;
    const fromPage = flags[o] & F_PAGE;
    for (let e = firstEdge[o], end = firstEdge[o + 1]; e < end; e++) {
      const et = edgeType[e];
      if (et === edgeWeak || et === edgeShortcut) continue;
      const t = edgeTo[e];
      if (!fromPage && flags[t] & F_PAGE) continue;
      inCount[t]++;
    }
  }
  for (let o = 0; o < n; o++) firstPred[nodeToPost[o]] = inCount[o];
  // from here on `doms` (by post-order number) is UNSET or tagged: both >= SINGLE mean no dominator yet
  doms.fill(UNSET);
  // firstPred[p] = end of row p; filling backwards leaves it at the start of row p. The empty
  // rows of nodes with a single retainer are marked (ROW_SINGLE), so the fill tells them apart
  // by the one row bound it reads anyway (CHK masks the mark off).
  let total = 0;
  for (let p = 0; p < n; p++) {
    const c = firstPred[p];
    if (c === 1) {
      doms[p] = SINGLE_PENDING;
      firstPred[p] = (total | ROW_SINGLE) >>> 0;
    } else {
      total += c;
      firstPred[p] = total;
    }
  }
  if (total > ROW_MASK) throw new Error(`the heap graph has ${total} references that retain: more than this engine handles (2^31)`);
  firstPred[n] = total;
  report(onProgress, 'retainers', 1, 2);
  const pred = scratch(g, 1, Math.max(total, 2 * (n + 1))); // reused by classSummary
  // The work list of the second dominator pass, by post-order number (see below).
  const again = new Uint8Array(n);
  for (let o = n - 1; o >= 0; o--) {
    const fromPage = flags[o] & F_PAGE;
    const isRoot = o === root;
    const po = nodeToPost[o];
    const marks = !isRoot && !(flags[o] & (F_ATTACHED | F_ROOT_ONLY));
    for (let e = firstEdge[o + 1] - 1, start = firstEdge[o]; e >= start; e--) {
      const t = edgeTo[e];
      const pt = nodeToPost[t];
      if (marks && pt >= po) again[pt] = 1;
      const et = edgeType[e];
      if (et === edgeWeak || (et === edgeShortcut && !isRoot)) continue;
      if (!fromPage && !isRoot && flags[t] & F_PAGE) continue;
      const at = firstPred[pt];
      if (at >= ROW_SINGLE) doms[pt] = (SINGLE | po) >>> 0;
      else pred[(firstPred[pt] = at - 1)] = po;
    }
  }
  report(onProgress, 'retainers', 2, 2);

  // dominators, indexed by post-order number
  const rootPost = n - 1;
  doms[rootPost] = rootPost;
  for (let o = 0; o < n; o++) if (flags[o] & (F_ATTACHED | F_ROOT_ONLY)) doms[nodeToPost[o]] = rootPost;
  // As in DevTools, a node whose dominator changes puts the targets of all its edges on the work
  // list (the results are DevTools' to the byte only with exactly this work list). In the first
  // pass every node but the root and the nodes attached to it changes (each gets its first
  // dominator), and of the targets it marks only those numbered at or above it are still to be
  // marked once it is done: that set (`again`) was noted while the rows were filled, so the
  // first pass walks no edges.
  const affected = again;
  let changed = true;
  let pass = 0;
  while (changed) {
    changed = pass === 0;
    pass++;
    const first = pass === 1;
    for (let p = rootPost - 1; p >= 0; p--) {
      if (!first) {
        if (!affected[p]) continue;
        affected[p] = 0;
      }
      const d0 = doms[p];
      if (d0 === rootPost) continue;
      let idom = UNSET;
      if (d0 >= SINGLE && d0 !== UNSET) {
        // a single retainer (its row is empty)
        const f1 = d0 & RETAINER_ORDINAL_MASK;
        if (doms[f1] < SINGLE) idom = f1;
      }
      for (let r = firstPred[p] & ROW_MASK, end = firstPred[p + 1] & ROW_MASK; r < end; r++) {
        let f1 = pred[r];
        if (doms[f1] >= SINGLE) continue; // not reached (yet), or not walked
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
        if (first) continue;
        const o = postToNode[p];
        for (let e = firstEdge[o], end = firstEdge[o + 1]; e < end; e++) affected[nodeToPost[edgeTo[e]]] = 1;
      }
    }
    report(onProgress, 'dominators', pass, pass + (changed ? 1 : 0));
  }

  // dominators by node ordinal (in nodeToPost's array), then retained sizes in post-order,
  // as f64 in the buffer of doms and firstPred (both done with by then)
  const dominator = nodeToPost;
  for (let p = 0; p < rootPost; p++) {
    const d = doms[p];
    dominator[postToNode[p]] = d >= SINGLE ? root : postToNode[d];
  }
  dominator[root] = root;
  const retained = new Float64Array(shared, 0, n);
  for (let o = 0; o < n; o++) retained[o] = nodeSelfSize[o];
  for (let p = 0; p < rootPost; p++) {
    const o = postToNode[p];
    retained[dominator[o]] += retained[o];
  }
  g.dominator = dominator;
  g.retainedSize = retained;
  // the post-order array becomes the class ids (assignClasses), unless they are there already
  if (g.classOf && g.scratchPool) g.scratchPool[0] = new Uint32Array(0);
  report(onProgress, 'retained', n, n);
}

/** Phase "classes": class id per node (objects by constructor name, others by type group). */
export function assignClasses(g: HeapGraph, onProgress?: ProgressFn): void {
  const n = g.nodeCount;
  // the dominator phase's post-order array is free by now: it becomes the class array; the
  // retainer space, free until classSummary, holds the class ids by name string
  const pool = g.scratchPool;
  let classOf: Uint32Array;
  if (pool && pool[0] && pool[0].length >= n) {
    classOf = pool[0].subarray(0, n);
    pool[0] = new Uint32Array(0);
  } else {
    classOf = new Uint32Array(n);
  }
  const spare = pool && pool[1] && pool[1].length >= g.strings.length ? pool[1] : null;
  setClasses(g, computeClasses(g, classOf, spare));
  report(onProgress, 'classes', n, n);
}

/** Attaches class ids computed by `computeClasses` to their graph. */
export function setClasses(g: HeapGraph, c: NodeClasses): void {
  g.classOf = c.classOf;
  g.classNames = c.names;
  g.classTotals = { count: c.count, self: c.self };
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
  const { count, self } = g.classTotals!;
  const ret = new Float64Array(k);
  const sizes = g.nodeSelfSize;
  // Dominator tree in compressed rows (children by parent), in one scratch array of 2(n+1): the
  // dominator phase's retainers, when they are there.
  const dom = g.dominator!;
  const root = g.rootIndex;
  const big0 = scratch(g, 1, 2 * (n + 1));
  const firstDom = big0.subarray(0, n + 1);
  firstDom.fill(0);
  for (let o = 0; o < n; o++) if (o !== root) firstDom[dom[o]]++;
  // firstDom[o] = end of row o; filling rows backwards leaves it at the start of row o
  let sum = 0;
  for (let o = 0; o < n; o++) {
    sum += firstDom[o];
    firstDom[o] = sum;
  }
  firstDom[n] = sum;
  const children = big0.subarray(n + 1, 2 * (n + 1));
  for (let o = n - 1; o >= 0; o--) if (o !== root) children[--firstDom[dom[o]]] = o;
  // Depth-first over the tree, an instance counts unless an instance of its class that counted
  // is among its ancestors (`open[c]`: how many are): a counted instance is tagged on the stack
  // and closes its class on the way back up.
  const TAG = 0x80000000;
  const open = new Uint32Array(k);
  const retained = g.retainedSize!;
  const t = g.nodeType;
  const native = g.codes.nodeNative;
  let stackNode: Uint32Array = new Uint32Array(Math.min(n, 1 << 16));
  let stackNext: Uint32Array = new Uint32Array(stackNode.length);
  let top = 0;
  let v = root;
  for (;;) {
    // enter v (a node with children)
    const c = classOf[v];
    let tag = 0;
    if (open[c] === 0 && (sizes[v] !== 0 || t[v] === native)) {
      ret[c] += retained[v];
      open[c]++;
      tag = TAG;
    }
    stackNode[top] = (v | tag) >>> 0;
    stackNext[top] = firstDom[v];
    // down to the next child with children of its own (leaves, most nodes, are counted on the
    // way), leaving the nodes that have no more
    v = -1;
    while (top >= 0) {
      const x = stackNode[top];
      const u = x & RETAINER_ORDINAL_MASK;
      let i = stackNext[top];
      const end = firstDom[u + 1];
      for (; i < end; i++) {
        const w = children[i];
        if (firstDom[w] !== firstDom[w + 1]) {
          v = w;
          break;
        }
        const cw = classOf[w];
        if (open[cw] === 0 && (sizes[w] !== 0 || t[w] === native)) ret[cw] += retained[w];
      }
      if (v >= 0) {
        stackNext[top] = i + 1;
        break;
      }
      if (x >= TAG) open[classOf[u]]--;
      top--;
    }
    if (v < 0) break;
    if (++top === stackNode.length) {
      stackNode = growStack(stackNode, n);
      stackNext = growStack(stackNext, n);
    }
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
