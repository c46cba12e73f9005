/**
 * The Python agent inside a real Python program (Debian's python3): its socket, secret and
 * every capability, checked against what the fixture program holds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { classSummary, diffSnapshots, parseHeapSnapshot, type HeapGraph } from '../../../src/heap';
import { AgentConnectionError, AgentRequestError, PythonAgentClient } from '../../../src/targets/python';
import type { ObjectReferents, ProcessInfo, ThreadInfo, ThreadStack } from '../../../src/model';
import { type PythonProgram, pythonFixture, snapshotBytes, startPython } from '../../helpers/python';

let py: PythonProgram;

before(async () => {
  py = await startPython([pythonFixture('holder.py')]);
  await py.program.json('ready');
});
after(() => py?.stop());

/** Node ids of the class's instances in a snapshot. */
function idsOf(g: HeapGraph, className: string): number[] {
  const out: number[] = [];
  for (let o = 0; o < g.nodeCount; o++) if (g.typeName(o) === 'object' && g.name(o) === className) out.push(g.nodeId[o]);
  return out.sort((a, b) => a - b);
}

const AGENT_CLASSES = ['Agent', 'Connection', 'StableIds', 'AgentRef', '_Table', 'ThreadInspector', 'OwnObjects', 'Walker', 'Snapshot'];

