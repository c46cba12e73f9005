/**
 * `parseHeapSnapshotFile` with the edges scanned by the parse worker (`parallel: true`) must give
 * exactly what a parse in one thread gives: the same graph, and for bad input the same
 * `HeapSnapshotError` (message and byte offset), wherever the problem is (before, inside or after
 * the edges) and whether the worker scans the edges or declines (this thread scans them then).
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeapSnapshotError, HeapSnapshotParser, classSummary, parseHeapSnapshot, parseHeapSnapshotFile, type HeapGraph } from '../../../src/heap';
import { parallelEdgeStats } from '../../../src/heap/parser';
import { edgeSearchStats, scanEdgesOfFile, type EdgeLayout } from '../../../src/heap/edgeScan';
import { ensureDistances } from '../../../src/heap/queryIndexes';
import { SnapshotBuilder } from './builder';

let dir = '';
let text = '';
let n = 0;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'heap-parallel-'));
  const file = join(dir, 'known.heapsnapshot');
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'fixtures', 'heap', 'known-heap.js'), file]);
  text = readFileSync(file, 'latin1');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const ARRAYS = ['nodeType', 'nodeName', 'nodeId', 'nodeSelfSize', 'firstEdge', 'nodeTraceId', 'nodeDetachedness', 'edgeType', 'edgeName', 'edgeTo', 'locations'] as const;

function sameGraph(a: HeapGraph, b: HeapGraph): void {
  assert.equal(a.nodeCount, b.nodeCount);
  assert.equal(a.edgeCount, b.edgeCount);
  assert.equal(a.rootIndex, b.rootIndex);
  for (const k of ARRAYS) assert.deepEqual(a[k], b[k], k);
  assert.deepEqual(a.strings.toArray(), b.strings.toArray());
  assert.deepEqual(a.meta, b.meta);
}

type Outcome = { ok: true; graph: HeapGraph } | { ok: false; problem: string; offset: number };

async function outcome(run: () => Promise<HeapGraph> | HeapGraph): Promise<Outcome> {
  try {
    return { ok: true, graph: await run() };
  } catch (e) {
    if (!(e instanceof HeapSnapshotError)) throw e;
    return { ok: false, problem: e.problem, offset: e.offset };
  }
}

/** Parses `input` from a file with the parse worker and in memory in one thread: same outcome. */
async function same(input: Buffer, label: string, chunkSize?: number): Promise<Outcome> {
  const file = join(dir, `m${n++}.heapsnapshot`);
  writeFileSync(file, input);
  const par = await outcome(() => parseHeapSnapshotFile(file, { parallel: true, chunkSize }));
  const seq = await outcome(() => parseHeapSnapshot(input));
  if (par.ok && seq.ok) sameGraph(par.graph, seq.graph);
  else assert.deepEqual(par, seq, label);
  // the same with the edge names and locations left in the file (as `open` parses), either way
  // (uncounted: the callers count the ways of the first parse)
  const stats = { ...parallelEdgeStats };
  const searches = { ...edgeSearchStats };
  for (const parallel of [true, false]) {
    const lazy = await outcome(() => parseHeapSnapshotFile(file, { parallel, chunkSize, lazySections: true }));
    if (lazy.ok && seq.ok) sameGraph(lazy.graph, seq.graph);
    else assert.deepEqual(lazy, seq, `${label} (left in the file, parallel: ${parallel})`);
  }
  Object.assign(parallelEdgeStats, stats);
  Object.assign(edgeSearchStats, searches);
  return par;
}

test('the parse worker gives the same graph and classes as one thread', async () => {
  const before = { ...parallelEdgeStats };
  const file = join(dir, 'whole.heapsnapshot');
  writeFileSync(file, text, 'latin1');
  const par = await parseHeapSnapshotFile(file, { parallel: true, chunkSize: 4096 });
  assert.equal(parallelEdgeStats.worker, before.worker + 1, 'the worker scanned the edges');
  const seq = await parseHeapSnapshotFile(file, { parallel: false });
  assert.equal(parallelEdgeStats.worker, before.worker + 1);
  sameGraph(par, seq);
  assert.deepEqual(classSummary(par), classSummary(seq));
});

