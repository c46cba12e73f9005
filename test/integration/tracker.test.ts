import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { connectToInspector } from '../../src/targets/node';
import type { CensusEntry, ClassDetail, HeapClassSummary, HeapSnapshotEntry, PeriodicStatus, TrackerSnapshot, TrackerState } from '../../src/model';
import { type RunningServer, startServer } from '../../src/server';
import { NodeTarget } from '../../src/targets';
import { ClassTracker, loadStats, MemoryGuardError } from '../../src/tracker';
import { CLI, type Program, command, fixture, getJson, json, startInspected, startNode } from '../helpers/programs';

const dir = mkdtempSync(join(tmpdir(), 'mp-tracker-'));
const running: Program[] = [];
const servers: RunningServer[] = [];
after(async () => {
  for (const s of servers) await s.stop();
  running.forEach((p) => p.kill());
  rmSync(dir, { recursive: true, force: true });
});

async function serve(fixtureName: string, makeTracker?: (target: NodeTarget) => ClassTracker) {
  const started = await startInspected(fixtureName);
  running.push(started.program);
  const target = await NodeTarget.attach(await connectToInspector(started.port));
  const server = await startServer({ target, port: 0, tracker: makeTracker?.(target) });
  servers.push(server);
  const api = `http://127.0.0.1:${server.port}/api`;
  return { ...started, target, server, api };
}

