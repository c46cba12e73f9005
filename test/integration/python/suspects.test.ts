/**
 * Leak suspects of a Python program, from its first snapshots on: only the objects the program
 * made, never the agent's, nor dicts that exist because the agent read them (a function frame's
 * `f_locals`, the `__dict__` of an instance that had none), on paths from the named roots.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LeakSuspects } from '../../../src/model';
import { getJson } from '../../helpers/programs';
import { type PythonProgram, type ServedPython, servePython } from '../../helpers/python';

let served: ServedPython;
let py: PythonProgram;
let base: string;
let post: ServedPython['post'];

before(async () => {
  served = await servePython('holder.py');
  ({ py, base, post } = served);
});
after(() => served?.stop());

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
