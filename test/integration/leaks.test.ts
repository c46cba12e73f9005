/**
 * Finding a leak in a leaky HTTP server (test/fixtures/programs/leakyServer.js): its own
 * requests churn sockets, buffers and Node's natives all the time; it drops reference cycles
 * of OrderCycle on a timer, leaks LeakyRecord into a Map and listeners into an emitter. Through
 * the HTTP API: the collected garbage starts with the dropped cycles and leaves out natives
 * that only got a new id; the leak suspects hold the Map leak as one group, ranked first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectToInspector } from '../../src/targets/node';
import type { GarbageGraphDetail, GarbageGraphSummary, LeakSuspects } from '../../src/model';
import { type RunningServer, startServer } from '../../src/server';
import { NodeTarget } from '../../src/targets';
import { type Program, command as sendCommand, getJson, startInspected } from '../helpers/programs';

let program: Program;
let server: RunningServer;
let api: string;
let target: NodeTarget;
const post = (path: string, body: unknown) => getJson(api + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const command = (line: string) => sendCommand(program, line);
const snapshot = async (description: string) => assert.equal((await post('/tracker/snapshots', { description })).status, 200);

/** Natives Node rebuilds for every snapshot: never freed, so never garbage. */
const RENEWED_NATIVES = ['Node / IsolateData', 'Node / Environment', 'Node / BindingData', 'Node / PrincipalRealm'];
const ENGINE_CLASSES = /^\((compiled code|array|system|object shape|number|synthetic)\)$|^system \/ |^Node \//;
/** Classes Node itself defines (in its node: scripts or its C++ bindings). */
const NODE_CLASSES = new Set(['TimersList', 'Timeout', 'HTTPParser', 'ShutdownWrap', 'WriteWrap', 'TCP', 'Socket', 'IncomingMessage', 'ServerResponse', 'ClientRequest']);
/** The program's own classes. */
const PROGRAM_CLASSES = new Set(['OrderCycle', 'LeakyRecord', 'ListenerState', 'UserSession', 'HookMetrics']);

before(async () => {
  const started = await startInspected('leakyServer.js');
  program = started.program;
  // as `memory-profiler run` takes them: V8 writes each snapshot into a file of ours (pipeSnapshot.ts)
  target = await NodeTarget.attach(await connectToInspector(started.port), { local: true });
  server = await startServer({ target, port: 0 });
  api = `http://127.0.0.1:${server.port}/api`;
});
after(async () => {
  await server?.stop();
  program?.kill();
});

