/**
 * Births told by V8's object ids with allocation tracking: an instance made after tracking began
 * is never "before", in the first snapshot too; those made before are. On
 * test/fixtures/programs/classes.js (its `leak N` makes N LeakyRecord).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { connectToInspector } from '../../src/targets/node';
import type { ClassDetail, LeakSuspects } from '../../src/model';
import { type RunningServer, startServer } from '../../src/server';
import { NodeTarget } from '../../src/targets';
import { type Program, command, fixture, getJson, startInspected } from '../helpers/programs';

const running: Array<{ program: Program; server: RunningServer }> = [];
after(async () => {
  for (const r of running) {
    await r.server.stop();
    r.program.kill();
  }
});

async function profiled(): Promise<{ program: Program; api: string }> {
  const started = await startInspected('classes.js');
  // (on this machine, as `run` has it: the profiler reads the program's scripts for the lines of `new`)
  const server = await startServer({ target: await NodeTarget.attach(await connectToInspector(started.port), { local: true }), port: 0 });
  running.push({ program: started.program, server });
  return { program: started.program, api: `http://127.0.0.1:${server.port}/api` };
}
const post = (api: string, path: string, body: unknown) => getJson(api + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

// Without stacks the tracker has V8 number every live object as tracking begins (a snapshot
// would only number what it sees), so the first snapshot tells old from new the same way.
for (const trace of [true, false]) {
  describe(`births ${trace ? 'with' : 'without'} allocation tracking`, () => {
    test('made before tracking: before; made after, even before the first snapshot: born there', async () => {
      const { program, api } = await profiled();
      assert.equal((await command(program, 'leak 20')).LeakyRecord, 20);
      assert.equal((await post(api, '/tracker/classes', { name: 'LeakyRecord', trace })).status, 201);
      assert.equal((await command(program, 'leak 30')).LeakyRecord, 50);
      assert.equal((await post(api, '/tracker/snapshots', { description: 'first' })).status, 200);
      assert.equal((await command(program, 'leak 5')).LeakyRecord, 55);
      assert.equal((await post(api, '/tracker/snapshots', { description: 'second' })).status, 200);
      const detail = (await getJson<ClassDetail>(api + '/tracker/classes/LeakyRecord')).body;
      const sorted = detail.instances.slice().sort((a, b) => a.id - b.id);
      assert.equal(sorted.length, 55);
      // ids grow with creation: the 20 oldest are "before", the next 30 born at #0, the last 5 at #1
      assert.deepEqual(
        sorted.slice(0, 20).map((i) => i.birth),
        Array(20).fill(null),
      );
      assert.deepEqual(
        sorted.slice(20, 50).map((i) => i.birth),
        Array(30).fill(0),
      );
      assert.deepEqual(
        sorted.slice(50).map((i) => i.birth),
        Array(5).fill(1),
      );
      // with stacks, every instance made after tracking began names the function that ran `new`
      // (Node's own frames folded); those made before, and all without stacks, have none
      const top = (i: (typeof sorted)[number]) =>
        i.stack === undefined ? undefined : detail.stacks[i.stack].find((f) => f.scriptName !== '' && !f.scriptName.startsWith('node:'));
      assert.deepEqual(
        sorted.map((i) => top(i)?.functionName),
        [...Array(20).fill(undefined), ...Array(35).fill(trace ? 'leak' : undefined)],
      );
      assert.ok(sorted.slice(20).every((i) => !trace || top(i)!.scriptName.endsWith('classes.js')));

      // leak suspects against snapshot #0: the 5 made after it, allocated in `leak` when known
      assert.equal((await post(api, '/tracker/snapshots', { description: 'third' })).status, 200);
      const suspects = (await getJson<LeakSuspects>(api + '/garbage/suspects?baseline=0')).body;
      const records = suspects.groups.filter((g) => g.className === 'LeakyRecord');
      assert.equal(records.length, 1);
      assert.equal(records[0].count, 5);
      const site = records[0].allocatedAt;
      assert.deepEqual(site && [site.functionName, site.count], trace ? ['leak', 5] : undefined, JSON.stringify(site));
      // at the line of its `new` (the function begins a line above)
      const newLine =
        readFileSync(fixture('classes.js'), 'utf8')
          .split('\n')
          .findIndex((l) => l.includes('new LeakyRecord(')) + 1;
      assert.deepEqual(site && [site.line, site.newAt?.line], trace ? [newLine - 1, newLine] : undefined);
      if (!trace) return;

      // a class that extends another: its stacks start in its constructor, the `new` is in the caller
      assert.equal((await post(api, '/tracker/classes', { name: 'DerivedEntry', trace: true })).status, 201);
      await command(program, 'derived 4');
      for (const description of ['derived', 'still derived']) assert.equal((await post(api, '/tracker/snapshots', { description })).status, 200);
      const derived = (await getJson<LeakSuspects>(api + '/garbage/suspects?baseline=2')).body.groups.filter((g) => g.className === 'DerivedEntry');
      const derivedLine =
        readFileSync(fixture('classes.js'), 'utf8')
          .split('\n')
          .findIndex((l) => l.includes('new DerivedEntry(')) + 1;
      assert.deepEqual(
        derived.map((g) => [g.count, g.allocatedAt?.functionName, g.allocatedAt?.newAt?.line, g.allocatedAt?.count]),
        [[4, 'leakDerived', derivedLine, 4]],
      );
      const tracked = (await getJson<ClassDetail>(api + '/tracker/classes/DerivedEntry')).body;
      assert.deepEqual(
        tracked.instances.map((i) => tracked.stacks[i.stack!].find((f) => f.newAt)?.functionName),
        Array(4).fill('leakDerived'),
      );
    });
  });
}

// Tracking a class first sets it up (numbering the heap, or turning on allocation tracking);
// a snapshot asked for meanwhile, as the palette's Take Snapshot right after Track Class, comes
// after it instead of being refused as busy.
for (const trace of [true, false]) {
  test(`a snapshot asked for while a class is being tracked ${trace ? 'with' : 'without'} stacks waits for it and counts the class`, async () => {
    const { program, api } = await profiled();
    assert.equal((await command(program, 'leak 20')).LeakyRecord, 20);
    const tracking = post(api, '/tracker/classes', { name: 'LeakyRecord', trace });
    const snapshot = post(api, '/tracker/snapshots', { description: 'right after' });
    assert.equal((await tracking).status, 201);
    const taken = await snapshot;
    assert.equal(taken.status, 200, JSON.stringify(taken.body));
    const detail = (await getJson<ClassDetail>(api + '/tracker/classes/LeakyRecord')).body;
    assert.deepEqual(
      detail.snapshots.map((s) => s.active),
      [20],
    );
  });
}
