/**
 * Pympler's garbage graphs behind the HTTP API: a real Python program drops cycles of a named
 * class, the collector (gc.DEBUG_SAVEALL) finds them, `/api/garbage/collector` lists exactly
 * those, with the class; the program's gc flags and gc.garbage are put back.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CollectorGarbage, CollectorState } from '../../../src/model';
import { getJson } from '../../helpers/programs';
import { type PythonProgram, type ServedPython, servePython } from '../../helpers/python';

let served: ServedPython;
let py: PythonProgram;
let base: string;
let post: ServedPython['post'];

before(async () => {
  served = await servePython('cycles.py');
  ({ py, base, post } = served);
});
after(() => served?.stop());

test('the dropped cycles of a class, kept until the next collection; the automatic collector kept off and back', async () => {
  assert.ok((await getJson<{ capabilities: string[] }>(`${base}/api/target`)).body.capabilities.includes('collectorGarbage'));
  assert.deepEqual(await getJson(`${base}/api/garbage/collector`), { status: 200, body: null });

  // Pympler's advice: with the automatic collector off, the cycles wait to be seen.
  assert.deepEqual((await post<CollectorState>('/api/garbage/collector/automatic', { enabled: false })).body, { enabled: false, keptOff: true });
  assert.deepEqual(await py.ask('gcstate', 'garbage'), { garbage: 0, debug: 0, enabled: false });
  assert.deepEqual(await py.ask('drop 4', 'dropped'), { dropped: 4 });

  const collected = await post<CollectorGarbage>('/api/garbage/collector');
  assert.equal(collected.status, 200);
  const report = collected.body;
  assert.deepEqual(report.collector, { enabled: false, keptOff: true });
  const knots = report.graphs.filter((g) => g.classes.includes('Knot'));
  assert.equal(knots.length, 4, JSON.stringify(report.graphs.map((g) => g.classes)));
  for (const g of knots) {
    assert.deepEqual(g.classes, ['Knot']);
    assert.equal(g.objects, 2);
    assert.equal(g.cycleObjects, 2);
    assert.deepEqual(
      g.graph.nodes.map((n) => n.className),
      ['Knot', 'Knot'],
    );
    assert.deepEqual(
      g.graph.edges.map((e) => e.name),
      ['partner', 'partner'],
    );
    assert.equal(g.reduced.nodes.length, 2);
    for (const n of g.graph.nodes) assert.match(n.repr, /^<__main__\.Knot object at 0x[0-9a-f]+>$/);
  }
  assert.equal(new Set(knots.flatMap((g) => g.graph.nodes.map((n) => n.id))).size, 8);

  // Kept until the next collection: the same answer; the program's gc state as it was.
  assert.deepEqual((await getJson<CollectorGarbage>(`${base}/api/garbage/collector`)).body, report);
  assert.deepEqual(await py.ask('gcstate', 'garbage'), { garbage: 0, debug: 0, enabled: false });

  // With the collector kept off nothing frees them: a new collection finds them again.
  const again = (await post<CollectorGarbage>('/api/garbage/collector')).body;
  assert.equal(again.graphs.filter((g) => g.classes.includes('Knot')).length, 4);
  assert.ok(again.timestamp >= report.timestamp);

  // The collector back on, and the program's own collection (its flags put back) frees them.
  assert.deepEqual((await post<CollectorState>('/api/garbage/collector/automatic', { enabled: true })).body, { enabled: true, keptOff: false });
  assert.deepEqual(await py.ask('gcstate', 'garbage'), { garbage: 0, debug: 0, enabled: true });
  assert.deepEqual(await py.ask('collect', 'knotsLeft'), { knotsLeft: 0 });
  const after = (await post<CollectorGarbage>('/api/garbage/collector')).body;
  assert.equal(after.graphs.filter((g) => g.classes.includes('Knot')).length, 0);
  assert.deepEqual(after.collector, { enabled: true, keptOff: false });
});

test('bad input: a clear one-line error', async () => {
  const bad = await post<{ error: string; detail: string }>('/api/garbage/collector/automatic', { enabled: 'no' });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body, { error: 'bad enabled', detail: 'enabled must be true (the automatic collector runs) or false (kept off)' });
});