describe('finding the leak in a leaky server', () => {
  let graphs: GarbageGraphSummary[];

  test('the collected garbage starts with the cycles the program dropped', async () => {
    assert.equal(target.snapshotTransport.transport, 'local');
    assert.equal((await command('cycles 5')).OrderCycle, 10);
    await snapshot('with 5 order cycles');
    await command('drop');
    assert.equal((await program.json<{ dropped: number }>('dropped')).dropped, 10);
    await snapshot('cycles dropped');

    graphs = (await getJson<GarbageGraphSummary[]>(api + '/garbage')).body;
    const first = graphs.slice(0, 5);
    for (const g of first) {
      assert.deepEqual(g.classCounts?.[0], { name: 'OrderCycle', count: 2 }, JSON.stringify(g));
      assert.equal(g.classes[0], 'OrderCycle');
      assert.equal(g.cycleObjects, 2, 'the pair refers to itself');
      assert.equal(g.engine, false);
    }
    assert.ok(!graphs.slice(5).some((g) => g.classes.includes('OrderCycle')), 'each pair in one graph, all five first');
    // No graph of engine internals among the program's; those all come last.
    const firstEngine = graphs.findIndex((g) => g.engine);
    assert.ok(firstEngine >= 5, `first engine graph at ${firstEngine}`);
    assert.ok(
      graphs.slice(firstEngine).every((g) => g.engine),
      'engine graphs come last',
    );
    for (const g of graphs.slice(0, firstEngine))
      assert.ok(
        g.classes.some((c) => !ENGINE_CLASSES.test(c)),
        `graph ${g.index} has a program object: ${g.classes}`,
      );
    for (const g of graphs.slice(firstEngine))
      assert.ok(
        g.classes.every((c) => !PROGRAM_CLASSES.has(c)),
        `graph ${g.index}: ${g.classes}`,
      );
    // Natives that only got a new id are in no graph.
    const named = new Set(graphs.flatMap((g) => g.classCounts?.map((c) => c.name) ?? []));
    for (const native of RENEWED_NATIVES) assert.ok(!named.has(native), `${native} is not garbage`);
  });

  test("the profiler's own objects are no garbage; Node's own are with the engine internals", async () => {
    // Every snapshot is V8's writeHeapSnapshot("…/memory-profiler-…/snapshot.heapsnapshot")
    // evaluated in the program: its closure, expression, path and Node's options array were
    // alive in the first snapshot only.
    for (const g of graphs) {
      const detail = (await getJson<GarbageGraphDetail>(api + `/garbage/${g.index}`)).body;
      for (const o of detail.objects) {
        assert.ok(!/writeHeapSnapshot|memory-profiler-/.test(o.repr), `graph ${g.index} holds the profiler's ${o.repr}`);
      }
      if (g.engine) continue;
      assert.ok(!g.classes.some((c) => c === 'Uint8Array' || c === 'ArrayBuffer'), `graph ${g.index}: ${g.classes}`);
      // the evaluated expression's closure with its compiled code
      assert.ok(!g.classes.every((c) => c === '(closure)' || c === '(compiled code)'), `graph ${g.index}: ${g.classes}`);
    }
    // Node's timers lists and the like are behind the engine toggle
    for (const g of graphs.filter((x) => !x.engine)) assert.ok(!g.classes.some((c) => NODE_CLASSES.has(c)), `graph ${g.index}: ${g.classes}`);
  });

  test('a pair reduced to its cycle; a graph without cycles has an empty reduced view', async () => {
    const pair = (await getJson<GarbageGraphDetail>(api + '/garbage/0')).body;
    assert.deepEqual(
      pair.reduced.nodes.map((n) => n.className),
      ['OrderCycle', 'OrderCycle'],
    );
    assert.deepEqual(pair.reduced.edges.map((e) => e.name).sort(), ['partner', 'partner']);
    assert.equal(pair.objects.filter((o) => o.className === 'OrderCycle').length, 2);
    assert.equal(
      pair.objects.reduce((s, o) => s + o.size, 0),
      graphs[0].totalSize,
    );
    const acyclic = graphs.find((g) => g.cycleObjects === 0)!;
    const detail = (await getJson<GarbageGraphDetail>(api + `/garbage/${acyclic.index}`)).body;
    assert.equal(detail.cycleObjects, 0);
    assert.deepEqual(detail.reduced.nodes, []);
  });

  test('leak suspects: the Map leak is one group of exactly 200, ranked first; the listeners one group', async () => {
    // baseline: snapshot 1 (above); then the leaks, then two snapshots
    assert.equal((await command('leak 200')).LeakyRecord, 200);
    assert.equal((await command('listen 20')).ListenerState, 20);
    assert.equal((await command('login 30')).UserSession, 30);
    await snapshot('after the leaks');
    await snapshot('still there');
    const r = await getJson<LeakSuspects>(api + '/garbage/suspects');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([r.body.baseline, r.body.target, r.body.final], [1, 2, 3]);
    const [top] = r.body.groups;
    assert.equal(top.className, 'LeakyRecord');
    assert.equal(top.count, 200);
    assert.deepEqual(top.path.slice(-3), ['system / Context → records', 'Map → table', '(array) → []']);
    assert.equal(r.body.groups.filter((g) => g.className === 'LeakyRecord').length, 1, 'one leak, one group');
    const listeners = r.body.groups.filter((g) => g.path.some((step) => step === 'EventEmitter → _events'));
    assert.equal(listeners.length, 1, JSON.stringify(listeners));
    assert.equal(listeners[0].className, '(closure)');
    assert.equal(listeners[0].count, 20);
    assert.equal(listeners[0].path.at(-1), 'Array → []');
    assert.ok(top.retainedSize > listeners[0].retainedSize);
    // the sessions kept by user name: one group, the varying keys collapsed
    const sessions = r.body.groups.filter((g) => g.className === 'UserSession');
    assert.equal(sessions.length, 1, JSON.stringify(sessions.map((g) => g.path.at(-1))));
    assert.equal(sessions[0].count, 30);
    assert.equal(sessions[0].path.at(-1), 'Object → [key]');
    // their states and contexts are inside the listeners, not groups of their own
    assert.ok(!r.body.groups.some((g) => g.className === 'ListenerState'));
    // nothing of V8's or Node's among the program's suspects: they are counted apart
    for (const g of r.body.groups) {
      assert.equal(g.engine, false);
      assert.ok(!g.path.at(-1)!.startsWith('(compiled code)'), `a literal boilerplate: ${g.path.join(' / ')}`);
      assert.ok(!NODE_CLASSES.has(g.className), `${g.className}: ${g.path.join(' / ')}`);
    }
    assert.equal(r.body.groups.length, 3, JSON.stringify(r.body.groups.map((g) => `${g.className} ${g.path.at(-1)}`)));
    const all = (await getJson<LeakSuspects>(api + '/garbage/suspects?engine=1&limit=1000')).body;
    assert.equal(all.engineGroups, r.body.engineGroups);
    assert.equal(all.totalGroups, r.body.totalGroups + r.body.engineGroups);
    assert.deepEqual(all.groups.slice(0, r.body.totalGroups), r.body.groups);
    assert.ok(all.groups.slice(r.body.totalGroups).every((g) => g.engine));
    assert.equal(
      all.groups.filter((g) => g.engine).reduce((n, g) => n + g.count, 0),
      r.body.engineObjects,
    );
    for (let i = 1; i < r.body.groups.length; i++) assert.ok(r.body.groups[i - 1].retainedSize >= r.body.groups[i].retainedSize, 'ranked by retained size');

    // every group is reachable, a page at a time
    assert.equal(r.body.totalGroups, r.body.groups.length);
    const second = (await getJson<LeakSuspects>(api + '/garbage/suspects?offset=1&limit=1')).body;
    assert.deepEqual([second.offset, second.totalGroups, second.groups.length], [1, r.body.totalGroups, 1]);
    assert.deepEqual(second.groups[0], r.body.groups[1]);
    const bad = await getJson(api + '/garbage/suspects?limit=0');
    assert.deepEqual([bad.status, bad.body.error], [400, 'bad limit']);
    assert.equal((await getJson(api + '/garbage/suspects?engine=2')).status, 400);
  });

  test("leak suspects: a fixed property on every leaked object's path keeps its name (Server → _events)", async () => {
    // 20 listeners on the HTTP server itself, and three objects hung on it under other names
    assert.equal((await command('hooks 20')).ListenerState, 40);
    await snapshot('hooks added');
    await snapshot('hooks still there');
    const r = (await getJson<LeakSuspects>(api + '/garbage/suspects?limit=1000')).body;
    const hooks = r.groups.filter((g) => g.path.some((step) => step.startsWith('Server → ')));
    // the server's 'request' listeners array is new (it held one listener before): it is the top of the leak
    const listeners = hooks.filter((g) => g.path.includes('Server → _events'));
    assert.equal(listeners.length, 1, JSON.stringify(hooks.map((g) => g.path.join(' / '))));
    assert.deepEqual([listeners[0].className, listeners[0].count], ['Array', 1]);
    assert.deepEqual(listeners[0].path.slice(-2), ['Server → _events', 'Object → request']);
    assert.ok(!r.groups.some((g) => g.path.includes('Server → [key]')), JSON.stringify(hooks.map((g) => g.path.join(' / '))));
    // the other three keep their names too, and stay the program's (plain objects hung on Node's server)
    for (const name of ['metrics', 'auditLog', 'lastHook'])
      assert.ok(
        hooks.some((g) => g.path.at(-1) === `Server → ${name}`),
        `${name}: ${JSON.stringify(hooks.map((g) => g.path.at(-1)))}`,
      );
  });
});