test('edges not right after the nodes, or spaced out: the worker declines or copes, the result is the same', async () => {
  const nodesEnd = text.indexOf('"edges"');
  // another key between the nodes and the edges: the worker declines, this thread scans them
  const other = text.slice(0, nodesEnd) + '"extra":[1,2,{"a":"]"}],\n' + text.slice(nodesEnd);
  const before = { ...parallelEdgeStats };
  assert.equal((await same(Buffer.from(other, 'latin1'), 'extra key')).ok, true);
  assert.equal(parallelEdgeStats.here, before.here + 1);
  // whitespace around the key, and edges in rows with spaces
  const e0 = text.indexOf('[', nodesEnd);
  const e1 = text.indexOf(']', e0);
  const edges = text.slice(e0 + 1, e1).replace(/,/g, (m, i: number) => (i % 7 === 0 ? ' , ' : i % 5 === 0 ? ',\r\n\t' : m));
  assert.equal(text.slice(nodesEnd - 3, nodesEnd), '],\n');
  const spaced = text.slice(0, nodesEnd - 3) + ' \n] ,\n  "edges" \t: \n [' + edges + ' ]' + text.slice(e1 + 1);
  const w = parallelEdgeStats.worker;
  const r = await same(Buffer.from(spaced, 'latin1'), 'spaced', 97);
  assert.equal(parallelEdgeStats.worker, w + 1, 'the worker scanned the spaced edges');
  assert.equal(r.ok, true, JSON.stringify(r));
});

test('bad input: the same HeapSnapshotError at the same offset as in one thread', async () => {
  const base = Buffer.from(text, 'latin1');
  const nodesAt = text.indexOf('"nodes"');
  const edgesAt = text.indexOf('"edges"');
  const edgesEnd = text.indexOf(']', edgesAt);
  const stringsAt = text.indexOf('"strings"');
  let seed = 99;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const at = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo));
  const cases: Array<[string, Buffer]> = [];
  // truncated: in the nodes, in the edges, just after them, in the strings
  for (const cut of [at(nodesAt, edgesAt), at(edgesAt, edgesEnd), at(edgesAt, edgesEnd), edgesEnd, edgesEnd + 1, at(stringsAt, base.length)])
    cases.push([`cut ${cut}`, base.subarray(0, cut)]);
  // bytes changed in the edges (several errors: the first one counts), and in the nodes and strings
  for (let k = 0; k < 10; k++) {
    const b = Buffer.from(base);
    b[at(edgesAt + 9, edgesEnd)] = '9x]-:,"['.charCodeAt(k % 8);
    if (k % 3 === 0) b[at(stringsAt, base.length)] = 0x5d;
    cases.push([`edges ${k}`, b]);
  }
  for (const [lo, hi] of [
    [nodesAt + 9, edgesAt],
    [stringsAt + 11, base.length - 2],
  ]) {
    const b = Buffer.from(base);
    b[at(lo, hi)] = 0x7b;
    b[at(edgesAt + 9, edgesEnd)] = 0x78;
    cases.push([`both ${lo}`, b]);
  }
  // an edge pointing outside the nodes, a type out of range; counts that do not add up
  const s = JSON.parse(text);
  const t1 = structuredClone(s);
  t1.edges[t1.edges.length - 1] = t1.snapshot.node_count * t1.snapshot.meta.node_fields.length;
  const t2 = structuredClone(s);
  t2.edges[30] = 200;
  const t3 = structuredClone(s);
  t3.snapshot.edge_count += 1;
  const t4 = structuredClone(s);
  t4.edges.push(0, 1, 0);
  const t5 = structuredClone(s);
  t5.edges.pop();
  const t6 = structuredClone(s);
  t6.snapshot.edge_count = 1e12;
  for (const [k, t] of [t1, t2, t3, t4, t5, t6].entries()) cases.push([`json ${k}`, Buffer.from(JSON.stringify(t))]);
  const results = { ok: 0, error: 0 };
  const w = parallelEdgeStats.worker;
  for (const [label, input] of cases) results[(await same(input, label, [1 << 20, 4096, 333][n % 3])).ok ? 'ok' : 'error']++;
  assert.ok(results.error >= cases.length - 3, JSON.stringify(results));
  // most errors are in or after the edges, which the worker scanned
  assert.ok(parallelEdgeStats.worker - w >= 15, `${parallelEdgeStats.worker - w} of ${cases.length} by the worker`);
});

