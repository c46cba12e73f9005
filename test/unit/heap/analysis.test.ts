import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHeapSnapshot, HeapSnapshotParser, classSummary, analyse, analyseForQueries, componentsOf, retainerGraph, diffSnapshots, HeapSnapshotError } from '../../../src/heap';
import { SnapshotBuilder } from './builder';

/** root → (GC roots) → A; A → B, A → C; B → D, C → D; D → E (weak) ; root → W weakly only */
function diamond() {
  const b = new SnapshotBuilder();
  const root = b.node('synthetic', '', 0);
  const gc = b.node('synthetic', '(GC roots)', 0);
  const A = b.obj('A', 10);
  const B = b.obj('B', 20);
  const C = b.obj('C', 30);
  const D = b.obj('D', 40);
  const E = b.obj('E', 50);
  const W = b.obj('W', 60);
  const X = b.obj('X', 70); // only reachable from W
  b.edge(root, gc, 'element', 1);
  b.edge(gc, A, 'element', 1);
  b.edge(A, B).edge(A, C).edge(B, D).edge(C, D);
  b.edge(D, E, 'weak', 1);
  b.edge(A, E, 'property', 'e');
  b.edge(root, W, 'weak', 2);
  b.edge(W, X);
  return { b, root, gc, A, B, C, D, E, W, X };
}

test('dominators and retained sizes of a hand-built graph are exact', () => {
  const { b, root, gc, A, B, C, D, E, W, X } = diamond();
  const g = parseHeapSnapshot(b.toJSON());
  analyseForQueries(g);
  const dom = g.dominator!;
  assert.equal(dom[gc], root);
  assert.equal(dom[A], gc);
  assert.equal(dom[B], A);
  assert.equal(dom[C], A);
  assert.equal(dom[D], A, 'D has two retainers B and C: A dominates it');
  assert.equal(dom[E], A, 'the weak edge D→E does not count');
  assert.equal(dom[W], root, 'weakly held W hangs off the root');
  assert.equal(dom[X], W);
  const rs = g.retainedSize!;
  assert.equal(rs[D], 40);
  assert.equal(rs[B], 20);
  assert.equal(rs[A], 10 + 20 + 30 + 40 + 50);
  assert.equal(rs[W], 130);
  assert.equal(rs[root], 280);
  assert.equal(g.distance![A], 2);
  assert.equal(g.distance![W], -1, 'weak edges are not followed for distances');
});

test('a weak edge never retains: removing the strong path frees the target', () => {
  const b = new SnapshotBuilder();
  const root = b.node('synthetic', '', 0);
  const holder = b.obj('Holder', 8);
  const held = b.obj('Held', 100);
  const other = b.obj('Other', 4);
  b.edge(root, holder, 'element', 0).edge(root, other, 'element', 1);
  b.edge(holder, held);
  b.edge(other, held, 'weak', 0);
  const g = parseHeapSnapshot(b.toJSON());
  const classes = classSummary(g);
  assert.equal(g.dominator![held], holder);
  assert.equal(classes.find((c) => c.name === 'Holder')!.retainedSize, 108);
  assert.equal(classes.find((c) => c.name === 'Other')!.retainedSize, 4);
});

test('class retained size counts nested instances of the same class once', () => {
  const b = new SnapshotBuilder();
  const root = b.node('synthetic', '', 0);
  const l1 = b.obj('List', 10);
  const l2 = b.obj('List', 10);
  const l3 = b.obj('List', 10);
  const s = b.node('string', 'hello', 16);
  const f = b.node('closure', 'fn', 32);
  b.edge(root, l1, 'element', 0).edge(l1, l2).edge(l2, l3).edge(l3, s).edge(root, f, 'element', 1);
  const g = parseHeapSnapshot(b.toJSON());
  const classes = classSummary(g);
  const list = classes.find((c) => c.name === 'List')!;
  assert.deepEqual(list, { name: 'List', count: 3, selfSize: 30, retainedSize: 46 });
  assert.deepEqual(
    classes.find((c) => c.name === '(string)'),
    { name: '(string)', count: 1, selfSize: 16, retainedSize: 16 },
  );
  assert.deepEqual(
    classes.find((c) => c.name === '(closure)'),
    { name: '(closure)', count: 1, selfSize: 32, retainedSize: 32 },
  );
});

test('shortcut edges retain only from the root; cliques without a root path hang off the root', () => {
  const b = new SnapshotBuilder();
  const root = b.node('synthetic', '', 0);
  const gl = b.obj('global', 10);
  const p = b.obj('P', 5);
  const q = b.obj('Q', 7);
  const c1 = b.obj('Clique', 1);
  const c2 = b.obj('Clique', 2);
  b.edge(root, gl, 'shortcut', 'global');
  b.edge(gl, p).edge(p, q, 'shortcut', 'sc');
  b.edge(root, q, 'element', 0);
  b.edge(c1, c2).edge(c2, c1);
  const g = parseHeapSnapshot(b.toJSON());
  analyse(g);
  assert.equal(g.dominator![gl], root);
  assert.equal(g.dominator![q], root, 'the shortcut P→Q does not retain Q');
  assert.equal(g.dominator![c1], root);
  assert.equal(g.dominator![c2], root);
});

