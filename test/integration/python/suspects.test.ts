/**
 * Leak suspects of a Python program, from its first snapshots on: only the objects the program
 * made, never the agent's, nor dicts that exist because the agent read them (a function frame's
 * `f_locals`, the `__dict__` of an instance that had none), on paths from the named roots.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LeakSuspects } from '../../../src/model';
import { type RunningServer, startServer } from '../../../src/server';
import { PythonTarget } from '../../../src/targets/python';
import { getJson } from '../../helpers/programs';
import { type PythonProgram, pythonFixture, startPython } from '../../helpers/python';

let py: PythonProgram;
let target: PythonTarget;
let server: RunningServer;
let base: string;

const post = (path: string, body: unknown) => getJson(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

before(async () => {
  py = await startPython([pythonFixture('holder.py')]);
  await py.program.json('ready');
  target = await PythonTarget.connect(py.address);
  server = await startServer({ target, host: 'localhost', port: 0 });
  base = `http://127.0.0.1:${server.port}`;
});
after(async () => {
  await server?.stop();
  await target?.dispose();
  py?.stop();
});

test("leak suspects are the program's new objects only, on paths from the named roots", async () => {
  assert.ok((await post('/api/tracker/snapshots', { description: 'baseline' })).status < 300);
  assert.deepEqual(await py.ask('more', 'orders'), { orders: 133 });
  // Reading a stack reads its frames' locals too.
  assert.equal((await getJson(`${base}/api/threads/main/stack`)).status, 200);
  assert.ok((await post('/api/tracker/snapshots', { description: 'target' })).status < 300);
  assert.deepEqual(await py.ask('more', 'orders'), { orders: 143 });
  assert.ok((await post('/api/tracker/snapshots', { description: 'final' })).status < 300);
  const found = await getJson<LeakSuspects>(`${base}/api/garbage/suspects`);
  assert.equal(found.status, 200, JSON.stringify(found.body));
  assert.deepEqual(
    found.body.groups.map((g) => [g.className, g.count, g.path.join(' / ')]),
    [['Order', 10, '(GC roots) → [] / (modules) → __main__ / module → __dict__ / dict → orders / list → []']],
  );
  assert.equal(found.body.objects, 10);
});
