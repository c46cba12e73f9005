/**
 * The indexes that questions about one object need, apart from the class list's analyses: the
 * distances from the root (with the retainer each shortest path takes), the retainer index, the
 * objects by id. Seconds on tens of millions of objects, so each is built in steps (a generator
 * that yields every so often): the heap worker runs them a slice at a time between requests once
 * the class list is out (`stepQueryIndexes`), and a question that needs one finishes just that one
 * (`ensureDistances`, `ensureRetainerIndex`), where the others would make it wait.
 */
import { analyse, pageObjectsOf, report, RETAINER_NON_ESSENTIAL, type ProgressFn } from './analysis';
import type { HeapGraph } from './graph';
import { PAGE_OBJECT } from './pageObjects';
import { awaitDistances, distanceSteps as walkSteps, WALKING } from './distances';

/**
 * Edges (or nodes, for the id sort) between two yields: a few milliseconds of work.
 * @internal (tests make them small, to yield everywhere)
 */
export const QUERY_STEPS = { edges: 1 << 18, nodes: 1 << 16 };

/** The build under way of each graph: distances, then the retainer index, then the id order. */
const building = new WeakMap<HeapGraph, Generator<void, void>>();

function* queryIndexSteps(g: HeapGraph): Generator<void, void> {
  // one node-sized array for the BFS queue, then the id sort
  const spare = g.distance && g.hasIdOrder() ? null : new Uint32Array(g.nodeCount);
  if (!g.distance) yield* distanceSteps(g, undefined, spare!);
  if (!g.retainerNode) yield* retainerIndexSteps(g);
  if (!g.hasIdOrder()) yield* g.idOrderSteps(spare!, QUERY_STEPS.nodes);
}

function steps(g: HeapGraph): Generator<void, void> {
  let it = building.get(g);
  if (!it) {
    it = queryIndexSteps(g);
    building.set(g, it);
  }
  return it;
}

/** Runs the build until `done(g)` holds (or the build is over). */
function runUntil(g: HeapGraph, done: (g: HeapGraph) => boolean): void {
  if (done(g)) return;
  const it = steps(g);
  while (!done(g)) {
    if (it.next().done) {
      building.delete(g);
      break;
    }
  }
}

/** Builds `g.distance` and `g.distanceParent` now, if they are not there yet (see `computeDistances`). */
export function ensureDistances(g: HeapGraph): void {
  runUntil(g, (x) => x.distance !== null);
}

/** Builds the retainer index now, if it is not there yet (see `buildRetainers`). */
export function ensureRetainerIndex(g: HeapGraph): void {
  runUntil(g, (x) => x.retainerNode !== null);
}

/**
 * Goes on with the query indexes of `g` for about `ms` milliseconds; true once all are built.
 * The heap worker calls it between requests.
 */
export function stepQueryIndexes(g: HeapGraph, ms: number): boolean {
  const it = steps(g);
  const until = performance.now() + ms;
  do {
    if (it.next().done) {
      building.delete(g);
      return true;
    }
  } while (performance.now() < until);
  return false;
}

/** Drops the query indexes of `g` (rebuilt when asked again), and any build under way. */
export function dropQueryIndexes(g: HeapGraph): void {
  building.delete(g);
  g.pendingDistances = null;
  g.firstRetainer = g.retainerNode = null;
  g.distance = g.distanceParent = null;
}

/**
 * Everything queries about one object need (analyses, retainers, distances, objects by id), built
 * now: the rest of a build under way, or all of it. (`onProgress`: the analyses' phases.)
 */
export function analyseForQueries(g: HeapGraph, onProgress?: ProgressFn): void {
  analyse(g, onProgress);
  runUntil(g, (x) => x.distance !== null && x.retainerNode !== null && x.hasIdOrder());
}

function runAll(it: Generator<void, void>): void {
  while (!it.next().done);
}

/**
 * Phase "retainers": compressed rows of retaining node ordinals, one entry per edge, with
 * bit 31 set when that edge does not retain (weak, non-root shortcut, non-page → page).
 */
