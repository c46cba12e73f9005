/** A metaclass's __eq__/__hash__/__getattribute__ is the program's code: census and snapshots never run it. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { classSummary, parseHeapSnapshot } from '../../../src/heap';
import { type PythonProgram, pythonFixture, snapshotBytes, startPython } from '../../helpers/python';

let py: PythonProgram;
before(async () => {
  py = await startPython([pythonFixture('metaclassSpy.py')]);
  await py.program.json('ready');
});
after(() => py?.stop());

test('census counts the classes of a metaclass with __eq__ (no __hash__) or a recording __hash__', async () => {
  const census = await py.client.request<{ counts: Record<string, number> }>('census', { names: ['Spied', 'Unhashable', 'SpyDict'] });
  assert.deepEqual(census.counts, { Spied: 13, Unhashable: 17, SpyDict: 3 });
  const names = await py.client.request<{ counts: Record<string, number>; classes: string[] }>('censusNames');
  assert.equal(names.counts.Unhashable, 17);
  assert.ok(names.classes.includes('SpyMeta'));
});

test('a snapshot has them, exactly', async () => {
  const g = parseHeapSnapshot((await snapshotBytes(py.client)).bytes);
  const ours = new Map(classSummary(g).map((c) => [c.name, c.count]));
  assert.equal(ours.get('Spied'), 13);
  assert.equal(ours.get('Unhashable'), 17);
  assert.equal(ours.get('SpyDict'), 3);
});

test("a ClassTracker subclass's classes are read without its __getattribute__; nothing of the program ran", async () => {
  assert.deepEqual(await py.ask('tracked', 'tracked'), { tracked: ['Spied'] });
  assert.deepEqual(await py.ask('calls', 'calls'), { calls: [] });
});