test('any chunking gives the same graph (the whole-node and whole-edge loops stop at chunk ends)', () => {
  // with long numbers in the last node field too (detachedness, usually one digit)
  const s = JSON.parse(Buffer.from(text, 'latin1').toString('utf8'));
  const F = s.snapshot.meta.node_fields.length;
  const det = s.snapshot.meta.node_fields.indexOf('detachedness');
  assert.equal(det, F - 1);
  for (let o = 0; o < s.snapshot.node_count; o++) s.nodes[o * F + det] = o % 3 ? 0 : 100 + (o % 1000);
  for (const bytes of [Buffer.from(text, 'latin1'), Buffer.from(JSON.stringify(JSON.parse(Buffer.from(text, 'latin1').toString('utf8')))), Buffer.from(JSON.stringify(s))])
    chunkings(bytes);
});

function chunkings(bytes: Buffer): void {
  const whole = parseHeapSnapshot(bytes);
  for (const size of [1, 2, 3, 5, 8, 13, 31, 64, 997]) {
    const p = new HeapSnapshotParser({ totalBytes: size % 2 ? bytes.length : undefined });
    for (let i = 0; i < bytes.length; i += size) p.write(bytes.subarray(i, i + size));
    sameGraph(p.end(), whole);
  }
  // string chunks, as from the inspector protocol
  const p = new HeapSnapshotParser();
  const str = bytes.toString('utf8');
  for (let i = 0; i < str.length; i += 7919) p.write(str.slice(i, i + 7919));
  sameGraph(p.end(), whole);
}

test('numbers of 10 digits and more are read exactly (the whole-row loops add up 9 digits in int32), in any chunking', () => {
  // ids, sizes and element indexes past 2^31 (and leading zeros past 9 digits), as V8 writes them
  const b = new SnapshotBuilder();
  const root = b.node('synthetic', '', 0);
  const big = b.node('object', 'Big', 4294967295, 3000000001);
  const mid = b.node('array', '', 2147483648, 2147483649);
  b.edge(root, big, 'element', 4000000000).edge(root, mid, 'element', 999999999).edge(big, mid, 'element', 1234567890);
  const text = b.toJSON().replace(',4294967295,', ',0004294967295,');
  assert.ok(text.includes(',0004294967295,'));
  const bytes = Buffer.from(text);
  const g = parseHeapSnapshot(bytes);
  assert.deepEqual(Array.from(g.nodeSelfSize), [0, 4294967295, 2147483648]);
  assert.deepEqual(Array.from(g.nodeId), [1, 3000000001, 2147483649]);
  assert.deepEqual(Array.from(g.edgeName), [4000000000, 999999999, 1234567890]);
  chunkings(bytes);
  // a self size past 2^32 is kept (as a double); an id or an index past 2^32 is the clear error
  assert.equal(parseHeapSnapshot(text.replace(',0004294967295,', ',4294967296,')).nodeSelfSize[1], 4294967296);
  for (const [from, to] of [
    [',3000000001,', ',4294967296,'],
    ['4000000000', '4294967296'],
  ]) {
    assert.throws(
      () => parseHeapSnapshot(text.replace(from, to)),
      (e: unknown) => e instanceof HeapSnapshotError && e.message.includes('number 4294967296') && e.message.includes('too large'),
    );
  }
});

test('after the nodes this thread goes on from the key that follows the edges; anything else in between starts the parse over in one thread', async () => {
  const key = text.lastIndexOf('"trace_function_infos"');
  assert.ok(key > text.indexOf('"edges"'));
  const cases: Array<[string, string, 'jumped' | 'startedOver' | 'neither']> = [
    ['as V8 writes it', text, 'jumped'],
    // another key between the edges and trace_function_infos: the worker reports where the edges
    // really end, the jump is not confirmed, the parse starts over in one thread
    ['another key before trace_function_infos', text.slice(0, key) + '"extra":[1,"]"],\n' + text.slice(key), 'startedOver'],
    // the key's text inside a string (escaped quote first) is not taken for the key
    ['the key inside a string', text.replace('"strings":[', '"strings":["\\"trace_function_infos",'), 'jumped'],
    // no trace_function_infos at all: the edges are read to their end
    ['no trace_function_infos', text.replace(/"trace_function_infos":\[[^\]]*\],\s*/, ''), 'neither'],
  ];
  for (const [label, t, expect] of cases) {
    if (label === 'no trace_function_infos') assert.ok(!t.includes('"trace_function_infos"'));
    const before = { ...parallelEdgeStats };
    const r = await same(Buffer.from(t, 'latin1'), label);
    assert.equal(r.ok, true, `${label}: ${JSON.stringify(r)}`);
    assert.equal(parallelEdgeStats.jumped - before.jumped, expect === 'jumped' ? 1 : 0, label);
    assert.equal(parallelEdgeStats.startedOver - before.startedOver, expect === 'startedOver' ? 1 : 0, label);
  }
});