describe('class tracker on a live program', () => {
  let program: Program;
  let api: string;
  let server: RunningServer;
  let port: number;
  const snapshot = async (description: string) => {
    const r = await getJson<TrackerSnapshot>(api + '/tracker/snapshots', json('POST', { description }));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };

  before(async () => {
    ({ program, api, server, port } = await serve('classes.js'));
  });

  test('active counts equal the instances the program holds; births and deaths land on the right snapshots', async () => {
    assert.equal((await getJson(api + '/tracker/classes', json('POST', { name: 'TrackedWidget', resolutionLevel: 1 }))).status, 201);
    assert.equal((await getJson(api + '/tracker/classes', json('POST', { name: 'TrackedGadget' }))).status, 201);

    const s0 = await snapshot('start');
    assert.equal(s0.index, 0);
    assert.equal(s0.classes.TrackedWidget.active, 50);
    assert.equal(s0.classes.TrackedGadget.active, 20);

    assert.deepEqual(await command(program, 'add TrackedWidget 30'), { TrackedWidget: 80, TrackedGadget: 20, CycleNode: 2, LeakyRecord: 0 });
    await command(program, 'add TrackedGadget 5');
    const s1 = await snapshot('added');
    assert.equal(s1.classes.TrackedWidget.active, 80);
    assert.equal(s1.classes.TrackedGadget.active, 25);

    await command(program, 'drop TrackedWidget 10');
    await command(program, 'drop TrackedGadget 25');
    const s2 = await snapshot('dropped');
    assert.equal(s2.classes.TrackedWidget.active, 70);
    assert.equal(s2.classes.TrackedGadget.active, 0);

    // sums, averages and shares are consistent; share is of the JS heap (the snapshot's total)
    const w = s2.classes.TrackedWidget;
    assert.ok(w.sum >= w.selfSum && w.selfSum > 0);
    assert.equal(w.avg, w.sum / 70);
    assert.equal(w.pct, (100 * w.sum) / s2.total);
    assert.equal(s2.trackedTotal, w.sum + s2.classes.TrackedGadget.sum);
    assert.ok(s2.process && s2.process.rss > s2.process.heapUsed);

    const widget = (await getJson<ClassDetail>(api + '/tracker/classes/TrackedWidget')).body;
    assert.deepEqual(
      widget.snapshots.map((s) => s.active),
      [50, 80, 70],
    );
    assert.equal(widget.instances.length, 80);
    const born = (b: number | null) => widget.instances.filter((i) => i.birth === b);
    assert.equal(born(null).length, 50, 'alive when tracking began: birth unknown');
    assert.equal(born(1).length, 30);
    const dead = widget.instances.filter((i) => i.death !== null);
    assert.equal(dead.length, 10);
    assert.ok(
      dead.every((i) => i.death === 2 && i.birth === 1),
      'the 10 dropped were the newest',
    );
    assert.ok(dead.every((i) => i.sizes.length === 1 && i.sizes[0][0] === 1));
    assert.ok(born(null).every((i) => i.sizes.map(([s]) => s).join() === '0,1,2'));
    assert.match(widget.instances[0].repr, /^TrackedWidget @\d+$/);
    // resolution level 1: referents merged by name and class
    const refs = widget.snapshots[0].referents.map((r) => [r.name, r.count]);
    assert.deepEqual(
      refs.find(([n]) => n === 'label → (string)'),
      ['label → (string)', 50],
    );
    assert.deepEqual(
      refs.find(([n]) => n === 'parts → Array'),
      ['parts → Array', 50],
    );
    const gadget = (await getJson<ClassDetail>(api + '/tracker/classes/TrackedGadget')).body;
    assert.equal(gadget.instances.filter((i) => i.death === 2).length, 25);
    assert.deepEqual(gadget.snapshots[0].referents, [], 'resolution level 0 records no referents');

    // the snapshots are heap snapshots too
    const heapList = (await getJson<HeapSnapshotEntry[]>(api + '/heap/snapshots')).body;
    assert.deepEqual(
      heapList.map((h) => h.label),
      ['start', 'added', 'dropped'],
    );
    const classes = (await getJson<HeapClassSummary[]>(api + `/heap/classes?snapshot=${s2.heapIndex}`)).body;
    assert.equal(classes.find((c) => c.name === 'TrackedWidget')!.count, 70);

    const state = (await getJson<TrackerState>(api + '/tracker')).body;
    assert.deepEqual(
      state.tracked.map((t) => t.name),
      ['TrackedWidget', 'TrackedGadget'],
    );
    assert.deepEqual(
      state.timeseries.find((s) => s.label === 'class:TrackedWidget')!.data.map(([t]) => t),
      [s0.timestamp, s1.timestamp, s2.timestamp],
    );
    assert.ok(state.timeseries.some((s) => s.label === 'space:old_space' && s.data.length >= 3));
  });

  test('progress and new snapshots are server-sent events', async () => {
    const response = await fetch(api + '/events');
    const reader = response.body!.getReader();
    const taken = snapshot('with events');
    let text = '';
    const deadline = Date.now() + 15_000;
    while (!text.includes('event: snapshot-added') && Date.now() < deadline) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const s = await taken;
    assert.match(text, /event: snapshot-progress\ndata: \{"phase":"capture","done":\d+,"total":\d+,"description":"with events"\}/);
    const added = JSON.parse(/event: snapshot-added\ndata: (.*)/.exec(text)![1]);
    assert.deepEqual(added, s);
  });

  test('a second snapshot while one runs is refused with 409', async () => {
    await command(program, 'ballast 150000');
    const [a, b] = await Promise.all([
      getJson(api + '/tracker/snapshots', json('POST', { description: 'first of two' })),
      new Promise((r) => setTimeout(r, 30)).then(() => getJson(api + '/tracker/snapshots', json('POST', { description: 'second of two' }))),
    ]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 409);
    assert.equal(b.body.error, 'busy');
    assert.match(b.body.detail, /already being taken/);
    await command(program, 'ballast 0');
  });

  test('an id reset by another client is reported, not taken for deaths and births', async () => {
    const other = await connectToInspector(port);
    await other.send('HeapProfiler.enable');
    await other.send('HeapProfiler.disable'); // clears V8's object ids for every client
    other.close();
    const s = await snapshot('after reset');
    assert.equal(s.idReset, true);
    assert.equal(s.classes.TrackedWidget.active, 70);
    const state = (await getJson<TrackerState>(api + '/tracker')).body;
    assert.deepEqual(
      state.idResets.map((r) => [r.snapshot, r.detectedBy]),
      [[s.index, 'sentinel']],
    );
    const widget = (await getJson<ClassDetail>(api + '/tracker/classes/TrackedWidget')).body;
    assert.equal(widget.instances.filter((i) => i.death === s.index).length, 0, 'no deaths recorded across a reset');
    assert.equal(widget.instances.filter((i) => i.lostAt === s.index).length, 70);
    assert.equal(widget.instances.filter((i) => i.birth === null && i.sizes[0][0] === s.index).length, 70, 'births unknown after a reset');
    // and the next snapshot matches again
    await command(program, 'add TrackedWidget 4');
    const next = await snapshot('after reset + 4');
    assert.ok(!next.idReset);
    const again = (await getJson<ClassDetail>(api + '/tracker/classes/TrackedWidget')).body;
    assert.equal(again.instances.filter((i) => i.birth === next.index).length, 4);
  });

  test('periodic snapshots keep within the pause budget and sample the timeline', async () => {
    const before = (await getJson<TrackerState>(api + '/tracker')).body.snapshots.length;
    const started = await getJson(api + '/tracker/periodic', json('POST', { intervalMs: 100, budget: 0.25, mode: 'full' }));
    assert.equal(started.status, 200);
    assert.deepEqual([started.body.intervalMs, started.body.budget, started.body.mode], [100, 0.25, 'full']);
    let state: TrackerState;
    const deadline = Date.now() + 20_000;
    do {
      await new Promise((r) => setTimeout(r, 100));
      state = (await getJson<TrackerState>(api + '/tracker')).body;
    } while (state.snapshots.length < before + 3 && Date.now() < deadline);
    assert.equal((await getJson(api + '/tracker/periodic', json('DELETE'))).status, 200);
    assert.equal((await getJson<TrackerState>(api + '/tracker')).body.periodic, null);
    const periodic = state.snapshots.slice(before);
    assert.ok(periodic.length >= 3, `periodic snapshots taken: ${periodic.length}`);
    for (let i = 1; i < periodic.length; i++) {
      const gap = periodic[i].timestamp - periodic[i - 1].timestamp;
      assert.ok(gap >= Math.max(100, periodic[i - 1].captureMs / 0.25), `gap ${gap} ms after a ${periodic[i - 1].captureMs} ms pause`);
    }
    assert.match(periodic[0].description, /^periodic \d+$/);
  });

  test('a dump reloaded offline (open stats.json.gz) shows the same tables', async () => {
    const file = join(dir, 'stats.json.gz');
    // (read before the dump: the timeline samples every second, the dump may hold one more)
    const live = (await getJson<TrackerState>(api + '/tracker')).body;
    const liveWidget = (await getJson<ClassDetail>(api + '/tracker/classes/TrackedWidget')).body;
    await server.tracker.dumpStats(file);
    const dump = await loadStats(file);
    assert.equal(dump.format, 'memory-profiler-stats');
    assert.equal(dump.version, 1);
    assert.equal(dump.target?.kind, 'live');
    const viaApi = (await getJson(api + '/stats')).body;
    // As JSON: the loaded dump keys class names in prototype-free objects. The timeline samples
    // every second: the API's may have one more sample than the file written just before.
    const saved = JSON.parse(JSON.stringify({ ...dump, createdAt: 0 }));
    assert.deepEqual(viaApi.timeline.slice(0, saved.timeline.length), saved.timeline);
    assert.ok(viaApi.timeline.length - saved.timeline.length <= 1, `${viaApi.timeline.length} samples against ${saved.timeline.length}`);
    assert.deepEqual({ ...viaApi, createdAt: 0, timeline: [] }, { ...saved, timeline: [] });

    const p = startNode([CLI, 'open', file, '--port', '0']);
    running.push(p);
    const url = (await p.waitFor(/serving stats at (http:\S+)/, 20_000, 'stderr'))[1];
    const offline = (await getJson<TrackerState>(url + 'api/tracker')).body;
    assert.equal(offline.live, false);
    assert.deepEqual(offline.snapshots, live.snapshots);
    assert.deepEqual(offline.tracked, live.tracked);
    assert.deepEqual(
      offline.timeseries.map((t) => ({ ...t, data: t.data.slice(0, live.timeseries.find((l) => l.label === t.label)?.data.length ?? 0) })),
      live.timeseries,
    );
    assert.deepEqual((await getJson(url + 'api/tracker/classes/TrackedWidget')).body, liveWidget);
    const refused = await getJson(url + 'api/tracker/snapshots', json('POST', {}));
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error, 'not available offline');
    // the garbage of the latest pairs of snapshots is in the dump: /api/garbage works offline
    const liveGarbage = await getJson<Array<{ index: number }>>(api + '/garbage');
    assert.equal(liveGarbage.status, 200);
    assert.deepEqual(dump.garbage!.map((g) => [g.from, g.to]).at(-1), [live.snapshots.length - 2, live.snapshots.length - 1]);
    assert.deepEqual((await getJson(url + 'api/garbage')).body, liveGarbage.body);
    assert.ok(liveGarbage.body.length > 0, 'the fixture dropped objects between the two latest snapshots');
    assert.deepEqual((await getJson(url + 'api/garbage/0')).body, (await getJson(api + '/garbage/0')).body);
    assert.equal((await getJson(url + 'api/garbage?to=1')).status, 404, 'older pairs are not saved');
  });

  test('stats files with the wrong format or version get clear errors', async () => {
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ format: 'something-else', version: 1 }));
    await assert.rejects(loadStats(wrong), /not a Memory Profiler stats dump/);
    const future = join(dir, 'future.json.gz');
    writeFileSync(future, gzipSync(JSON.stringify({ format: 'memory-profiler-stats', version: 2 })));
    await assert.rejects(loadStats(future), /version 2 is not supported/);
    const p = startNode([CLI, 'open', future, '--port', '0']);
    running.push(p);
    assert.equal((await p.exited).code, 1);
    assert.ok(
      p.stderrLines.some((l) => /future\.json\.gz: stats format version 2 is not supported/.test(l)),
      p.stderrLines.join('\n'),
    );
  });

  test('traced classes carry their creation stacks', async () => {
    const leakLine =
      readFileSync(fixture('classes.js'), 'utf8')
        .split('\n')
        .findIndex((l) => l.startsWith('function leak(')) + 1;
    assert.equal((await getJson(api + '/tracker/classes', json('POST', { name: 'LeakyRecord', trace: true }))).status, 201);
    await command(program, 'leak 4');
    const s = await snapshot('traced');
    assert.equal(s.classes.LeakyRecord.active, 4);
    const leaky = (await getJson<ClassDetail>(api + '/tracker/classes/LeakyRecord')).body;
    assert.equal(leaky.instances.length, 4);
    for (const inst of leaky.instances) {
      assert.notEqual(inst.stack, undefined);
      const frames = leaky.stacks[inst.stack!];
      // allocated in the fixture's leak() (frames name functions: line is where the function starts)
      assert.deepEqual([frames[0].functionName, frames[0].line], ['leak', leakLine], JSON.stringify(frames));
      assert.ok(frames[0].scriptName.endsWith('classes.js'));
    }
  });
});

