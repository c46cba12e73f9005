/**
 * The census runs a function in the profiled program; a hostile program that patches the
 * builtins it might call (test/fixtures/programs/patchesBuiltins.js) neither runs its code
 * during the census nor fakes its counts: the census uses builtins captured when the tracker
 * attached, through the real server.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { connectToInspector } from '../../src/targets/node';
import type { CensusEntry, TrackerSnapshot } from '../../src/model';
import { type RunningServer, startServer } from '../../src/server';
import { NodeTarget } from '../../src/targets';
import { type Program, getJson, json, startInspected } from '../helpers/programs';

const running: Program[] = [];
const servers: RunningServer[] = [];
after(async () => {
  for (const s of servers) await s.stop();
  running.forEach((p) => p.kill());
});

test('a program that patches Object.getPrototypeOf, Map, Set, Array.prototype.push, Function.prototype.call… gets exact counts, and none of its patches runs', async () => {
  const started = await startInspected('patchesBuiltins.js');
  running.push(started.program);
  const target = await NodeTarget.attach(await connectToInspector(started.port));
  const server = await startServer({ target, port: 0 });
  servers.push(server);
  const api = `http://127.0.0.1:${server.port}/api`;
  for (const name of ['Real', 'Other', 'Fake']) assert.equal((await getJson(api + '/tracker/classes', json('POST', { name }))).status, 201);
  const counts = async () => {
    const r = await getJson<CensusEntry>(api + '/tracker/census', json('POST'));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return Object.fromEntries(Object.entries(r.body.classes).map(([k, v]) => [k, v.active]));
  };
  const expected = { Real: 5, Other: 3, Fake: 0 };
  assert.deepEqual(await counts(), expected, 'before the patches');

  started.program.send('patch');
  await started.program.json('done');
  assert.deepEqual(await counts(), expected, 'after the patches: exact, no fake class');
  assert.deepEqual(await counts(), expected, 'and again');
  started.program.send('calls');
  assert.deepEqual(await started.program.json('calls'), { calls: 0 }, 'no patched builtin ran during a census');

  // A full snapshot agrees (it never runs code in the program).
  const snap = await getJson<TrackerSnapshot>(api + '/tracker/snapshots', json('POST', {}));
  assert.equal(snap.status, 200, JSON.stringify(snap.body));
  assert.deepEqual(Object.fromEntries(Object.entries(snap.body.classes).map(([k, v]) => [k, v.active])), expected);
});