/** The edge layout of a SnapshotBuilder snapshot (edges type, name, to; 7 node fields; root first), for scanEdgesOfFile. */
function builderEdgeLayout(g: HeapGraph): EdgeLayout {
  const types = g.meta.edgeTypes;
  return {
    roles: [1, 2, 3],
    nodeFieldCount: 7,
    edgeTypeCount: types.length,
    nodeCount: g.nodeCount,
    total: g.edgeCount,
    rootIndex: 0,
    weakType: types.indexOf('weak'),
    shortcutType: types.indexOf('shortcut'),
  };
}

test('finding the edges: a jump over the nodes guessed from their first chunk, started over when it lands past them', async () => {
  // long numbers in the first nodes, short ones after: the guess from the first chunk is too long
  const b = new SnapshotBuilder();
  const root = b.node('synthetic', '', 0);
  for (let i = 0; i < 3000; i++) {
    const o = i < 40 ? b.node('object', `Long${i}`, 2000000000 + i, 3000000001 + 2 * i) : b.obj(`S${i % 7}`, i % 10, 10 + 2 * i);
    b.edge(root, o, 'element', i);
  }
  const input = Buffer.from(b.toJSON());
  const file = join(dir, `jump${n++}.heapsnapshot`);
  writeFileSync(file, input);
  const text0 = input.toString('latin1');
  const nodesAt = text0.indexOf('[', text0.indexOf('"nodes"'));
  const edgesAt = text0.indexOf('[', text0.indexOf('"edges"'));
  const seq = parseHeapSnapshot(input);
  const layout = builderEdgeLayout(seq);
  for (const chunkSize of [512, 4096]) {
    const before = { ...edgeSearchStats };
    const r = await scanEdgesOfFile({ path: file, totalBytes: input.length, layout, from: nodesAt, findEdges: true, chunkSize });
    assert.equal(r.kind, 'ok');
    assert.equal(r.kind === 'ok' && r.start, edgesAt);
    assert.deepEqual(r.kind === 'ok' && Array.from(r.tos), Array.from(seq.edgeTo));
    assert.equal(edgeSearchStats.jumps - before.jumps, 1, `jumped (chunk ${chunkSize})`);
    if (chunkSize === 512) assert.equal(edgeSearchStats.retries - before.retries, 1, 'the guess was too long: started over');
  }
  // and the whole parse with the worker gives the same graph
  sameGraph(await parseHeapSnapshotFile(file, { parallel: true, chunkSize: 512 }), seq);
});

test('an error right after the nodes, in the chunk that ends them, is the one-thread error (the worker gets the nodes all the same)', { timeout: 30_000 }, async () => {
  const b = new SnapshotBuilder();
  const root = b.node('synthetic', '', 0);
  for (let i = 0; i < 50; i++) b.edge(root, b.obj(`C${i % 5}`, 16), 'property', `p${i}`);
  // one file, one chunk: a bad escape in the first string
  const bad = Buffer.from(b.toJSON().replace('"strings":["', '"strings":["\\q'));
  const r = await same(bad, 'bad escape in the chunk that ends the nodes');
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.problem, /string 0 is not a valid JSON string/);
});

test("finding the edges: a good guess of the nodes' length needs no second search", async () => {
  // nodes of one size: the guess from the first chunk is right; the nodes' end falls in the chunk
  // the jump reads (nodes of 10–20 KiB with 4 KiB chunks)
  for (const count of [450, 600, 750]) {
    const b = new SnapshotBuilder();
    const root = b.node('synthetic', '', 0);
    for (let i = 0; i < count; i++) b.edge(root, b.obj('Same', 100000, 100001 + 2 * i), 'element', i);
    const input = Buffer.from(b.toJSON());
    const file = join(dir, `even${n++}.heapsnapshot`);
    writeFileSync(file, input);
    const t = input.toString('latin1');
    const nodesAt = t.indexOf('[', t.indexOf('"nodes"'));
    const nodesLength = t.indexOf(']', nodesAt) - nodesAt;
    assert.ok(nodesLength > 10 << 10 && nodesLength < 20 << 10, String(nodesLength));
    const seq = parseHeapSnapshot(input);
    const layout = builderEdgeLayout(seq);
    const before = { ...edgeSearchStats };
    const r = await scanEdgesOfFile({ path: file, totalBytes: input.length, layout, from: nodesAt, findEdges: true, chunkSize: 4096 });
    assert.equal(r.kind, 'ok');
    assert.deepEqual(r.kind === 'ok' && Array.from(r.tos), Array.from(seq.edgeTo));
    assert.equal(edgeSearchStats.jumps - before.jumps, 1, `${count} nodes: jumped`);
    assert.equal(edgeSearchStats.retries - before.retries, 0, `${count} nodes: the jump found the nodes' end`);
  }
});