describe('periodic census', () => {
  test('counts are exact, sizes carried over from the latest full snapshot and marked estimated', async () => {
    const { program, api } = await serve('classes.js');
    await getJson(api + '/tracker/classes', json('POST', { name: 'TrackedWidget' }));
    await getJson(api + '/tracker/classes', json('POST', { name: 'TrackedGadget' }));
    const base = (await getJson<TrackerSnapshot>(api + '/tracker/snapshots', json('POST', { description: 'base' }))).body;
    assert.equal(base.classes.TrackedWidget.active, 50);
    await command(program, 'add TrackedWidget 25');
    await command(program, 'drop TrackedGadget 8');
    const c = await getJson<CensusEntry>(api + '/tracker/census', json('POST'));
    assert.equal(c.status, 200, JSON.stringify(c.body));
    const w = base.classes.TrackedWidget;
    assert.deepEqual(c.body.classes.TrackedWidget, { active: 75, avg: w.avg, sum: Math.round(w.avg * 75), sizesFrom: 0, estimated: true });
    assert.deepEqual(c.body.classes.TrackedGadget, {
      active: 12,
      avg: base.classes.TrackedGadget.avg,
      sum: Math.round(base.classes.TrackedGadget.avg * 12),
      sizesFrom: 0,
      estimated: true,
    });
    assert.equal(c.body.basedOn, 0);
    assert.ok(c.body.scanned > 1000 && c.body.pauseMs >= 0);
    // a class tracked after the last full snapshot: counted, no size yet
    await getJson(api + '/tracker/classes', json('POST', { name: 'CycleNode' }));
    const c2 = (await getJson<CensusEntry>(api + '/tracker/census', json('POST'))).body;
    assert.deepEqual(c2.classes.CycleNode, { active: 2, avg: 0, sum: 0, sizesFrom: null, estimated: true });
    const state = (await getJson<TrackerState>(api + '/tracker')).body;
    assert.deepEqual(
      state.census.map((e) => e.classes.TrackedWidget.active),
      [75, 75],
    );
    assert.deepEqual(
      state.timeseries.find((t) => t.label === 'census:TrackedWidget')!.data,
      state.census.map((e) => [e.timestamp, e.classes.TrackedWidget.sum]),
    );
    assert.equal(state.snapshots.length, 1, 'a census is not a snapshot');
  });

  test('periodic mode counts between full snapshots and keeps the program paused within the budget', async () => {
    const { program, api, server } = await serve('classes.js');
    await getJson(api + '/tracker/classes', json('POST', { name: 'TrackedWidget' }));
    // Ballast makes a full snapshot cost several censuses (both grow with the heap, a snapshot
    // faster), so with a generous budget both kinds happen within seconds whatever the machine's
    // speed. (The budget arithmetic itself is tested exactly in the unit tests.)
    await command(program, 'ballast 100000');
    const budget = 0.5;
    const started = await getJson<PeriodicStatus>(api + '/tracker/periodic', json('POST', { intervalMs: 1000, budget }));
    assert.equal(started.status, 200);
    assert.deepEqual([started.body.mode, started.body.budget], ['census', budget]);
    // Gives up only when periodic mode misses its own schedule (no census or snapshot for 20 s
    // after its next turn was due): on a loaded machine each pause is longer, and so is every
    // wait the budget imposes.
    const wait = async (until: (s: TrackerState) => boolean, what: string) => {
      let progress = -1;
      let deadline = 0;
      for (;;) {
        const s = (await getJson<TrackerState>(api + '/tracker')).body;
        if (until(s)) return s;
        const now = s.census.length + s.snapshots.length;
        if (now !== progress) [progress, deadline] = [now, Math.max(Date.now(), s.periodic?.nextAt ?? 0) + 20_000];
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s.periodic)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await wait((s) => s.census.length >= 2 && s.snapshots.length >= 1, 'a full snapshot and censuses');
    for (const [line, expected] of [
      ['add TrackedWidget 40', 90],
      ['drop TrackedWidget 70', 20],
    ] as const) {
      const acknowledged = Date.now();
      assert.equal((await command(program, line)).TrackedWidget, expected);
      const s = await wait((s) => s.census.some((e) => e.timestamp > acknowledged + 5), `a census after "${line}"`);
      const after = s.census.filter((e) => e.timestamp > acknowledged + 5);
      assert.deepEqual([...new Set(after.map((e) => e.classes.TrackedWidget.active))], [expected], 'census counts are exact');
      assert.ok(after.every((e) => e.classes.TrackedWidget.estimated));
    }
    const s = await wait((s) => s.snapshots.length >= 2 && s.census.length >= 6, 'two full snapshots');
    const status = s.periodic!;
    assert.equal((await getJson(api + '/tracker/periodic', json('DELETE'))).status, 200);
    assert.equal(status.fullSnapshots, s.snapshots.length);
    assert.equal(status.censuses, s.census.length);
    assert.deepEqual(
      s.snapshots.map((x) => x.classes.TrackedWidget.active).filter((n) => n !== 50 && n !== 90 && n !== 20),
      [],
    );
    // the first full snapshot is taken at once (sizes to carry over); later ones wait for the pause credit
    const pauses = [...s.snapshots.map((x) => x.captureMs), ...s.census.map((e) => e.pauseMs)];
    assert.ok(status.pausedMs <= budget * status.elapsedMs + s.snapshots[0].captureMs + Math.max(...pauses), `paused ${status.pausedMs} ms in ${status.elapsedMs} ms`);
    for (let i = 1; i < s.snapshots.length; i++) {
      const gap = s.snapshots[i].timestamp - s.snapshots[i - 1].timestamp;
      assert.ok(gap >= s.snapshots[i - 1].captureMs / budget, `full snapshots ${gap} ms apart after a ${s.snapshots[i - 1].captureMs} ms pause`);
    }
    // censuses sized from the full snapshot before them
    for (const e of s.census) {
      const from = e.classes.TrackedWidget.sizesFrom!;
      assert.equal(from, s.snapshots.filter((x) => x.timestamp <= e.timestamp).at(-1)!.index);
    }
    const dumped = await server.tracker.stats();
    // As the API gives it (the dump's own records have null prototypes: class names are data).
    assert.deepEqual(JSON.parse(JSON.stringify(dumped.census)), s.census);
  });
});

describe('memory guard', () => {
  test('refuses a snapshot that would not fit in free memory, unless forced', async () => {
    const { api, server } = await serve('classes.js', (target) => new ClassTracker(target, { guard: { freeMemory: () => 8 * 1048576 } }));
    const refused = await getJson(api + '/tracker/snapshots', json('POST', { description: 'too big' }));
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error, 'not enough free memory for a snapshot');
    assert.match(refused.body.detail, /uses \d+ MB .*up to 10 × that.*only 8 MB is free/);
    await assert.rejects(server.tracker.createSnapshot('direct'), MemoryGuardError);
    const forced = await getJson<TrackerSnapshot>(api + '/tracker/snapshots', json('POST', { description: 'forced', force: true }));
    assert.equal(forced.status, 200);
    assert.equal(forced.body.index, 0, 'refused snapshots leave no trace');
    await server.tracker.dispose();
  });
});

