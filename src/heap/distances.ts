/**
 * Distances from the root: a breadth-first walk over the edges that retain for a path (weak
 * edges never, shortcut edges only from the root, as DevTools counts them), with, for each node,
 * the retainer its shortest paths take: the lowest ordinal among its retainers one step closer to
 * the root (so that a path is followed without a retainer index). A function of the edge arrays
 * alone: the heap worker runs it in steps between requests (queryIndexes.ts), the parse worker
 * during the analyses on large files (parseWorker.ts).
 */
import type { EdgeArrays } from './pageObjects';

/** Where the walk writes: `distance` (-1: not reached) and `parent`, one entry per node. */
export interface DistanceArrays {
  distance: Int32Array;
  parent: Uint32Array;
}

/**
 * The walk in steps: yields every `edgesPerStep` edges (within a node's edges too: one array can
 * hold millions), with the nodes dequeued so far. `queue`: n entries of scratch space.
 */
export function* distanceSteps(g: EdgeArrays, weak: number, shortcut: number, out: DistanceArrays, queue: Uint32Array, edgesPerStep = 1 << 18): Generator<number, void> {
  const { firstEdge, edgeTo, edgeType, rootIndex: root } = g;
  const { distance: dist, parent } = out;
  dist.fill(-1);
  let head = 0;
  let tail = 0;
  dist[root] = 0;
  parent[root] = root;
  queue[tail++] = root;
  let budget = edgesPerStep;
  while (head < tail) {
    const o = queue[head++];
    const d = dist[o] + 1;
    const end = firstEdge[o + 1];
    let e = firstEdge[o];
    for (;;) {
      const stop = Math.min(end, e + budget);
      budget -= stop - e + 1;
      for (; e < stop; e++) {
        const et = edgeType[e];
        if (et === weak || (et === shortcut && o !== root)) continue;
        const t = edgeTo[e];
        const dt = dist[t];
        if (dt === -1) {
          dist[t] = d;
          parent[t] = o;
          queue[tail++] = t;
        } else if (dt === d && o < parent[t]) {
          parent[t] = o;
        }
      }
      if (budget <= 0) {
        budget = edgesPerStep;
        yield head;
      }
      if (e >= end) break;
    }
  }
}

/** The whole walk at once. */
export function walkDistances(g: EdgeArrays, weak: number, shortcut: number, out: DistanceArrays, queue = new Uint32Array(g.nodeCount)): void {
  const steps = distanceSteps(g, weak, shortcut, out, queue, 1 << 30);
  while (!steps.next().done);
}

/** State of a walk another thread makes (`DistancesInProgress.state[0]`). */
export const WALKING = 0;
export const WALKED = 1;
export const WALK_FAILED = 2;

/**
 * Distances the parse worker computes while the analyses run, in shared memory: `state[0]` is
 * WALKING until the arrays are filled (WALKED) or the walk failed (WALK_FAILED), with
 * `Atomics.notify` on it.
 */
export interface DistancesInProgress extends DistanceArrays {
  state: Int32Array;
}

/**
 * The arrays of a walk in progress once it is over (waiting at most `timeoutMs`), or null if it
 * failed or is not over by then.
 */
export function awaitDistances(p: DistancesInProgress, timeoutMs: number): DistanceArrays | null {
  if (Atomics.load(p.state, 0) === WALKING) Atomics.wait(p.state, 0, WALKING, timeoutMs);
  return Atomics.load(p.state, 0) === WALKED ? { distance: p.distance, parent: p.parent } : null;
}
