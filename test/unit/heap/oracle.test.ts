/**
 * Real snapshots from fixture programs, checked against the two reference parsers:
 * @vscode/v8-heap-parser (a port of DevTools' worker) and @memlab/core.
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHeapSnapshotFile, classSummary, allocationStack, HeapGraph, componentsOf, retainerGraph, HeapSnapshotParser } from '../../../src/heap';

const fixtures = join(__dirname, '..', '..', 'fixtures', 'heap');
let dir = '';
let known = '';
let traced = '';
let graph: HeapGraph;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'heap-oracle-'));
  known = join(dir, 'known.heapsnapshot');
  traced = join(dir, 'traced.heapsnapshot');
  execFileSync(process.execPath, [join(fixtures, 'known-heap.js'), known]);
  execFileSync(process.execPath, [join(fixtures, 'traced-heap.js'), traced]);
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** Node types @vscode/v8-heap-parser 0.1 does not know; it groups them all as "(unknown)". */
const UNKNOWN_TO_V8_HEAP_PARSER = new Set(['(symbol)', '(object shape)', '(wasm object)']);

test('fixture counts are exact', async () => {
  graph = await parseHeapSnapshotFile(known);
  const classes = new Map(classSummary(graph).map((c) => [c.name, c]));
  assert.equal(classes.get('Leaf')!.count, 1234);
  assert.equal(classes.get('Branch')!.count, 10);
  assert.equal(classes.get('CycleNode')!.count, 4);
  assert.equal(classes.get('MapValue')!.count, 77);
  assert.equal(classes.get('WeakHeld')!.count, 8);
  // one Leaf: 3 fields in-object; retained = itself plus its own label string
  const leaf = classes.get('Leaf')!;
  assert.ok(leaf.retainedSize > leaf.selfSize, 'leaves retain their labels');
  const closures = graph.classNames!.indexOf('(closure)');
  let counters = 0;
  for (let o = 0; o < graph.nodeCount; o++) if (graph.classOf![o] === closures && graph.name(o) === 'counterClosure') counters++;
  assert.equal(counters, 20);
  const strings: string[] = [];
  for (let o = 0; o < graph.nodeCount; o++) if (graph.typeName(o) === 'string' && graph.name(o).startsWith('quote ')) strings.push(graph.name(o));
  assert.ok(strings.includes('quote " backslash \\ tab \t newline \n'), 'escapes decode');
});

test('per-class count and self size equal @vscode/v8-heap-parser; retained sizes too, but where its dominators are wrong', async () => {
  const v8p = require('@vscode/v8-heap-parser');
  const g = v8p.decode_bytes(readFileSync(known));
  const theirs = new Map<string, { count: number; self: number; retained: number }>();
  for (const c of g.get_class_groups(0, 1e9, false)) {
    theirs.set(c.name(), { count: c.children_len, self: Number(c.self_size), retained: Number(c.retained_size) });
    c.free();
  }
  g.free();
  const ours = new Map<string, { count: number; self: number; retained: number }>();
  for (const c of classSummary(graph)) {
    const name = UNKNOWN_TO_V8_HEAP_PARSER.has(c.name) ? '(unknown)' : c.name;
    const m = ours.get(name) ?? { count: 0, self: 0, retained: 0 };
    m.count += c.count;
    m.self += c.selfSize;
    m.retained += c.retainedSize;
    ours.set(name, m);
  }
  assert.equal(ours.size, theirs.size);
  // Retained sizes: v8-heap-parser, like the DevTools worker it ports, iterates the dominators
  // of Cooper, Harvey and Kennedy with a work list that revisits a node only when the dominator
  // of one of its retainers changed, so it can stop short of the fixpoint: a few of Node's own
  // objects get as "dominator" a node that does not dominate them (dominators.test.ts checks
  // ours against the definition on this very snapshot), and their sizes land in that node's
  // class too. Every other class, and all of the fixture's own, must agree to the byte.
  const off: string[] = [];
  let excess = 0;
  for (const [name, m] of ours) {
    const t = theirs.get(name)!;
    assert.deepEqual({ count: m.count, self: m.self }, { count: t.count, self: t.self }, `class ${name}`);
    if (m.retained === t.retained) continue;
    off.push(name);
    assert.ok(m.retained < t.retained, `class ${name}: retained ${m.retained}, v8-heap-parser ${t.retained}`);
    excess += t.retained - m.retained;
  }
  assert.ok(excess < 0.005 * graph.totalSize(), `v8-heap-parser counts ${excess} bytes more in ${off.join(', ')}`);
  for (const name of ['Leaf', 'Branch', 'CycleNode', 'MapValue', 'WeakHeld']) assert.ok(!off.includes(name) && ours.has(name), name);
  assert.ok(off.length <= 10, `classes whose retained size differs: ${off.join(', ')}`);
});

