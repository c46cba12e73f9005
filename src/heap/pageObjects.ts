/**
 * DevTools' "page objects": what is reachable from the root's shortcut edges (the user roots,
 * such as `global`) without weak edges; an edge from another object into one does not retain it
 * (see analysis.ts). A function of the edge arrays alone, so the parse worker marks them as soon
 * as it has the edges and the nodes' edge offsets (see parseWorker.ts); else the analyses do.
 */

export const PAGE_OBJECT = 1;

/** The parts of a heap graph the walk needs. */
export interface EdgeArrays {
  nodeCount: number;
  rootIndex: number;
  firstEdge: Uint32Array;
  edgeTo: Uint32Array;
  edgeType: Uint8Array;
}

/** One byte per node, PAGE_OBJECT for page objects. `weak` / `shortcut`: the edge type numbers (-1 or 255: none). */
export function markPageObjects(g: EdgeArrays, weak: number, shortcut: number, stack: Uint32Array = new Uint32Array(g.nodeCount)): Uint8Array {
  const flags = new Uint8Array(g.nodeCount);
  const { firstEdge, edgeTo, edgeType } = g;
  let top = 0;
  const r = g.rootIndex;
  for (let e = firstEdge[r]; e < firstEdge[r + 1]; e++) {
    if (edgeType[e] !== shortcut) continue;
    const t = edgeTo[e];
    if (!flags[t]) {
      flags[t] = PAGE_OBJECT;
      stack[top++] = t;
    }
  }
  while (top > 0) {
    const o = stack[--top];
    for (let e = firstEdge[o], end = firstEdge[o + 1]; e < end; e++) {
      if (edgeType[e] === weak) continue;
      const t = edgeTo[e];
      if (flags[t]) continue;
      flags[t] = PAGE_OBJECT;
      stack[top++] = t;
    }
  }
  return flags;
}
