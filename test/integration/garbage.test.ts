import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectToInspector } from '../../src/targets/node';
import type { ClassDetail, GarbageGraphDetail, GarbageGraphSummary, LeakSuspects } from '../../src/model';
import { type RunningServer, startServer } from '../../src/server';
import { NodeTarget } from '../../src/targets';
import { type Program, command as sendCommand, getJson, startInspected } from '../helpers/programs';

let program: Program;
let server: RunningServer;
let api: string;
const post = (path: string, body: unknown) => getJson(api + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const command = (line: string) => sendCommand(program, line);

before(async () => {
  const started = await startInspected('classes.js');
  program = started.program;
  const target = await NodeTarget.attach(await connectToInspector(started.port));
  server = await startServer({ target, port: 0 });
  api = `http://127.0.0.1:${server.port}/api`;
});
after(async () => {
  await server?.stop();
  program?.kill();
});

describe('garbage: objects collected between two snapshots', () => {
  test('needs two snapshots', async () => {
    const r = await getJson(api + '/garbage');
    assert.equal(r.status, 404);
    assert.equal(r.body.error, 'nothing to compare');
  });

  test('dropped reference cycles appear as graphs with their cycles, largest first', async () => {
    assert.equal((await post('/tracker/classes', { name: 'CycleNode' })).status, 201);
    assert.equal((await command('cycles 3')).CycleNode, 8);
    assert.equal((await post('/tracker/snapshots', { description: 'with cycles' })).status, 200);
    assert.equal((await command('dropcycles')).CycleNode, 2);
    const s1 = await post('/tracker/snapshots', { description: 'cycles dropped' });
    assert.equal(s1.body.classes.CycleNode.active, 2, 'the kept pair stays');

    const graphs = (await getJson<GarbageGraphSummary[]>(api + '/garbage')).body;
    assert.ok(graphs.length > 0);
    // the program's graphs with cycles, then its others, then the engine's; each largest first
    const rank = (g: GarbageGraphSummary) => (g.engine ? 2 : g.cycleObjects ? 0 : 1);
    for (let i = 1; i < graphs.length; i++) {
      const [p, q] = [graphs[i - 1], graphs[i]];
      assert.ok(rank(p) < rank(q) || (rank(p) === rank(q) && p.totalSize >= q.totalSize), `order at ${i}`);
    }
    assert.deepEqual(
      graphs.map((g) => g.index),
      graphs.map((_, i) => i),
    );
    const withCycles = graphs.filter((g) => g.classes.includes('CycleNode'));
    assert.ok(withCycles.length >= 1);

    let cycleNodes = 0;
    for (const summary of withCycles) {
      assert.ok(summary.cycleObjects >= 2);
      const detail = (await getJson<GarbageGraphDetail>(api + `/garbage/${summary.index}`)).body;
      assert.deepEqual([detail.from, detail.to, detail.index], [0, 1, summary.index]);
      assert.equal(detail.objects.length, summary.objects);
      assert.equal(detail.totalSize, summary.totalSize);
      assert.equal(
        detail.objects.reduce((s, o) => s + o.size, 0),
        summary.totalSize,
      );
      const nodes = detail.objects.filter((o) => o.className === 'CycleNode');
      cycleNodes += nodes.length;
      assert.ok(nodes.every((o) => o.type === 'object' && /^CycleNode @\d+$/.test(o.repr) && o.size > 0));
      // the graph has the pairs' `peer` references; reduced to cycles it is just the pairs
      const ids = new Set(nodes.map((o) => o.id));
      const peers = detail.graph.edges.filter((e) => e.name === 'peer' && ids.has(e.from) && ids.has(e.to));
      assert.equal(peers.length, nodes.length);
      assert.deepEqual(
        detail.reduced.nodes.map((o) => o.className),
        nodes.map(() => 'CycleNode'),
      );
      assert.equal(detail.cycleObjects, nodes.length);
      assert.ok(detail.reduced.edges.every((e) => e.name === 'peer'));
      assert.equal(detail.reduced.edges.length, nodes.length);
    }
    assert.equal(cycleNodes, 6, 'the three dropped pairs');

    // the tracker saw the same: six deaths at snapshot 1
    const detail = (await getJson<ClassDetail>(api + '/tracker/classes/CycleNode')).body;
    assert.equal(detail.instances.filter((i) => i.death === 1).length, 6);
    assert.equal(detail.instances.filter((i) => i.death === null).length, 2);
  });

  test('picks a pair of snapshots with ?to=, and says what is unknown', async () => {
    assert.deepEqual((await getJson(api + '/garbage?to=1')).body, (await getJson(api + '/garbage')).body);
    assert.equal((await getJson(api + '/garbage?to=0')).status, 400);
    assert.equal((await getJson(api + '/garbage?to=x')).status, 400);
    const missing = await getJson(api + '/garbage/100000');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, 'no such garbage graph');
  });

  test('leak suspects: allocated after a baseline and still alive in the two latest, by retainer path', async () => {
    assert.equal((await getJson(api + '/garbage/suspects')).status, 404, 'needs three snapshots');
    await post('/tracker/snapshots', { description: 'baseline' });
    assert.equal((await command('leak 25')).LeakyRecord, 25);
    await post('/tracker/snapshots', { description: 'target' });
    await post('/tracker/snapshots', { description: 'final' });
    const r = await getJson<LeakSuspects>(api + '/garbage/suspects');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([r.body.baseline, r.body.target, r.body.final], [2, 3, 4]);
    const leaky = r.body.groups.filter((g) => g.className === 'LeakyRecord');
    assert.equal(leaky.length, 1, 'one retainer path for all of them');
    assert.equal(leaky[0].count, 25);
    assert.equal(leaky[0].path.at(-1), 'Array → []');
    assert.ok(
      leaky[0].path.some((step) => step.endsWith('→ leakCache')),
      leaky[0].path.join(' / '),
    );
    // the samples' retainer graphs are one request away
    const retainers = await getJson(api + `/heap/objects/${leaky[0].sampleIds[0]}/retainers?snapshot=${r.body.heapIndex}`);
    assert.equal(retainers.status, 200);
    assert.equal((await getJson(api + '/garbage/suspects?baseline=3')).status, 400);
  });
});