describe('a program killed mid-snapshot', () => {
  test('gives 503 and leaves the server answering with the earlier snapshots', async () => {
    const { program, api, server } = await serve('classes.js');
    await getJson(api + '/tracker/classes', json('POST', { name: 'TrackedWidget' }));
    const first = await getJson<TrackerSnapshot>(api + '/tracker/snapshots', json('POST', { description: 'before' }));
    assert.equal(first.status, 200);
    await command(program, 'ballast 400000');
    let progressed!: () => void;
    const capturing = new Promise<void>((r) => (progressed = r));
    server.tracker.onProgress((p) => p.phase === 'capture' && progressed());
    const pending = getJson(api + '/tracker/snapshots', json('POST', { description: 'doomed' }));
    await capturing;
    program.kill('SIGKILL');
    const doomed = await pending;
    assert.equal(doomed.status, 503, JSON.stringify(doomed.body));
    assert.match(doomed.body.detail, /went away during the heap snapshot.*earlier snapshots are kept/);
    const state = (await getJson<TrackerState>(api + '/tracker')).body;
    assert.deepEqual(
      state.snapshots.map((s) => s.description),
      ['before'],
    );
    assert.equal(state.busy, false);
    assert.equal(state.snapshots[0].classes.TrackedWidget.active, 50);
    const classes = await getJson<HeapClassSummary[]>(api + '/heap/classes?snapshot=0');
    assert.equal(classes.status, 200);
    assert.equal(classes.body.find((c) => c.name === 'TrackedWidget')!.count, 50);
    assert.equal((await getJson(api + '/tracker/classes/TrackedWidget')).status, 200);
  });
});
