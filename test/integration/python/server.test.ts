/**
 * A live Python program behind the same HTTP API as a Node one: the agent in Debian's python3,
 * the real server, the tracker over snapshots, the heap by class, threads and stacks.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ClassDetail, GarbageGraphSummary, HeapClassSummary, ProcessInfo, TargetInfo, ThreadInfo, ThreadStack, TrackerState } from '../../../src/model';
import type { PythonTarget } from '../../../src/targets/python';
import { CLI, getJson, startNode } from '../../helpers/programs';
import { type PythonProgram, type ServedPython, servePython } from '../../helpers/python';

let served: ServedPython;
let py: PythonProgram;
let target: PythonTarget;
let base: string;
let post: ServedPython['post'];

before(async () => {
  served = await servePython('holder.py');
  ({ py, target, base, post } = served);
});
after(() => served?.stop());

describe('a Python program behind the HTTP API', () => {
  test('/api/target and /api/process describe the Python program', async () => {
    const info = await getJson<TargetInfo>(`${base}/api/target`);
    assert.equal(info.status, 200);
    assert.equal(info.body.pid, py.pid);
    assert.match(info.body.runtime, /^python 3\.\d+\.\d+$/);
    assert.deepEqual(info.body.capabilities, ['process', 'threads', 'heapSnapshots', 'census', 'objectIds', 'programRequests', 'collectorGarbage']);
    const process = await getJson<ProcessInfo>(`${base}/api/process`);
    assert.equal(process.status, 200);
    assert.equal(process.body.pid, py.pid);
    assert.ok(process.body.rss > 0);
  });

  test('tracking a class the program has none of answers a warning with the near names it has', async () => {
    const typo = await post('/api/tracker/classes', { name: 'Ordr' });
    assert.equal(typo.status, 201);
    assert.deepEqual(typo.body.warning.suggestions, ['Order']);
    assert.equal(typo.body.warning.source, 'census');
    const ghost = await post('/api/tracker/classes', { name: 'Ghost' });
    assert.match(ghost.body.warning.message, /no class of that name/);
    // A class with no instance: it exists, and is said to.
    const unused = await post('/api/tracker/classes', { name: 'Unused' });
    assert.match(unused.body.warning.message, /the class exists and is tracked/);
    // The agent's own classes are not the program's.
    const names = await target.capabilities.census!.names!();
    assert.ok(!names.classes.includes('Agent') && !names.classes.includes('StableIds'), names.classes.join(' '));
    assert.equal(names.counts.Order, 123);
    for (const name of ['Ordr', 'Ghost', 'Unused']) assert.equal((await getJson(`${base}/api/tracker/classes/${name}`, { method: 'DELETE' })).status, 200);
  });

  test('tracker snapshots count the instances exactly; births after the first snapshot; the heap by class agrees', async () => {
    assert.equal((await post('/api/tracker/classes', { name: 'Order' })).status, 201);
    assert.equal((await post('/api/tracker/classes', { name: 'Reused' })).status, 201);
    const first = await post('/api/tracker/snapshots', { description: 'first' });
    assert.ok(first.status === 200 || first.status === 201, JSON.stringify(first.body));
    assert.deepEqual(await py.ask('more', 'orders'), { orders: 133 });
    assert.equal((await py.ask<{ reused: boolean }>('reuse', 'reused')).reused, true);
    assert.ok((await post('/api/tracker/snapshots', { description: 'second' })).status < 300);
    const state = (await getJson<TrackerState>(`${base}/api/tracker`)).body;
    assert.deepEqual(
      state.snapshots.map((s) => s.classes.Order.active),
      [123, 133],
    );
    assert.deepEqual(
      state.snapshots.map((s) => s.classes.Reused.active),
      [1, 1],
    );
    const orders = (await getJson<ClassDetail>(`${base}/api/tracker/classes/Order`)).body;
    assert.equal(orders.instances.filter((i) => i.birth === 1).length, 10, 'ten Orders born after the first snapshot');
    assert.equal(orders.instances.filter((i) => i.death !== null).length, 0);
    // The new Reused sits at the old one's address: one death and one birth all the same.
    const reused = (await getJson<ClassDetail>(`${base}/api/tracker/classes/Reused`)).body;
    assert.deepEqual(
      reused.instances.map((i) => [i.birth, i.death]).sort(),
      [
        [1, null],
        [null, 1],
      ].sort(),
    );
    const heapIndex = state.snapshots[1].heapIndex!;
    const classes = await getJson<HeapClassSummary[]>(`${base}/api/heap/classes?snapshot=${heapIndex}`);
    assert.equal(classes.status, 200);
    const byName = new Map(classes.body.map((c) => [c.name, c]));
    assert.equal(byName.get('Order')!.count, 133);
    assert.equal(byName.get('Spy')!.count, 5);
  });

  test('a census counts the tracked classes without a snapshot', async () => {
    const census = await post('/api/tracker/census', {});
    assert.equal(census.status, 200, JSON.stringify(census.body));
    assert.equal((census.body as { classes: Record<string, { active: number }> }).classes.Order.active, 133);
  });

  test('a class tracked by its bare, qualified or module-qualified name counts the same in snapshots, censuses and warnings', async () => {
    const names = ['Inner', 'Outer.Inner', '__main__.Order'];
    for (const name of names) {
      const tracked = await post('/api/tracker/classes', { name });
      assert.equal(tracked.status, 201);
      assert.equal(tracked.body.warning, undefined, `${name}: ${JSON.stringify(tracked.body.warning)}`);
    }
    const snapshot = await post('/api/tracker/snapshots', { description: 'by other names' });
    assert.ok(snapshot.status < 300, JSON.stringify(snapshot.body));
    const census = (await post('/api/tracker/census', {})).body as { classes: Record<string, { active: number }> };
    const state = (await getJson<TrackerState>(`${base}/api/tracker`)).body;
    const latest = state.snapshots.at(-1)!;
    assert.deepEqual(
      names.map((n) => [n, latest.classes[n].active, census.classes[n].active]),
      [
        ['Inner', 7, 7],
        ['Outer.Inner', 7, 7],
        ['__main__.Order', 133, 133],
      ],
    );
    // The class page lists the instances themselves.
    const inner = (await getJson<ClassDetail>(`${base}/api/tracker/classes/Inner`)).body;
    assert.equal(inner.instances.length, 7);
    for (const name of names) assert.equal((await getJson(`${base}/api/tracker/classes/${encodeURIComponent(name)}`, { method: 'DELETE' })).status, 200);
  });

  test('a near miss of a nested class suggests its qualified name', async () => {
    const typo = await post('/api/tracker/classes', { name: 'Innr' });
    assert.deepEqual(typo.body.warning.suggestions, ['Outer.Inner']);
    assert.equal((await getJson(`${base}/api/tracker/classes/Innr`, { method: 'DELETE' })).status, 200);
  });

  test('/api/garbage: a dropped cycle, collected between two snapshots, with its class', async () => {
    assert.deepEqual(await py.ask('keepcycle', 'kept'), { kept: true });
    assert.ok((await post('/api/tracker/snapshots', { description: 'with the cycle' })).status < 300);
    assert.deepEqual(await py.ask('dropcycle', 'dropped'), { dropped: true });
    assert.ok((await post('/api/tracker/snapshots', { description: 'cycle dropped' })).status < 300);
    const report = await getJson<GarbageGraphSummary[]>(`${base}/api/garbage`);
    assert.equal(report.status, 200, JSON.stringify(report.body));
    const cyclic = report.body.filter((g) => g.classes.includes('Cyclic'));
    assert.equal(cyclic.length, 1, JSON.stringify(report.body));
    assert.ok(cyclic[0].cycleObjects >= 3, JSON.stringify(cyclic[0]));
    const detail = await getJson<{ objects: Array<{ className: string }> }>(`${base}/api/garbage/${cyclic[0].index}`);
    assert.equal(detail.body.objects.filter((o) => o.className === 'Cyclic').length, 3);
  });

  test('threads and the main stack', async () => {
    const threads = await getJson<ThreadInfo[]>(`${base}/api/threads`);
    assert.equal(threads.status, 200);
    assert.deepEqual(
      threads.body.map((t) => t.name),
      ['MainThread', 'worker-thread'],
    );
    const stack = await getJson<ThreadStack>(`${base}/api/threads/main/stack`);
    assert.equal(stack.status, 200);
    assert.equal(stack.body.frames[0].function, 'main_loop');
    const unknown = await getJson<{ error: string }>(`${base}/api/threads/12345/stack`);
    assert.equal(unknown.status, 404);
  });

  test('a dump reloaded offline (open stats.json.gz) shows the same tracker tables', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'python-stats-'));
    try {
      const file = join(dir, 'stats.json.gz');
      await served.server.tracker.dumpStats(file);
      const live = (await getJson<TrackerState>(`${base}/api/tracker`)).body;
      const p = startNode([CLI, 'open', file, '--port', '0']);
      try {
        const url = (await p.waitFor(/serving stats at (http:\S+)/, 20_000, 'stderr'))[1];
        const offline = (await getJson<TrackerState>(url + 'api/tracker')).body;
        assert.equal(offline.live, false);
        assert.deepEqual(offline.snapshots, live.snapshots);
        assert.deepEqual(
          offline.snapshots.slice(0, 2).map((s) => s.classes.Order.active),
          [123, 133],
        );
        const target = (await getJson<TargetInfo>(url + 'api/target')).body;
        assert.equal(target.kind, 'offline');
      } finally {
        p.kill();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('no method of the program ran', async () => {
    assert.deepEqual(await py.ask('calls', 'calls'), { calls: [] });
  });
});