export function buildRetainers(g: HeapGraph, onProgress?: ProgressFn, pageFlags?: Uint8Array): void {
  runAll(retainerIndexSteps(g, onProgress, pageFlags));
}

function* retainerIndexSteps(g: HeapGraph, onProgress?: ProgressFn, pageFlags?: Uint8Array): Generator<void, void> {
  const n = g.nodeCount;
  const m = g.edgeCount;
  const { firstEdge, edgeTo, edgeType } = g;
  const { edgeWeak, edgeShortcut } = g.codes;
  const root = g.rootIndex;
  report(onProgress, 'retainers', 0, 3);
  const page = pageFlags ?? pageObjectsOf(g);
  report(onProgress, 'retainers', 1, 3);
  const first = new Uint32Array(n + 1);
  const step = QUERY_STEPS.edges;
  for (let e0 = 0; e0 < m; e0 += step) {
    for (let e = e0, end = Math.min(m, e0 + step); e < end; e++) first[edgeTo[e]]++;
    yield;
  }
  // first[o] = end of row o; filling each row backwards leaves it at the start of row o, and
  // (sources from the last down) the rows in ascending source order
  let sum = 0;
  for (let o = 0; o < n; o++) {
    sum += first[o];
    first[o] = sum;
  }
  first[n] = sum;
  report(onProgress, 'retainers', 2, 3);
  const ret = new Uint32Array(m);
  const fill = first;
  let budget = step;
  for (let o = n - 1; o >= 0; o--) {
    const fromPage = page[o] & PAGE_OBJECT;
    const start = firstEdge[o];
    let e = firstEdge[o + 1] - 1;
    for (;;) {
      const stop = Math.max(start - 1, e - budget);
      budget -= e - stop + 1;
      for (; e > stop; e--) {
        const t = edgeTo[e];
        const et = edgeType[e];
        let v = o;
        if (et === edgeWeak || (et === edgeShortcut && o !== root) || (o !== root && page[t] & PAGE_OBJECT && !fromPage)) v |= RETAINER_NON_ESSENTIAL;
        ret[--fill[t]] = v >>> 0;
      }
      if (budget <= 0) {
        budget = step;
        yield;
      }
      if (e < start) break;
    }
  }
  g.firstRetainer = first;
  g.retainerNode = ret;
  report(onProgress, 'retainers', 3, 3);
}

/**
 * Phase "distances": `g.distance` and `g.distanceParent` (see distances.ts), from the parse
 * worker's walk when it made one, else walked here.
 */
export function computeDistances(g: HeapGraph, onProgress?: ProgressFn, queue: Uint32Array = new Uint32Array(g.nodeCount)): void {
  runAll(distanceSteps(g, onProgress, queue));
}

/**
 * How long the distances of the parse worker are waited for before they are walked here instead:
 * its walk took 2 s on 76 M nodes, and a wait from a request blocks this thread (the worker's
 * exit, seen on the event loop, cannot end it).
 */
const PARSE_WORKER_WALK_TIMEOUT_MS = 30_000;

function* distanceSteps(g: HeapGraph, onProgress: ProgressFn | undefined, queue: Uint32Array): Generator<void, void> {
  const n = g.nodeCount;
  const pending = g.pendingDistances;
  if (pending) {
    // waited for a few milliseconds at a time: a slice between requests stays short
    const until = Date.now() + PARSE_WORKER_WALK_TIMEOUT_MS;
    let walked = awaitDistances(pending, 5);
    while (!walked && Atomics.load(pending.state, 0) === WALKING && Date.now() < until) {
      yield;
      walked = awaitDistances(pending, 5);
    }
    g.pendingDistances = null;
    if (walked) {
      g.distance = walked.distance;
      g.distanceParent = walked.parent;
      report(onProgress, 'distances', n, n);
      return;
    }
  }
  const out = { distance: new Int32Array(n), parent: new Uint32Array(n) };
  for (const head of walkSteps(g, g.codes.edgeWeak, g.codes.edgeShortcut, out, queue, QUERY_STEPS.edges)) {
    report(onProgress, 'distances', head, n);
    yield;
  }
  g.distance = out.distance;
  g.distanceParent = out.parent;
  report(onProgress, 'distances', n, n);
}
