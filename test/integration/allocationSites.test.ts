/**
 * Allocation sites without creation stacks: tracking a class without `trace` starts V8's
 * sampling heap profiler, and `/api/tracker/allocation-sites` gives the live bytes per program
 * function. On the leaky server (test/fixtures/programs/leakyServer.js), a Map leak made by its
 * stdin handler comes first: the records at the handler, their strings at the constructor; leak
 * suspects of the class are given the sampled site at the line of its `new`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import type { AllocationSites, LeakSuspects } from '../../src/model';
import { type RunningServer, startServer } from '../../src/server';
import { NodeTarget } from '../../src/targets';
import { connectToInspector } from '../../src/targets/node';
import { type Program, command, fixture, getJson, startInspected } from '../helpers/programs';

let program: Program | undefined;
let server: RunningServer | undefined;
let api = '';
const source = readFileSync(fixture('leakyServer.js'), 'utf8').split('\n');
const lineOf = (text: string) => source.findIndex((l) => l.includes(text)) + 1;
after(async () => {
  await server?.stop();
  program?.kill();
});

test('a class tracked without stacks: live bytes by the function that allocated them, largest first', async () => {
  const started = await startInspected('leakyServer.js');
  program = started.program;
  // (on this machine, as `run` has it: the profiler reads the program's scripts for the lines of `new`)
  server = await startServer({ target: await NodeTarget.attach(await connectToInspector(started.port), { local: true }), port: 0 });
  api = `http://127.0.0.1:${server.port}/api`;
  const before = await getJson(api + '/tracker/allocation-sites');
  assert.deepEqual([before.status, before.body.error], [409, 'not sampling']);

  const tracked = await getJson(api + '/tracker/classes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'LeakyRecord' }) });
  assert.equal(tracked.status, 201);
  assert.equal((await command(program, 'leak 5000')).LeakyRecord, 5000);

  const r = await getJson<AllocationSites>(api + '/tracker/allocation-sites');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.samplingInterval, 32768);
  // the records themselves where `new` ran (the stdin handler), their strings in the constructor
  const top = r.body.sites.slice(0, 2);
  assert.deepEqual(
    top.map((s) => [s.scriptName.endsWith('leakyServer.js'), s.functionName, s.line]).sort(),
    [
      [true, '', lineOf("process.stdin.on('data', (data) => {")],
      [true, 'LeakyRecord', lineOf('constructor(id) {')],
    ],
    JSON.stringify(r.body.sites.slice(0, 3)),
  );
  // 5000 records with their strings, ~300 bytes each, as sampled
  assert.ok(top[0].liveBytes + top[1].liveBytes > 600_000, JSON.stringify(top));
  for (let i = 1; i < r.body.sites.length; i++) assert.ok(r.body.sites[i - 1].liveBytes >= r.body.sites[i].liveBytes);
  assert.ok(
    r.body.sites.every((s) => !s.scriptName.startsWith('node:')),
    "Node's own frames are folded into the program's",
  );
});

test('leak suspects without stacks: the group is given the sampled function that makes its class, at the new', async () => {
  const post = (path: string, body: unknown) => getJson(api + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal((await post('/tracker/snapshots', { description: 'baseline' })).status, 200);
  assert.equal((await command(program!, 'leak 3000')).LeakyRecord, 8000);
  assert.equal((await post('/tracker/snapshots', { description: 'after' })).status, 200);
  assert.equal((await post('/tracker/snapshots', { description: 'still there' })).status, 200);
  const r = await getJson<LeakSuspects>(api + '/garbage/suspects');
  const records = r.body.groups.filter((g) => g.className === 'LeakyRecord');
  assert.deepEqual(
    records.map((g) => g.count),
    [3000],
  );
  const [g] = records;
  assert.equal(g.allocatedAt, undefined, 'no stacks');
  const site = g.sampledAt;
  assert.ok(site, JSON.stringify(g));
  assert.deepEqual(
    [site.scriptName, site.functionName, site.line, site.newAt?.line],
    [fixture('leakyServer.js'), '', lineOf("process.stdin.on('data', (data) => {"), lineOf('new LeakyRecord(')],
  );
  assert.ok(site.liveBytes > 0);
});
