/**
 * Graph analyses over the flat arrays of a `HeapGraph`, run as named phases that report progress:
 * depth-first → dominators → retained sizes → classes (what questions about one object need
 * besides, the distances and the retainer index, is in queryIndexes.ts).
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
import { mark } from './timeline';

export type ProgressFn = (p: HeapProgress) => void;

const NON_ESSENTIAL = 0x80000000;
export const RETAINER_ORDINAL_MASK = 0x7fffffff;
export const RETAINER_NON_ESSENTIAL = NON_ESSENTIAL;

/** Runs every phase the summary needs (idempotent: computed parts are kept on the graph). */
export function analyse(g: HeapGraph, onProgress?: ProgressFn): void {
  if (!g.dominator) computeDominators(g, onProgress);
  if (!g.classOf) assignClasses(g, onProgress);
}

export function report(onProgress: ProgressFn | undefined, phase: string, done: number, total: number): void {
  if (onProgress) onProgress({ phase, done, total });
}

/** DevTools' page objects (see pageObjects.ts): marked by the parse worker, or here. */
export function pageObjectsOf(g: HeapGraph, stack?: Uint32Array): Uint8Array {
  const marked = g.pageFlags;
  if (marked && marked.length === g.nodeCount) {
    g.pageFlags = null;
    return marked;
  }
  return markPageObjects(g, g.codes.edgeWeak, g.codes.edgeShortcut, stack);
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

const F_PAGE = PAGE_OBJECT;
const F_STRONG = 8; // has a retainer through an edge that is neither weak nor shortcut

/**
 * Phases "depth-first", "retainers", "dominators", "retained": the dominator tree of the graph of
 * the edges that retain (see the module comment), plus an edge from the root to every node it
 * attaches, by Semi-NCA (Georgiadis, "Linear-Time Algorithms for Dominators and Related
 * Problems", PhD thesis, Princeton 2005; the algorithm of LLVM's dominator trees): the
 * semi-dominators of Lengauer and Tarjan ("A Fast Algorithm for Finding Dominators in a
 * Flowgraph", TOPLAS 1979, with path compression), then each immediate dominator as the nearest
 * common ancestor of the node's semi-dominator and its depth-first parent, found by walking up
 * the dominators found so far. Near-linear where the iteration of Cooper, Harvey and Kennedy that
 * Chrome DevTools used (and this engine before) is quadratic on long chains; the dominator tree
 * of a graph is unique, so the results are the same to the byte.
 * Nodes are numbered in depth-first pre-order, the root 0. The retainers used are a private
 * index by those numbers of the edges that retain, dropped afterwards (the full retainer index of
 * the queries, `buildRetainers`, is built apart), without the edges whose source cannot lower the
 * semi-dominator: any into a node whose parent is the root (the root is its semi-dominator), and
 * those from a source numbered from the node's depth-first parent up to the node (the parent is
 * the starting value; a source numbered below the node is its own candidate). Most nodes thus
 * get an empty row. Memory: 17 bytes per node plus 4 per row entry and per node (semi-dominators
 * after the rows, in the scratch array classSummary reuses), about what the iteration took.
 * Retained size = self size + retained sizes of dominated nodes, summed in reverse pre-order
 * (a dominator is a depth-first ancestor, numbered lower).
 */
export function computeDominators(g: HeapGraph, onProgress?: ProgressFn): void {
  const n = g.nodeCount;
  const root = g.rootIndex;
  const { firstEdge, edgeTo, edgeType, nodeSelfSize } = g;
  const { edgeWeak, edgeShortcut } = g.codes;
  const UNSET = 0xffffffff;
  report(onProgress, 'depth-first', 0, n);
  const preToNode = scratch(g, 0);
  // one byte of flags per node ordinal (F_*)
  const flags = pageObjectsOf(g, preToNode);
  // `label` and `firstPred` (below) share one buffer of 8(n+1) bytes that holds the retained
  // sizes (f64) afterwards; during the walk, `firstPred` counts the retaining edges into each node
  const shared = new ArrayBuffer(8 * (n + 1));
  const label = new Uint32Array(shared, 0, n + 1);
  const firstPred = new Uint32Array(shared, 4 * (n + 1), n + 1);
  // the depth-first parents by number, in `label` until the semi-dominators need it
  const parent = label;
  const nodeToPre = new Uint32Array(n).fill(UNSET); // becomes the path-compression forest, then the dominator array
  let stackNode: Uint32Array = new Uint32Array(Math.min(n, 1 << 16));
  let stackEdge: Uint32Array = new Uint32Array(stackNode.length);
  let next = 0;
  const number = (o: number, p: number) => {
    nodeToPre[o] = next;
    preToNode[next] = o;
    parent[next++] = p;
  };
  // A retaining edge into a numbered node `x` from the node numbered `p`, not taken by the walk:
  // counted unless it cannot lower x's semi-dominator: x's parent is the root, or p is numbered
  // between x's parent and x (a source numbered below x is its own candidate, the parent the
  // starting value).
  const countEdge = (x: number, p: number) => {
    const px = nodeToPre[x];
    const q = parent[px];
    if (q !== 0 && (p < q || p > px)) firstPred[px]++;
  };
  const dfs = (start: number) => {
    let top = 0;
    stackNode[0] = start;
    stackEdge[0] = firstEdge[start];
    while (top >= 0) {
      // the edges of the node on top, up to the first target not numbered yet
      const o = stackNode[top];
      const po = nodeToPre[o];
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
        if (nodeToPre[x] !== UNSET) {
          countEdge(x, po);
          continue;
        }
        t = x;
        break;
      }
      if (t < 0) {
        top--;
        continue;
      }
      stackEdge[top] = e + 1;
      number(t, po);
      top++;
      if (top === stackNode.length) {
        stackNode = growStack(stackNode, n);
        stackEdge = growStack(stackEdge, n);
      }
      stackNode[top] = t;
      stackEdge[top] = firstEdge[t];
    }
  };
  // The root's subtree, in the order of the root's edges (all but weak ones retain).
  number(root, 0);
  for (let e = firstEdge[root]; e < firstEdge[root + 1]; e++) {
    if (edgeType[e] === edgeWeak) continue;
    const t = edgeTo[e];
    if (nodeToPre[t] === UNSET) {
      number(t, 0);
      dfs(t);
    } else countEdge(t, 0);
  }
  // Nodes retained only by weak or shortcut edges hang off the root, with what they reach.
  if (next < n) {
    // F_STRONG of the nodes not reached: a strong edge into one of them from a walked node is one
    // the walk did not take, i.e. from a non-page into a page object (marked by the walk); the
    // root reached every node it has a non-weak edge to; what is left are the edges of the nodes
    // not reached themselves.
    for (let o = 0; o < n; o++) {
      if (nodeToPre[o] !== UNSET) continue;
      for (let e = firstEdge[o], end = firstEdge[o + 1]; e < end; e++) {
        const et = edgeType[e];
        if (et !== edgeWeak && et !== edgeShortcut) flags[edgeTo[e]] |= F_STRONG;
      }
    }
    for (let o = 0; o < n; o++) {
      if (nodeToPre[o] === UNSET && !(flags[o] & F_STRONG)) {
        number(o, 0);
        dfs(o);
      }
    }
    // Whatever is left is retained only by nodes like it: dominated by the root, not walked; their
    // edges into walked nodes count.
    const walked = next;
    for (let o = 0; o < n; o++) if (nodeToPre[o] === UNSET) number(o, 0);
    for (let p = walked; p < n; p++) {
      const o = preToNode[p];
      const fromPage = flags[o] & F_PAGE;
      for (let e = firstEdge[o], end = firstEdge[o + 1]; e < end; e++) {
        const et = edgeType[e];
        if (et === edgeWeak || et === edgeShortcut) continue;
        const t = edgeTo[e];
        if (!fromPage && flags[t] & F_PAGE) continue;
        countEdge(t, p);
      }
    }
  }
  stackNode = stackEdge = new Uint32Array(0);
  report(onProgress, 'depth-first', n, n);
  mark('dominators: dfs done');

  // The rows of retaining edges by target number, as numbers of their sources (in no particular
  // order: only their minimum semi-dominator matters), filled backwards from the rows' ends.
  report(onProgress, 'retainers', 0, 2);
  let total = 0;
  for (let p = 0; p < n; p++) {
    total += firstPred[p];
    firstPred[p] = total;
  }
  if (total > 0xfffffffe) throw new Error(`the heap graph has ${total} references that retain: more than this engine handles (2^32)`);
  firstPred[n] = total;
  report(onProgress, 'retainers', 1, 2);
  // the rows, then the semi-dominators (by number); reused by classSummary
  const pred = scratch(g, 1, Math.max(total + n, 2 * (n + 1)));
  for (let o = 0; o < n; o++) {
    const fromPage = flags[o] & F_PAGE;
    const isRoot = o === root;
    const po = nodeToPre[o];
    for (let e = firstEdge[o], end = firstEdge[o + 1]; e < end; e++) {
      const et = edgeType[e];
      if (et === edgeWeak || (et === edgeShortcut && !isRoot)) continue;
      const t = edgeTo[e];
      if (!fromPage && !isRoot && flags[t] & F_PAGE) continue;
      const pt = nodeToPre[t];
      const q = parent[pt];
      if (q !== 0 && (po < q || po > pt)) pred[--firstPred[pt]] = po;
    }
  }
  report(onProgress, 'retainers', 2, 2);
  mark('dominators: rows done');

  // Semi-dominators, in reverse pre-order. The nodes numbered above w are linked to their parents
  // in a forest (`ancestor`, compressed as it is searched: only linked nodes change, so w's entry
  // is still its parent when w's turn comes); `label[v]` is the node of least semi-dominator on
  // v's compressed path. The parent of w moves to firstPred[w + 1], free once w's row is read.
  const ancestor = nodeToPre;
  ancestor.set(parent.subarray(0, n));
  const semi = pred.subarray(total, total + n); // becomes the immediate dominators, by number
  for (let p = 0; p < n; p++) semi[p] = label[p] = p;
  let path: Uint32Array = new Uint32Array(Math.min(n, 1 << 10));
  const step = Math.max(1, n >>> 4);
  for (let w = n - 1; w >= 1; w--) {
    const pw = ancestor[w];
    let s = pw;
    if (s !== 0) {
      for (let r = firstPred[w], end = firstPred[w + 1]; r < end; r++) {
        const v = pred[r];
        let u = v;
        if (ancestor[v] > w) {
          // v is linked: compress its path up to the last linked node x (x's ancestor is not linked)
          let top = 0;
          let x = v;
          do {
            if (top === path.length) path = growStack(path, n);
            path[top++] = x;
            x = ancestor[x];
          } while (ancestor[x] > w);
          const top0 = ancestor[x];
          let least = label[x];
          do {
            const y = path[--top];
            ancestor[y] = top0;
            const ly = label[y];
            if (semi[least] < semi[ly]) label[y] = least;
            else least = ly;
          } while (top > 0);
        }
        u = label[v];
        if (semi[u] < s) s = semi[u];
      }
    }
    semi[w] = s;
    firstPred[w + 1] = pw;
    if (onProgress && w % step === 0) report(onProgress, 'dominators', n - w, 2 * n);
  }
  path = new Uint32Array(0);
  mark('dominators: semi done');
  // Immediate dominators, in pre-order: the nearest common ancestor of the semi-dominator and
  // the parent, up the dominators already found (kept in `semi`).
  const idom = semi;
  for (let w = 1; w < n; w++) {
    const sd = semi[w];
    let c = firstPred[w + 1];
    while (c > sd) c = idom[c];
    idom[w] = c;
  }
  report(onProgress, 'dominators', 2 * n, 2 * n);

  // dominators by node ordinal (in the forest's array), then retained sizes in reverse pre-order,
  // as f64 in the buffer of label and firstPred (both done with by then)
  const dominator = ancestor;
  for (let p = 1; p < n; p++) dominator[preToNode[p]] = preToNode[idom[p]];
  dominator[root] = root;
  const retained = new Float64Array(shared, 0, n);
  for (let o = 0; o < n; o++) retained[o] = nodeSelfSize[o];
  for (let p = n - 1; p >= 1; p--) {
    const o = preToNode[p];
    retained[dominator[o]] += retained[o];
  }
  g.dominator = dominator;
  g.retainedSize = retained;
  // the page objects (bit PAGE_OBJECT of the flags), kept for the retainer index (n bytes)
  g.pageFlags = flags;
  // the pre-order array becomes the class ids (assignClasses), unless they are there already
  if (g.classOf && g.scratchPool) g.scratchPool[0] = new Uint32Array(0);
  report(onProgress, 'retained', n, n);
  mark('dominators: retained done');
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
  mark('summary: tree rows done');
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