test('per-class count and self size equal @memlab/core; retained sizes of the fixture objects too', async () => {
  const core = require('@memlab/core');
  core.config.muteConsole = true;
  const snap = await core.utils.getSnapshotFromFile(known, { buildNodeIdIndex: true });
  core.analysis.preparePathFinder(snap);
  const counts = new Map<string, { count: number; self: number }>();
  const retainedById = new Map<number, number>();
  snap.nodes.forEach((n: { type: string; name: string; self_size: number; id: number; retainedSize: number }) => {
    // memlab prefixes "Detached " to the names of nodes whose detachedness is "detached" (Node
    // marks some of its own native objects so); DevTools and v8-heap-parser group them by name.
    const raw = (n as { is_detached?: boolean }).is_detached ? n.name.replace(/^Detached /, '') : n.name;
    const name = n.type === 'object' || n.type === 'native' ? raw : HeapGraph.typeClassName(n.type);
    const m = counts.get(name) ?? { count: 0, self: 0 };
    m.count++;
    m.self += n.self_size;
    counts.set(name, m);
    retainedById.set(n.id, n.retainedSize);
  });
  const ours = classSummary(graph);
  assert.equal(ours.length, counts.size);
  for (const c of ours) assert.deepEqual({ count: c.count, self: c.selfSize }, counts.get(c.name), `class ${c.name}`);
  // Retained sizes per object. memlab differs from DevTools in one definition: it flags as
  // "page objects" what is reachable from the root's non-shortcut edges (GC roots), where
  // DevTools and v8-heap-parser flag what the root's shortcut edges reach (`global`). An edge
  // from a non-page object into a page object does not retain, so objects that both V8
  // internals and `global` reach can get another dominator. The fixture's own objects, held
  // from `global` only, must agree exactly. Not compared: the CycleNode cycle a→b→c→a, where
  // memlab makes the root the dominator of all three (it attaches nodes in a reference cycle to
  // the root), while DevTools and v8-heap-parser (and we) find holder → a → b → c; the class
  // totals above still equal v8-heap-parser's.
  let compared = 0;
  for (const name of ['Leaf', 'Branch', 'MapValue', 'WeakHeld']) {
    const c = graph.classNames!.indexOf(name);
    for (let o = 0; o < graph.nodeCount; o++) {
      if (graph.classOf![o] !== c) continue;
      assert.equal(graph.retainedSize![o], retainedById.get(graph.nodeId[o]), `${name} @${graph.nodeId[o]}`);
      compared++;
    }
  }
  assert.equal(compared, 1234 + 10 + 77 + 8);
});

test('cycles in the fixture: the three CycleNodes form one cycle, the self-referencing one another', () => {
  const c = graph.classNames!.indexOf('CycleNode');
  const ords: number[] = [];
  for (let o = 0; o < graph.nodeCount; o++) if (graph.classOf![o] === c) ords.push(o);
  const comps = componentsOf(graph, ords);
  assert.deepEqual(comps.map((k) => k.ids.length).sort(), [1, 3]);
  assert.deepEqual(
    comps.map((k) => k.cycles.length),
    [1, 1],
  );
});

test('retainer path of a Leaf goes through its array to the root', () => {
  const c = graph.classNames!.indexOf('Leaf');
  let leaf = -1;
  for (let o = 0; o < graph.nodeCount && leaf < 0; o++) if (graph.classOf![o] === c) leaf = o;
  const r = retainerGraph(graph, leaf);
  assert.ok(r.paths.length > 0);
  const path = r.paths[0];
  assert.equal(path[0], graph.nodeId[leaf]);
  assert.equal(path[path.length - 1], graph.nodeId[graph.rootIndex]);
  const names = path.map((id) => graph.className(graph.ordinalOf(id)));
  assert.ok(names.includes('(array)') || names.includes('Array'), names.join(' ← '));
});

test('allocation stacks from the trace tree of a tracked snapshot', async () => {
  const g = await parseHeapSnapshotFile(traced);
  classSummary(g);
  const c = g.classNames!.indexOf('Traced');
  let n = 0;
  let stack: ReturnType<typeof allocationStack> = [];
  for (let o = 0; o < g.nodeCount; o++) {
    if (g.classOf![o] !== c) continue;
    n++;
    stack = allocationStack(g, o);
  }
  assert.equal(n, 300);
  assert.equal(stack[0].functionName, 'allocateTraced');
  assert.match(stack[0].scriptName, /traced-heap\.js$/);
  assert.ok(stack[0].line > 0);
});

test('parsing CDP-like string chunks gives the same graph as the file', async () => {
  const text = readFileSync(known, 'utf8');
  const p = new HeapSnapshotParser();
  for (let i = 0; i < text.length; i += 100_000) p.write(text.slice(i, i + 100_000));
  const g = p.end();
  const a = classSummary(g);
  const b = classSummary(graph);
  assert.deepEqual(a, b);
});
