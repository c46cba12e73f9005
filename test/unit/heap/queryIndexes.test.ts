/**
 * The query indexes built in steps (distances with their parents, retainer index, id order), and
 * retainer graphs answered before the retainer index exists: the same answers as with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHeapSnapshot, retainerGraph, retainersOf, analyse, type HeapGraph } from '../../../src/heap';
import type { HeapGraphEdge, HeapGraphNode, HeapRetainerGraph } from '../../../src/model/heap';
import { ensureDistances, ensureRetainerIndex, QUERY_STEPS, stepQueryIndexes } from '../../../src/heap/queryIndexes';
import { WALK_FAILED } from '../../../src/heap/distances';
import { SnapshotBuilder } from './builder';
import { rng } from '../../helpers/random';

/** A random heap: a root, GC roots, objects with property, element, weak and shortcut edges, repeated edges, a chain. */
function randomHeap(seed: number, n = 300, chain = 40): string {
  const rand = rng(seed);
  const b = new SnapshotBuilder();
  const root = b.node('synthetic', '', 0);
  const gc = b.node('synthetic', '(GC roots)', 0);
  b.edge(root, gc, 'element', 1);
  const objs: number[] = [];
  for (let i = 0; i < n; i++) objs.push(b.obj(`C${i % 7}`, 8 + (i % 5) * 8));
  const pick = () => objs[Math.floor(rand() * objs.length)];
  for (let i = 0; i < 6; i++) b.edge(gc, pick(), 'element', i);
  b.edge(root, pick(), 'shortcut', 'global');
  for (const o of objs) {
    const k = Math.floor(rand() * 4);
    for (let j = 0; j < k; j++) {
      const r = rand();
      const type = r < 0.1 ? 'weak' : r < 0.15 ? 'shortcut' : r < 0.5 ? 'element' : 'property';
      const to = pick();
      b.edge(o, to, type, type === 'element' ? j : `p${j}`);
      if (rand() < 0.05) b.edge(o, to, 'property', `again${j}`);
    }
  }
  // a linked list longer than the scans a retainer graph makes before it builds the index
  let prev = objs[0];
  for (let i = 0; i < chain; i++) {
    const next = b.obj('Link', 16);
    b.edge(prev, next, 'property', 'next');
    prev = next;
  }
  return b.toJSON();
}

/** The lowest retainer one step closer to the root through an edge a path may take, by brute force. */
function lowestCloserRetainer(g: HeapGraph, v: number): number {
  const dist = g.distance!;
  let best = -1;
  for (let from = 0; from < g.nodeCount; from++) {
    if (dist[from] !== dist[v] - 1) continue;
    for (let e = g.firstEdge[from]; e < g.firstEdge[from + 1]; e++) {
      const t = g.edgeType[e];
      const usable = t !== g.codes.edgeWeak && (t !== g.codes.edgeShortcut || from === g.rootIndex);
      if (g.edgeTo[e] === v && usable && best < 0) best = from;
    }
  }
  return best;
}

test('each shortest path steps to the lowest retainer one closer to the root', () => {
  const g = parseHeapSnapshot(randomHeap(7));
  ensureDistances(g);
  assert.equal(g.retainerNode, null, 'distances need no retainer index');
  let reached = 0;
  for (let v = 0; v < g.nodeCount; v++) {
    if (v === g.rootIndex || g.distance![v] < 0) continue;
    reached++;
    assert.equal(g.distanceParent![v], lowestCloserRetainer(g, v), `parent of node ${v}`);
  }
  assert.ok(reached > 100, `${reached} nodes reached`);
});

/**
 * The retainer graph by its definition, on the retainer index (the engine's algorithm before the
 * index-free one): paths step to the first retainer in index order (by source, then edge) one
 * closer to the root through an edge a path may take; the walk takes retainers in index order.
 */