describe('the Python agent', () => {
  test('refuses a wrong secret and keeps serving the right one', async () => {
    await assert.rejects(
      PythonAgentClient.connect({ ...py.address, secret: 'not-the-secret' }),
      (e: Error) => e instanceof AgentConnectionError && e.message === 'the Python agent refused the connection: wrong secret',
    );
    const info = await py.client.request<{ pid: number; runtime: string }>('info');
    assert.equal(info.pid, py.pid);
    assert.match(info.runtime, /^python 3\.\d+\.\d+$/);
  });

  test('process figures in the shape of the Node target', async () => {
    const p = await py.client.request<ProcessInfo>('process');
    assert.equal(p.pid, py.pid);
    assert.ok(p.rss > 1_000_000 && p.vsz >= p.rss, `rss ${p.rss}, vsz ${p.vsz}`);
    assert.ok(p.maxRss >= p.rss * 0.5);
    assert.equal(typeof p.pagefaults, 'number');
    assert.deepEqual(Object.keys(p.heap).sort(), ['arrayBuffers', 'external', 'limit', 'total', 'used']);
    const rows = new Map(p.osSpecific);
    assert.match(rows.get('VmRSS')!, /^\d+ kB$/);
    assert.equal(rows.get('Pid'), String(py.pid));
    // No zeros that read as measured: the heap is labelled as not measured (tracemalloc is off),
    // and the figures CPython has cheaply are there, with their units.
    const r = p.runtimeHeap!;
    assert.equal(r.title, 'Python heap');
    assert.equal(r.measured, false);
    assert.deepEqual([p.heap.used, p.heap.total], [0, 0]);
    assert.match(r.note, /tracemalloc/);
    assert.deepEqual(
      r.figures.map((f) => [f.id, f.unit]),
      [
        ['allocated-blocks', 'count'],
        ['gc-collections', 'count'],
        ['gc-collected', 'count'],
        ['gc-garbage', 'count'],
      ],
    );
    assert.ok(r.figures[0].value > 1000);
  });

  test('a census counts the instances of each class asked for, by bare or qualified name', async () => {
    const names = ['Order', '__main__.Order', 'Outer.Inner', 'Inner', 'Unused', 'Spy', 'SpyClass', 'Slotted', 'NoSuchClass'];
    const census = await py.client.request<{ counts: Record<string, number>; scanned: number }>('census', { names });
    assert.deepEqual(census.counts, { Order: 123, '__main__.Order': 123, 'Outer.Inner': 7, Inner: 7, Unused: 0, Spy: 5, SpyClass: 2, Slotted: 11, NoSuchClass: 0 });
    assert.ok(census.scanned > 1000);
    await assert.rejects(
      py.client.request('census', { names: 'Order' }),
      (e: Error) => e instanceof AgentRequestError && e.message === 'census needs names: a list of class names',
    );
  });

  test('a heap snapshot parses alike in our engine and @vscode/v8-heap-parser, with exact counts', async () => {
    const { bytes, result } = await snapshotBytes(py.client);
    assert.equal(bytes.length, result.bytes);
    const g = parseHeapSnapshot(bytes);
    assert.equal(g.nodeCount, result.nodes);
    assert.equal(g.edgeCount, result.edges);
    assert.equal(g.name(g.rootIndex), '');
    assert.equal(g.typeName(g.rootIndex), 'synthetic');
    const ours = new Map(classSummary(g).map((c) => [c.name, c]));
    assert.equal(ours.get('Order')!.count, 123);
    assert.equal(ours.get('Outer.Inner')!.count, 7);
    assert.equal(ours.get('Spy')!.count, 5);
    assert.equal(ours.get('SpyClass')!.count, 2);
    assert.equal(ours.get('Slotted')!.count, 11);
    assert.equal(ours.has('Unused'), false);
    for (const name of AGENT_CLASSES) assert.equal(ours.has(name), false, `the agent's ${name} is in the snapshot`);
    // Each Order: its own size, its __dict__, its label string (the ints are shared).
    assert.ok(ours.get('Order')!.retainedSize > ours.get('Order')!.selfSize);

    const v8p = require('@vscode/v8-heap-parser');
    const theirs = v8p.decode_bytes(bytes);
    const groups = new Map<string, { count: number; self: number; retained: number }>();
    for (const c of theirs.get_class_groups(0, 1e9, false)) {
      groups.set(c.name(), { count: c.children_len, self: Number(c.self_size), retained: Number(c.retained_size) });
      c.free();
    }
    theirs.free();
    assert.equal(groups.size, ours.size);
    let nodes = 0;
    for (const [name, c] of ours) {
      const t = groups.get(name);
      assert.ok(t, `class ${name} missing from v8-heap-parser's summary`);
      assert.deepEqual({ count: c.count, self: c.selfSize }, { count: t.count, self: t.self }, `class ${name}`);
      nodes += c.count;
    }
    for (const name of ['Order', 'Outer.Inner', 'Spy', 'Slotted']) assert.equal(ours.get(name)!.retainedSize, groups.get(name)!.retained, `retained size of ${name}`);
    assert.ok(nodes > 1000);
  });

  test('ids stay with their objects across snapshots; a new object at a reused address gets a new one', async () => {
    const first = parseHeapSnapshot((await snapshotBytes(py.client)).bytes);
    const second = parseHeapSnapshot((await snapshotBytes(py.client)).bytes);
    assert.deepEqual(idsOf(second, 'Order'), idsOf(first, 'Order'));
    assert.equal(idsOf(first, 'Order').length, 123);
    const before = idsOf(second, 'Reused');
    assert.equal(before.length, 1);
    const reuse = await py.ask<{ reused: boolean }>('reuse', 'reused');
    assert.equal(reuse.reused, true, 'the fixture made a new Reused at the old one’s address');
    const third = parseHeapSnapshot((await snapshotBytes(py.client)).bytes);
    const afterReuse = idsOf(third, 'Reused');
    assert.equal(afterReuse.length, 1);
    assert.notEqual(afterReuse[0], before[0], 'one death and one birth, not the same object');
    assert.deepEqual(idsOf(third, 'Order'), idsOf(first, 'Order'));
  });

  test('the agent adds no objects of its own between snapshots of an idle program', async () => {
    const a = parseHeapSnapshot((await snapshotBytes(py.client)).bytes);
    const b = parseHeapSnapshot((await snapshotBytes(py.client)).bytes);
    const count = (g: HeapGraph) => new Map(classSummary(g).map((c) => [c.name, c.count]));
    const ca = count(a);
    const cb = count(b);
    for (const name of ['dict', 'list', 'tuple', 'weakref.ReferenceType', 'ReferenceType', 'frame', 'set']) {
      assert.ok(Math.abs((cb.get(name) ?? 0) - (ca.get(name) ?? 0)) <= 2, `${name}: ${ca.get(name)} then ${cb.get(name)}`);
    }
    // By id too: none of the agent's lists (of sys.modules' items, of threads) dies between them.
    const diff = diffSnapshots(a, b);
    for (const name of ['list', 'tuple']) {
      const gone = diff.classes.find((c) => c.name === name)?.removedCount ?? 0;
      assert.ok(gone <= 2, `${name}: ${gone} gone between two snapshots of an idle program`);
    }
  });

  test('garbage: dropped cycles with their class, the gc flags and gc.garbage put back', async () => {
    assert.deepEqual(await py.ask('sentinel', 'sentinel'), { sentinel: true });
    assert.deepEqual(await py.ask('cycle', 'cycle'), { cycle: true });
    type Report = {
      objects: number;
      graphs: Array<{
        index: number;
        objects: number;
        cycleObjects: number;
        classes: string[];
        graph: { nodes: Array<{ id: number; className: string; repr: string }>; edges: Array<{ from: number; to: number; name: string }> };
        reduced: { nodes: unknown[] };
      }>;
    };
    const report = await py.client.request<Report>('garbage', { refresh: true });
    const cyclic = report.graphs.filter((g) => g.classes[0] === 'Cyclic');
    assert.equal(cyclic.length, 1, JSON.stringify(report.graphs.map((g) => g.classes)));
    const graph = cyclic[0];
    assert.equal(graph.objects, 3);
    assert.equal(graph.cycleObjects, 3);
    assert.equal(graph.reduced.nodes.length, 3);
    assert.deepEqual(
      graph.graph.edges.map((e) => e.name),
      ['next', 'next', 'next'],
    );
    assert.match(graph.graph.nodes[0].repr, /^<__main__\.Cyclic object at 0x[0-9a-f]+>$/);
    // Cached until a refresh.
    assert.deepEqual(await py.client.request('garbage'), report);
    assert.deepEqual(await py.ask('gcstate', 'garbage'), { garbage: 1, debug: 0, enabled: false });
  });

  test('threads, the main stack with source, locals expanded level by level with sizes', async () => {
    const threads = await py.client.request<Array<ThreadInfo & { daemon: boolean }>>('threads');
    assert.deepEqual(
      threads.map((t) => [t.id === 'main' ? 'main' : 'n', t.name, t.kind]),
      [
        ['main', 'MainThread', 'main'],
        ['n', 'worker-thread', 'worker'],
      ],
    );
    const stack = await py.client.request<ThreadStack>('stack', { thread: 'main' });
    const top = stack.frames[0];
    assert.equal(top.function, 'main_loop');
    assert.match(top.url, /^file:\/\/\/.*\/holder\.py$/);
    assert.equal(top.internal, false);
    assert.ok(top.context!.lines.some((l) => l.includes('for line in sys.stdin')));
    const locals = await py.client.request<ObjectReferents & { referents: Array<{ deepSize: number }> }>('objects', { ref: top.localsRef });
    const byName = new Map(locals.referents.map((r) => [r.name, r]));
    const list = byName.get('local_orders')!;
    assert.equal(list.type, 'list');
    assert.equal(list.preview, '[<Order>, <Order>, <Order>]');
    assert.ok(list.deepSize! > list.size, 'the deep size counts the orders');
    assert.equal(byName.get('local_text')!.preview, "'hello'");
    const items = await py.client.request<ObjectReferents>('objects', { ref: list.ref });
    assert.deepEqual(
      items.referents.map((r) => [r.name, r.type]),
      [
        ['[0]', 'Order'],
        ['[1]', 'Order'],
        ['[2]', 'Order'],
      ],
    );
    assert.equal(items.depth, 1);
    const order = await py.client.request<ObjectReferents>('objects', { ref: items.referents[1].ref });
    assert.deepEqual(
      order.referents.map((r) => [r.name, r.preview]),
      [
        ['n', '1'],
        ['label', "'order 1'"],
      ],
    );
    await assert.rejects(py.client.request('objects', { ref: '999.999' }), (e: Error) => e instanceof AgentRequestError && e.code === 'unknown');
    await assert.rejects(
      py.client.request('stack', { thread: '42' }),
      (e: Error) => e instanceof AgentRequestError && e.message === 'no thread 42: the threads request lists the threads',
    );
  });

  test("the program's track_class reaches a subscriber", async () => {
    const events: Array<{ event: string; params: Record<string, unknown> }> = [];
    py.client.onEvent((e) => events.push(e));
    await py.client.request('subscribe');
    await py.ask('track', 'tracked');
    for (let i = 0; i < 50 && !events.length; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      events.map((e) => [e.event, e.params.name, e.params.module]),
      [['trackClass', 'Order', '__main__']],
    );
  });

  test('no method of the program ran: no __repr__, __getattr__, __len__, __eq__, __hash__, __sizeof__, property', async () => {
    // Everything above read Spy instances (census, snapshots, garbage, locals of the module).
    const stack = await py.client.request<ThreadStack>('stack', { thread: 'main' });
    const module = stack.frames.find((f) => f.function === '<module>')!;
    const globals = await py.client.request<ObjectReferents>('objects', { ref: module.scopes[0].ref, limit: 1000 });
    const spies = globals.referents.find((r) => r.name === 'spies')!;
    const dict = await py.client.request<ObjectReferents>('objects', { ref: spies.ref });
    assert.deepEqual(
      dict.referents.map((r) => [r.name, r.type, typeof r.ref]),
      [0, 1, 2, 3, 4].map((i) => [`[${i}]`, 'Spy', 'string']),
    );
    for (const spy of dict.referents) await py.client.request('objects', { ref: spy.ref! });
    assert.deepEqual(await py.ask('calls', 'calls'), { calls: [] });
  });

  test('a bad request gets a one-line error and the connection stays', async () => {
    await assert.rejects(py.client.request('nonsense'), (e: Error) => e instanceof AgentRequestError && e.message === "unknown method 'nonsense'" && e.code === 'unknown-method');
    assert.equal((await py.client.request<{ pid: number }>('info')).pid, py.pid);
  });
});
