import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { CensusEntry, TrackerSnapshot, TrackerState } from '../../src/model';
import { LIB, type Program, fixture, getJson, json, startNode } from '../helpers/programs';

const running: Program[] = [];
after(() => running.forEach((p) => p.kill()));

describe('class tracker in the profiled process (worker-thread server)', () => {
  test("startInBackground({trackClasses}) tracks from the start; tracker calls from the program; overhead is the profiler thread's heap", async () => {
    const program = startNode([fixture('trackSelf.js')], { MEMORY_PROFILER_LIB: LIB, MODE: 'background' });
    running.push(program);
    const { port } = await program.json<{ port: number }>('url');
    const api = `http://127.0.0.1:${port}/api`;
    const state = (await getJson<TrackerState>(api + '/tracker')).body;
    assert.equal(state.live, true);
    assert.deepEqual(
      state.tracked.map((t) => t.name),
      ['Order'],
    );

    const s0 = await getJson<TrackerSnapshot>(api + '/tracker/snapshots', json('POST', { description: 'over http' }));
    assert.equal(s0.status, 200, JSON.stringify(s0.body));
    assert.equal(s0.body.classes.Order.active, 40);
    // The profiler runs in its own isolate: its heap is outside the program's JS heap, inside its RSS.
    assert.ok(s0.body.overhead > 1024 * 1024, `overhead ${s0.body.overhead}`);
    assert.ok(s0.body.process && s0.body.overhead < s0.body.process.rss - s0.body.process.heapTotal);

    program.send('add 15');
    assert.equal((await program.json<{ orders: number }>('done')).orders, 55);
    program.send('census');
    const census = (await program.json<{ census: CensusEntry }>('done')).census;
    assert.deepEqual(census.classes.Order, { active: 55, avg: s0.body.classes.Order.avg, sum: Math.round(s0.body.classes.Order.avg * 55), sizesFrom: 0, estimated: true });
    program.send('snapshot');
    const s1 = (await program.json<{ snapshot: TrackerSnapshot }>('done')).snapshot;
    assert.deepEqual([s1.index, s1.description, s1.classes.Order.active], [1, 'from the program', 55]);
    const series = (await getJson<TrackerState>(api + '/tracker')).body.timeseries;
    assert.deepEqual(
      series.find((t) => t.label === 'overhead')!.data.map(([, v]) => v > 0),
      [true, true],
    );

    program.send('stop');
    await program.json('stopped');
    program.kill();
  });

  test("startProfiler({tracker: {classes}}) serves the suspended program's tracker", async () => {
    const program = startNode([fixture('trackSelf.js')], { MEMORY_PROFILER_LIB: LIB, MODE: 'suspend', ORDERS: '33' });
    running.push(program);
    const { port } = await program.json<{ port: number }>('url');
    const api = `http://127.0.0.1:${port}/api`;
    assert.deepEqual(
      (await getJson<TrackerState>(api + '/tracker')).body.tracked.map((t) => t.name),
      ['Order'],
    );
    const s = await getJson<TrackerSnapshot>(api + '/tracker/snapshots', json('POST', { description: 'suspended' }));
    assert.equal(s.status, 200, JSON.stringify(s.body));
    assert.equal(s.body.classes.Order.active, 33);
    const c = await getJson<CensusEntry>(api + '/tracker/census', json('POST'));
    assert.equal(c.body.classes.Order.active, 33);
    assert.equal((await getJson(api + '/stop', json('POST'))).status, 200);
    assert.equal((await program.json<{ orders: number }>('resumed')).orders, 33);
    assert.equal((await program.exited).code, 0);
  });
});