function referenceRetainerGraph(g: HeapGraph, o: number, maxNodes: number, maxDepth = 64, maxPaths = 5): HeapRetainerGraph {
  const dist = g.distance!;
  const root = g.rootIndex;
  const usable = (from: number, e: number) => g.edgeType[e] !== g.codes.edgeWeak && (g.edgeType[e] !== g.codes.edgeShortcut || from === root);
  const nodes = new Map<number, HeapGraphNode>();
  const edges = new Map<string, HeapGraphEdge>();
  let truncated = false;
  const addNode = (v: number) => {
    if (nodes.has(v)) return true;
    if (nodes.size >= maxNodes) return !(truncated = true);
    const info: HeapGraphNode = g.info(v);
    if (v === o) info.target = true;
    if (v === root || dist[v] === 1) info.root = true;
    nodes.set(v, info);
    return true;
  };
  const addEdge = (from: number, e: number, to: number) => {
    if (!edges.has(`${from}:${e}`)) edges.set(`${from}:${e}`, { from: g.nodeId[from], to: g.nodeId[to], edgeType: g.edgeTypeName(e), name: g.edgeNameText(e) });
  };
  addNode(o);
  const paths: number[][] = [];
  const starts = retainersOf(g, o, true)
    .filter(([r, e]) => dist[r] >= 0 && usable(r, e))
    .sort((p, q) => dist[p[0]] - dist[q[0]]);
  const seen = new Set<number>();
  for (const [r0, e0] of starts) {
    if (paths.length >= maxPaths) break;
    if (seen.has(r0)) continue;
    seen.add(r0);
    const hops: Array<[number, number, number]> = [[r0, e0, o]];
    let v = r0;
    while (v !== root && hops.length <= maxDepth) {
      const step = retainersOf(g, v, true).find(([r, e]) => dist[r] === dist[v] - 1 && usable(r, e))!;
      hops.push([step[0], step[1], v]);
      v = step[0];
    }
    if (v !== root) continue;
    paths.push([g.nodeId[o], ...hops.map(([from]) => g.nodeId[from])]);
    for (const [from, e, to] of hops) if (addNode(from) && nodes.has(to)) addEdge(from, e, to);
  }
  const queue = [o];
  const visited = new Set([o]);
  for (let head = 0; head < queue.length && !truncated; head++) {
    const v = queue[head];
    if (v === root) continue;
    for (const [r, e] of retainersOf(g, v)) {
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

test('retainer graphs without the index are those of the definition on the index, for every node and limit', () => {
  for (const seed of [11, 12, 13, 14]) {
    const json = randomHeap(seed, 200, 30);
    const indexed = parseHeapSnapshot(json);
    analyse(indexed);
    ensureDistances(indexed);
    ensureRetainerIndex(indexed);
    for (const [maxNodes, maxDepth, maxPaths] of [
      [30, 64, 5],
      [7, 64, 5],
      [100, 2, 5],
      [100, 64, 1],
    ]) {
      for (let v = 0; v < indexed.nodeCount; v++) {
        const fresh = parseHeapSnapshot(json);
        const expected = referenceRetainerGraph(indexed, v, maxNodes, maxDepth, maxPaths);
        assert.deepEqual(retainerGraph(fresh, v, { maxNodes, maxDepth, maxPaths }), expected, `seed ${seed}, node ${v}, limits ${maxNodes}/${maxDepth}/${maxPaths}`);
      }
    }
  }
});

test('a chain end: the path is the whole chain, its retainers fetched along it without the index', () => {
  const g = parseHeapSnapshot(randomHeap(4, 50, 200));
  const end = g.nodeCount - 1;
  assert.equal(g.className(end), 'Link');
  const short = retainerGraph(g, end, { maxNodes: 150 });
  assert.deepEqual(short.paths, [], 'no path within 64 edges');
  assert.equal(short.nodes.length, 150);
  assert.ok(
    short.nodes.every((n) => n.name === 'Link'),
    'the walk went up the chain',
  );
  const long = retainerGraph(g, end, { maxNodes: 500, maxDepth: 400 });
  assert.equal(long.paths[0].length, g.distance![end] + 1, 'the path is as long as the distance');
  assert.deepEqual(
    long.paths[0].slice(0, 201).map((id) => g.className(g.findOrdinal(id))),
    [...Array(200).fill('Link'), 'C0'],
  );
  assert.equal(g.retainerNode, null, "the chain's retainers came with its ancestors: a few scans, no index");
});

test('a chain held only weakly (no distances to follow): the walk builds the index past its scans, same answer', () => {
  const b = new SnapshotBuilder();
  const root = b.node('synthetic', '', 0);
  const gc = b.node('synthetic', '(GC roots)', 0);
  const holder = b.obj('Holder', 16);
  b.edge(root, gc, 'element', 1).edge(gc, holder, 'element', 0);
  let prev = b.obj('Link', 16);
  b.edge(holder, prev, 'weak', 'ref');
  for (let i = 0; i < 199; i++) {
    const next = b.obj('Link', 16);
    b.edge(prev, next, 'property', 'next');
    prev = next;
  }
  const json = b.toJSON();
  const g = parseHeapSnapshot(json);
  const r = retainerGraph(g, prev, { maxNodes: 150 });
  assert.equal(g.distance![prev], -1);
  assert.equal(r.nodes.length, 150);
  assert.ok(g.retainerNode, 'past its scans the retainer graph built the index');
  const indexed = parseHeapSnapshot(json);
  analyse(indexed);
  ensureRetainerIndex(indexed);
  assert.deepEqual(r, retainerGraph(indexed, prev, { maxNodes: 150 }));
});

test('built in slices between other work, the indexes are the same as built at once', () => {
  const json = randomHeap(5, 2000, 10);
  const sliced = parseHeapSnapshot(json);
  analyse(sliced);
  // steps of a few edges: yields inside every node's edges, the id sort in many pieces
  const saved = { ...QUERY_STEPS };
  Object.assign(QUERY_STEPS, { edges: 3, nodes: 7 });
  let slices = 0;
  try {
    while (!stepQueryIndexes(sliced, 0)) {
      slices++;
      if (slices === 3) {
        assert.equal(sliced.distance, null, 'mid-walk');
        ensureDistances(sliced); // a question that comes meanwhile
        assert.ok(sliced.distance && !sliced.retainerNode);
      }
    }
  } finally {
    Object.assign(QUERY_STEPS, saved);
  }
  assert.ok(slices > 1000, `${slices} slices`);
  const once = parseHeapSnapshot(json);
  analyse(once);
  ensureDistances(once);
  ensureRetainerIndex(once);
  assert.deepEqual(Array.from(sliced.distance!), Array.from(once.distance!));
  assert.deepEqual(Array.from(sliced.distanceParent!), Array.from(once.distanceParent!));
  assert.deepEqual(Array.from(sliced.retainerNode!), Array.from(once.retainerNode!));
  assert.deepEqual(Array.from(sliced.firstRetainer!), Array.from(once.firstRetainer!));
  assert.deepEqual(Array.from(sliced.sortedById()), Array.from(once.sortedById()));
  // one id looked up without the id order, and with it
  const fresh = parseHeapSnapshot(json);
  for (const o of [0, 1, 77, fresh.nodeCount - 1]) assert.equal(fresh.findOrdinal(fresh.nodeId[o]), o);
  assert.equal(fresh.findOrdinal(999_999_999), -1);
  assert.equal(fresh.hasIdOrder(), false, 'one lookup does not sort the ids');
  assert.equal(sliced.findOrdinal(sliced.nodeId[77]), 77);
});

test('a walk the parse worker could not finish: the distances are walked here', () => {
  const json = randomHeap(8);
  const g = parseHeapSnapshot(json);
  const n = g.nodeCount;
  const failed = new Int32Array(new SharedArrayBuffer(4));
  failed[0] = WALK_FAILED;
  g.pendingDistances = { state: failed, distance: new Int32Array(n).fill(7), parent: new Uint32Array(n) };
  ensureDistances(g);
  assert.equal(g.pendingDistances, null);
  const once = parseHeapSnapshot(json);
  ensureDistances(once);
  assert.deepEqual(Array.from(g.distance!), Array.from(once.distance!), "not the failed walk's arrays");
});