test('SCC: components and cycles of a node subset', () => {
  const b = new SnapshotBuilder();
  const root = b.node('synthetic', '', 0);
  const a = b.obj('N', 1),
    c = b.obj('N', 2),
    d = b.obj('N', 4),
    s = b.obj('S', 8),
    lone = b.obj('L', 16),
    t = b.obj('T', 32);
  b.edge(root, a, 'element', 0).edge(a, c).edge(c, d).edge(d, a).edge(s, s).edge(root, s, 'element', 1).edge(root, lone, 'element', 2);
  b.edge(d, t);
  const g = parseHeapSnapshot(b.toJSON());
  const comps = componentsOf(g, [a, c, d, s, lone, t]);
  assert.equal(comps.length, 3);
  const big = comps[0];
  assert.deepEqual(
    big.ids.sort((x, y) => x - y),
    [g.nodeId[a], g.nodeId[c], g.nodeId[d], g.nodeId[t]],
  );
  assert.equal(big.totalSize, 39);
  assert.equal(big.cycles.length, 1);
  assert.deepEqual(
    big.cycles[0].sort((x, y) => x - y),
    [g.nodeId[a], g.nodeId[c], g.nodeId[d]],
  );
  const self = comps.find((k) => k.ids.includes(g.nodeId[s]))!;
  assert.deepEqual(self.cycles, [[g.nodeId[s]]], 'a self edge is a cycle');
  assert.deepEqual(comps.find((k) => k.ids.includes(g.nodeId[lone]))!.cycles, []);
});

test('retainer paths: shortest, skipping weak edges, ending at the root', () => {
  const { b, root, gc, A, B, D } = diamond();
  const g = parseHeapSnapshot(b.toJSON());
  const r = retainerGraph(g, D);
  assert.ok(r.paths.length >= 2);
  assert.deepEqual(r.paths[0], [g.nodeId[D], g.nodeId[B], g.nodeId[A], g.nodeId[gc], g.nodeId[root]]);
  assert.ok(r.nodes.find((n) => n.id === g.nodeId[D])!.target);
  assert.ok(r.edges.some((e) => e.from === g.nodeId[B] && e.to === g.nodeId[D]));
  const limited = retainerGraph(g, D, { maxNodes: 2 });
  assert.equal(limited.nodes.length, 2);
  assert.equal(limited.truncated, true);
});

test('diff by object id: added, removed and per-class deltas', () => {
  const mk = (items: Array<[string, number, number]>) => {
    const b = new SnapshotBuilder();
    const root = b.node('synthetic', '', 0, 1);
    for (const [name, size, id] of items) b.edge(root, b.obj(name, size, id), 'element', id);
    return parseHeapSnapshot(b.toJSON());
  };
  const a = mk([
    ['Keep', 10, 3],
    ['Gone', 20, 5],
    ['Gone', 20, 7],
  ]);
  const c = mk([
    ['Keep', 10, 3],
    ['New', 30, 9],
    ['Gone', 25, 11],
  ]);
  const d = diffSnapshots(a, c);
  assert.equal(d.addedCount, 2);
  assert.equal(d.removedCount, 2);
  assert.equal(d.addedSize, 55);
  assert.equal(d.removedSize, 40);
  const gone = d.classes.find((x) => x.name === 'Gone')!;
  assert.deepEqual(gone, { name: 'Gone', addedCount: 1, removedCount: 2, countDelta: -1, addedSize: 25, removedSize: 40, sizeDelta: -15 });
  assert.deepEqual(
    d.classes.find((x) => x.name === 'New'),
    { name: 'New', addedCount: 1, removedCount: 0, countDelta: 1, addedSize: 30, removedSize: 0, sizeDelta: 30 },
  );
  assert.equal(
    d.classes.find((x) => x.name === 'Keep'),
    undefined,
  );
});

test('strings: escapes and surrogate pairs decode, also when split across chunks byte by byte', () => {
  const b = new SnapshotBuilder();
  const root = b.node('synthetic', '', 0);
  const names = ['quote " and \\ backslash', 'emoji 😀 é', 'ctl \u0001 \t\n', '\\"', 'ends with \\'];
  for (const n of names) b.edge(root, b.node('string', n, 16), 'element', 0);
  const text = b.toJSON();
  const whole = parseHeapSnapshot(text);
  const bytes = Buffer.from(text);
  const p = new HeapSnapshotParser();
  for (let i = 0; i < bytes.length; i++) p.write(bytes.subarray(i, i + 1));
  const split = p.end();
  for (const g of [whole, split]) {
    const got = Array.from({ length: g.nodeCount - 1 }, (_, i) => g.name(i + 1));
    assert.deepEqual(got, names);
  }
  // string chunks, as CDP sends them
  const q = new HeapSnapshotParser();
  for (let i = 0; i < text.length; i += 7) q.write(text.slice(i, i + 7));
  assert.equal(q.end().name(2), 'emoji 😀 é');
});