test('edge names and locations left in the file are read from it when asked, the same; a file changed since is a clear error', async () => {
  const file = join(dir, 'lazy.heapsnapshot');
  writeFileSync(file, text, 'latin1');
  const whole = parseHeapSnapshot(Buffer.from(text, 'latin1'));
  assert.ok(whole.edgeCount > 3000, 'more than two blocks of names');
  for (const parallel of [true, false]) {
    const g = await parseHeapSnapshotFile(file, { parallel, chunkSize: 4096, lazySections: true });
    // one by one, backwards (each block read on its own), then the summary and an object's references as text
    for (let e = g.edgeCount - 1; e >= 0; e--) assert.equal(g.edgeNameIndex(e), whole.edgeName[e], `edge ${e}`);
    assert.deepEqual(classSummary(g), classSummary(whole));
    assert.deepEqual(g.referents(g.rootIndex), whole.referents(whole.rootIndex));
    assert.deepEqual(g.locations, whole.locations);
    assert.ok(g.locations && g.locations.length > 0, 'the fixture has locations');
  }
  // a file removed after the parse is still read (it is kept open)
  const kept = await parseHeapSnapshotFile(file, { lazySections: true });
  rmSync(file);
  assert.deepEqual(kept.edgeName, whole.edgeName);
  // another snapshot written over the file: an error that says so, not another snapshot's names
  writeFileSync(file, text, 'latin1');
  const g = await parseHeapSnapshotFile(file, { parallel: true, lazySections: true });
  writeFileSync(file, text.replace('"strings":[', '"strings":["another",'), 'latin1');
  assert.throws(() => g.edgeNameIndex(0), { message: `${file} changed since it was opened (parts of it are read when first asked): open it again` });
  assert.throws(() => g.locations, /changed since it was opened/);
  // closed with its snapshot: said so
  const closed = await parseHeapSnapshotFile(file, { lazySections: true });
  closed.closeFile();
  assert.throws(() => closed.edgeNameIndex(0), { message: `${file} was closed with its snapshot` });
});

test('the distances walked by the parse worker during the analyses are those walked afterwards, in one thread', async () => {
  const file = join(dir, 'walk.heapsnapshot');
  writeFileSync(file, text, 'latin1');
  const before = { ...parallelEdgeStats };
  const g = await parseHeapSnapshotFile(file, { parallel: true, walkDistances: true, lazySections: true });
  assert.equal(parallelEdgeStats.worker, before.worker + 1, 'the parse worker scanned the edges');
  assert.ok(g.pendingDistances, 'the parse worker walks the distances');
  assert.ok(g.edgeTo.buffer instanceof SharedArrayBuffer, 'on edges it shares');
  const seq = parseHeapSnapshot(Buffer.from(text, 'latin1'));
  sameGraph(g, seq);
  assert.deepEqual(classSummary(g), classSummary(seq));
  ensureDistances(g);
  ensureDistances(seq);
  assert.equal(g.pendingDistances, null, 'taken once walked');
  assert.ok(g.distance!.buffer instanceof SharedArrayBuffer, "the worker's arrays");
  assert.deepEqual(Array.from(g.distance!), Array.from(seq.distance!));
  assert.deepEqual(Array.from(g.distanceParent!), Array.from(seq.distanceParent!));
  assert.ok(g.distance!.filter((d) => d > 2).length > 100, 'a heap of some depth');
  // below the size, or without the parse worker: no walk there
  assert.equal((await parseHeapSnapshotFile(file, { parallel: true })).pendingDistances, null);
  assert.equal((await parseHeapSnapshotFile(file, { parallel: false, walkDistances: true })).pendingDistances, null);
});
