/**
 * A program's class names are data: classes named after Object.prototype's members (`toString`,
 * `constructor`, `hasOwnProperty`, `__proto__`, `valueOf`) are tracked, counted, summarised,
 * dumped and reopened like any other (test/fixtures/programs/prototypeNames.js holds 3, 4, 5, 6
 * and 7 of them), through the real server, the CLI and a saved dump.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { connectToInspector } from '../../src/targets/node';
import type { CensusEntry, ClassDetail, HeapClassSummary, TrackerSnapshot, TrackerState } from '../../src/model';
import { type RunningServer, startServer } from '../../src/server';
import { NodeTarget } from '../../src/targets';
import { ClassTracker, loadStats } from '../../src/tracker';
import { CLI, type Program, fixture, getJson, json, startInspected, startNode } from '../helpers/programs';

const COUNTS: Record<string, number> = Object.assign(Object.create(null), { toString: 3, constructor: 4, hasOwnProperty: 5, ['__proto__']: 6, valueOf: 7 });
const NAMES = Object.keys(COUNTS);

const dir = mkdtempSync(join(tmpdir(), 'mp-names-'));
const running: Program[] = [];
const servers: RunningServer[] = [];
after(async () => {
  for (const s of servers) await s.stop();
  running.forEach((p) => p.kill());
  rmSync(dir, { recursive: true, force: true });
});

const own = <T>(o: Record<string, T>, k: string): T | undefined => (Object.hasOwn(o, k) ? o[k] : undefined);

describe("classes named after Object.prototype's members", () => {
  let api: string;
  let statsFile: string;

  test('are tracked (201 each), counted exactly in a snapshot, a census and the heap summary, and untracked', async () => {
    const started = await startInspected('prototypeNames.js');
    running.push(started.program);
    const target = await NodeTarget.attach(await connectToInspector(started.port));
    const server = await startServer({ target, port: 0 });
    servers.push(server);
    api = `http://127.0.0.1:${server.port}/api`;

    for (const name of NAMES) {
      const r = await getJson(api + '/tracker/classes', json('POST', { name }));
      assert.equal(r.status, 201, `${name}: ${JSON.stringify(r.body)}`);
    }
    const tracker = (await getJson<TrackerState>(api + '/tracker')).body;
    assert.deepEqual(
      tracker.tracked.map((t) => t.name),
      NAMES,
    );

    const snap = await getJson<TrackerSnapshot>(api + '/tracker/snapshots', json('POST', { description: 'names' }));
    assert.equal(snap.status, 200, JSON.stringify(snap.body));
    assert.deepEqual(Object.keys(snap.body.classes).sort(), [...NAMES].sort());
    for (const name of NAMES) assert.equal(own(snap.body.classes, name)?.active, COUNTS[name], name);

    const census = await getJson<CensusEntry>(api + '/tracker/census', json('POST'));
    assert.equal(census.status, 200, JSON.stringify(census.body));
    for (const name of NAMES) assert.equal(own(census.body.classes, name)?.active, COUNTS[name], `census ${name}`);

    for (const name of NAMES) {
      const detail = await getJson<ClassDetail>(`${api}/tracker/classes/${encodeURIComponent(name)}`);
      assert.equal(detail.status, 200, name);
      assert.equal(detail.body.name, name);
      assert.equal(detail.body.snapshots[0].active, COUNTS[name], name);
      assert.equal(detail.body.instances.length, COUNTS[name], name);
    }
    const heap = (await getJson<HeapClassSummary[]>(api + '/heap/classes')).body;
    for (const name of NAMES) assert.equal(heap.find((c) => c.name === name)?.count, COUNTS[name], `heap ${name}`);

    assert.equal((await getJson(`${api}/tracker/classes/toString`, { method: 'DELETE' })).status, 200);
    const second = await getJson<TrackerSnapshot>(api + '/tracker/snapshots', json('POST', {}));
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(own(second.body.classes, 'toString'), undefined, 'untracked');
    assert.equal(own(second.body.classes, '__proto__')?.active, 6);
    // A name no class has is unknown, not Object.prototype's member.
    assert.equal((await getJson(`${api}/tracker/classes/isPrototypeOf`)).status, 404);

    statsFile = join(dir, 'names.json');
    writeFileSync(statsFile, JSON.stringify((await getJson(api + '/stats')).body));
  });

  test('a saved dump reopened (loadStats, and memory-profiler open) has every class and count', async () => {
    const offline = ClassTracker.fromStats(await loadStats(statsFile));
    for (const name of NAMES) assert.equal(offline.classDetail(name)?.snapshots[0].active, COUNTS[name], name);
    assert.equal(offline.classDetail('isPrototypeOf'), undefined);

    const p = startNode([CLI, 'open', statsFile, '--port', '0']);
    running.push(p);
    const url = (await p.waitFor(/serving stats at (http:\S+)/, 20_000, 'stderr'))[1];
    const state = (await getJson<TrackerState>(url + 'api/tracker')).body;
    assert.equal(state.snapshots.length, 2);
    for (const name of NAMES) assert.equal(own(state.snapshots[0].classes, name)?.active, COUNTS[name], name);
    assert.equal(own(state.census[0].classes, 'constructor')?.active, 4);
    for (const name of NAMES) assert.equal((await getJson<ClassDetail>(`${url}api/tracker/classes/${encodeURIComponent(name)}`)).body.instances.length, COUNTS[name], name);
    assert.ok(state.timeseries.some((s) => s.label === 'class:__proto__'));
  });

  test('memory-profiler run --track hasOwnProperty,__proto__ starts, and its snapshot counts them', async () => {
    const p = startNode([CLI, 'run', '--port', '0', '--track', 'hasOwnProperty,__proto__', '--', process.execPath, fixture('prototypeNames.js')]);
    running.push(p);
    const url = (await p.waitFor(/ at (http:\/\/localhost:\d+\/)/, 20_000, 'stderr'))[1];
    await p.json('ready');
    const snap = await getJson<TrackerSnapshot>(url + 'api/tracker/snapshots', json('POST', {}));
    assert.equal(snap.status, 200, JSON.stringify(snap.body));
    assert.deepEqual(Object.keys(snap.body.classes).sort(), ['__proto__', 'hasOwnProperty']);
    assert.equal(own(snap.body.classes, 'hasOwnProperty')?.active, 5);
    assert.equal(own(snap.body.classes, '__proto__')?.active, 6);
  });
});