test('bad input raises HeapSnapshotError with an offset', () => {
  const { b } = diamond();
  const good = b.toJSON();
  const cases: Array<[string, RegExp]> = [
    [good.slice(0, good.length / 2), /truncated/],
    ['', /empty/],
    ['[1,2,3]', /expected "\{"/],
    ['{"a": 1}', /no "snapshot"/],
    [good.replace('"node_count":9', '"node_count":8'), /node_count = 8|node_count is 8/],
    [good.replace('"edge_count":10', '"edge_count":11'), /edge_count is 11/],
    [good.replace('"node_fields":["type",', '"node_fields":["typo",'), /lacks "type"/],
    [good.replace(/"edges":\[(\d+),(\d+),(\d+)/, '"edges":[$1,$2,7000'), /outside the nodes/],
    [good.replace(/"edges":\[(\d+),(\d+),(\d+)/, '"edges":[$1,$2,3'), /outside the nodes/],
    [good + 'x', /after the end/],
  ];
  for (const [text, re] of cases) {
    assert.throws(
      () => parseHeapSnapshot(text),
      (e: unknown) => {
        assert.ok(e instanceof HeapSnapshotError, `expected HeapSnapshotError for ${re}, got ${e}`);
        assert.match(e.message, re);
        assert.match(e.message, /at byte \d+/);
        assert.equal(typeof e.offset, 'number');
        return true;
      },
    );
  }
});

test('the summary needs no retainer index: queries build it afterwards, with the same dominators', () => {
  const { b, A, D } = diamond();
  const g = parseHeapSnapshot(b.toJSON());
  const before = classSummary(g);
  assert.equal(g.retainerNode, null, 'the dominator phase keeps no retainer index');
  assert.equal(g.scratchPool, null, 'scratch space is released after the summary');
  const dom = Uint32Array.from(g.dominator!);
  const retained = Float64Array.from(g.retainedSize!);
  analyseForQueries(g);
  assert.ok(g.retainerNode && g.firstRetainer, 'queries build the retainer index on first use');
  assert.deepEqual(Uint32Array.from(g.dominator!), dom);
  assert.deepEqual(Float64Array.from(g.retainedSize!), retained);
  assert.deepEqual(classSummary(g), before);
  assert.equal(g.retainedSize![A], 10 + 20 + 30 + 40 + 50);
  assert.equal(g.retainedSize![D], 40);
});

test('chunked parsing (1-byte writes) gives the same graph and summary as one write', () => {
  const { b } = diamond();
  const text = b.toJSON();
  const whole = parseHeapSnapshot(text);
  const p = new HeapSnapshotParser();
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i++) p.write(bytes.subarray(i, i + 1));
  const g = p.end();
  assert.deepEqual(g.edgeTo, whole.edgeTo);
  assert.deepEqual(g.edgeName, whole.edgeName);
  assert.deepEqual(g.nodeName, whole.nodeName);
  assert.deepEqual(g.strings.toArray(), whole.strings.toArray());
  assert.deepEqual(classSummary(g), classSummary(whole));
});

test('a page object reached only through a shortcut and held by a non-page object is not attached to the root as weakly held', () => {
  // root ⇢ W (shortcut: W and what it reaches are page objects); W ⇢ T (shortcut: T is a page
  // object the DFS does not reach); X (not a page object) → T is a strong edge that does not
  // retain (non-page → page): T has a strong retainer, so it is not walked as weakly held; it
  // and what only it reaches are dominated by the root.
  const b = new SnapshotBuilder();
  const root = b.node('synthetic', '', 0);
  const gc = b.node('synthetic', '(GC roots)', 0);
  const W = b.obj('Window', 10);
  const X = b.obj('X', 20);
  const T = b.obj('T', 30);
  const C = b.obj('C', 40);
  b.edge(root, W, 'shortcut', 'w');
  b.edge(root, gc, 'element', 1);
  b.edge(gc, X, 'element', 1);
  b.edge(W, T, 'shortcut', 't');
  b.edge(X, T, 'property', 't');
  b.edge(T, C, 'property', 'c');
  const g = parseHeapSnapshot(b.toJSON());
  analyse(g);
  const dom = g.dominator!;
  assert.equal(dom[X], gc);
  assert.equal(dom[T], root);
  assert.equal(dom[C], root, 'T is not walked: C is left to the root too');
  assert.equal(g.retainedSize![T], 30);
});
