import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type CdpConnection, connectToInspector } from '../../src/targets/node';
import { evaluate } from '../../src/targets/node/nodeTarget';
import { isProgramFrame } from '../../src/heap/frames';
import type { ObjectReferents, ThreadInfo, ThreadStack } from '../../src/model';
import { type RunningServer, startServer } from '../../src/server';
import { NodeTarget, OfflineTarget } from '../../src/targets';
import { type Program, fixture, getJson, startInspected } from '../helpers/programs';

let program: Program;
let inspectorPort: number;
let server: RunningServer;
let base: string;

const source = readFileSync(fixture('crunch.js'), 'utf8').split('\n');
const lineOf = (marker: string) => source.findIndex((l) => l.includes(marker)) + 1;

before(async () => {
  const started = await startInspected('crunch.js');
  program = started.program;
  inspectorPort = started.port;
  const target = await NodeTarget.attach(await connectToInspector(started.port));
  server = await startServer({ target, host: 'localhost', port: 0 });
  base = `http://127.0.0.1:${server.port}`;
});
after(async () => {
  await server?.stop();
  program?.kill();
});

/** The main thread's stack once crunchNumbers runs (it starts 50 ms after "ready"). */
async function crunchingStack(): Promise<ThreadStack> {
  let stack: ThreadStack | undefined;
  for (let i = 0; i < 20; i++) {
    const { status, body } = await getJson<ThreadStack>(`${base}/api/threads/main/stack`);
    assert.equal(status, 200, JSON.stringify(body));
    stack = body;
    if (stack.frames[0]?.function === 'crunchNumbers') return stack;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`crunchNumbers never showed on top of the main thread's stack: ${JSON.stringify(stack)}`);
}

async function expand(ref: string, query = ''): Promise<ObjectReferents> {
  const { status, body } = await getJson<ObjectReferents>(`${base}/api/objects/${ref}${query}`);
  assert.equal(status, 200, JSON.stringify(body));
  return body;
}

describe('threads, stacks and objects', () => {
  test('/api/threads lists the main thread and the worker, not the profiler', async () => {
    const { status, body } = await getJson<ThreadInfo[]>(`${base}/api/threads`);
    assert.equal(status, 200);
    assert.deepEqual(body[0], { id: 'main', name: 'main', kind: 'main' });
    const workers = body.filter((t) => t.kind === 'worker');
    assert.deepEqual(
      workers.map((w) => w.name),
      ['cruncher-worker'],
    );
    assert.match(workers[0].id, /^\d+$/);
  });

  test("the main thread's stack shows crunchNumbers with its file, line and source", async () => {
    const stack = await crunchingStack();
    assert.equal(stack.state, 'running');
    assert.equal(stack.thread.id, 'main');
    const top = stack.frames[0];
    assert.match(top.url, /^file:\/\/.*\/crunch\.js$/);
    assert.equal(top.internal, false);
    const [from, to] = [lineOf('CRUNCH-LOOP-START'), lineOf('CRUNCH-LOOP-END')];
    assert.ok(top.line > from && top.line < to, `line ${top.line} lies in the loop (${from}–${to})`);
    assert.ok(top.column >= 1);
    assert.ok(top.context, 'source context');
    assert.equal(top.context.lines[top.line - top.context.startLine], source[top.line - 1]);
    assert.ok(top.context.lines.length >= 4 && top.context.lines.length <= 7);
    // Node's timer frames below are kept, marked internal.
    assert.ok(stack.frames.slice(1).some((f) => f.url.startsWith('node:') && f.internal));
    assert.deepEqual(top.scopes.map((s) => s.type).at(-1), 'global');

    // It was a brief pause: the program runs on.
    const again = await crunchingStack();
    assert.ok(again.timestamp >= stack.timestamp);
  });

  test('locals expand level by level with names, types, sizes and previews', async () => {
    const top = (await crunchingStack()).frames[0];
    const locals = await expand(top.localsRef);
    assert.equal(locals.sizeKind, 'shallow-estimate');
    const names = locals.referents.map((r) => r.name);
    assert.ok(names.includes('payload') && names.includes('total'), names.join());
    const payload = locals.referents.find((r) => r.name === 'payload')!;
    assert.equal(payload.type, 'Object');
    assert.match(payload.preview, /alpha: 1, beta: "two"/);
    assert.ok(payload.size > 0 && payload.ref);
    const total = locals.referents.find((r) => r.name === 'total')!;
    assert.equal(total.type, 'number');
    assert.equal(total.ref, undefined, 'a number does not expand');

    const fields = await expand(payload.ref!);
    assert.equal(fields.depth, 1);
    const byName = Object.fromEntries(fields.referents.map((r) => [r.name, r]));
    assert.deepEqual([byName.alpha.type, byName.alpha.preview], ['number', '1']);
    assert.deepEqual([byName.beta.type, byName.beta.preview], ['string', '"two"']);
    assert.ok(byName.beta.size >= 3);
    assert.ok(byName.nested.ref);

    const nested = await expand(byName.nested.ref!);
    const list = nested.referents.find((r) => r.name === 'list')!;
    assert.equal(list.type, 'Array');
    const elements = await expand(list.ref!, '?offset=1&limit=5');
    assert.equal(elements.total, 3);
    assert.deepEqual(
      elements.referents.map((r) => [r.name, r.preview]),
      [
        ['[1]', '2'],
        ['[2]', '3'],
      ],
    );
  });

  test('after a heap snapshot, referents carry their retained size from it', async () => {
    const snap = await getJson(`${base}/api/tracker/snapshots`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"description": "for retained sizes"}' });
    assert.equal(snap.status, 200, JSON.stringify(snap.body));
    const top = (await crunchingStack()).frames[0];
    const locals = await expand(top.localsRef);
    assert.equal(locals.retainedFrom?.label, 'for retained sizes');
    const payload = locals.referents.find((r) => r.name === 'payload')!;
    // payload holds nested, which holds list: it keeps more alive than its own few fields.
    assert.ok(payload.retainedSize! > payload.size, JSON.stringify(payload));
    const fields = await expand(payload.ref!);
    const nested = fields.referents.find((r) => r.name === 'nested')!;
    assert.ok(nested.retainedSize! > 0 && nested.retainedSize! < payload.retainedSize!, JSON.stringify(fields));
    assert.equal(fields.referents.find((r) => r.name === 'alpha')!.retainedSize, undefined, 'numbers stored in place have none');
  });

  test('a worker thread has a stack of its own', async () => {
    const threads = (await getJson<ThreadInfo[]>(`${base}/api/threads`)).body;
    const worker = threads.find((t) => t.kind === 'worker')!;
    const { status, body } = await getJson<ThreadStack>(`${base}/api/threads/${worker.id}/stack`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.thread.name, 'cruncher-worker');
    assert.ok(['running', 'idle'].includes(body.state), body.state);
    for (const f of body.frames) assert.ok(f.localsRef && typeof f.line === 'number');
  });

  test("a debugger's pause is used and left alone", async () => {
    // Another client (as VS Code's debugger would) pauses the program.
    const debuggerClient: CdpConnection = await connectToInspector(inspectorPort);
    try {
      const resumed: unknown[] = [];
      debuggerClient.on('Debugger.resumed', (e) => resumed.push(e));
      const paused = new Promise((r) => debuggerClient.on('Debugger.paused', r));
      await debuggerClient.send('Debugger.enable');
      await debuggerClient.send('Debugger.pause');
      await paused;
      const stack = (await getJson<ThreadStack>(`${base}/api/threads/main/stack`)).body;
      assert.equal(stack.state, 'paused');
      assert.equal(stack.frames[0].function, 'crunchNumbers');
      const locals = await expand(stack.frames[0].localsRef);
      assert.ok(locals.referents.some((r) => r.name === 'payload'));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(resumed.length, 0, 'the profiler did not resume a pause it did not make');
      await debuggerClient.send('Debugger.resume');
    } finally {
      debuggerClient.close();
    }
    assert.equal((await crunchingStack()).state, 'running');
  });

  test('references expire with newer stacks; bad input gets clear errors', async () => {
    const first = (await crunchingStack()).frames[0].localsRef;
    for (let i = 0; i < 3; i++) await crunchingStack();
    const expired = await getJson(`${base}/api/objects/${first}`);
    assert.equal(expired.status, 404);
    assert.match(expired.body.detail, /read the stack again/);
    assert.equal((await getJson(`${base}/api/threads/99/stack`)).status, 404);
    const top = (await crunchingStack()).frames[0];
    assert.equal((await getJson(`${base}/api/objects/${top.localsRef}?limit=x`)).status, 400);
    assert.equal((await getJson(`${base}/api/stop`, { method: 'POST' })).status, 404, 'a server started by startServer is not stopped over HTTP');
  });

  test('between stack reads pauses are skipped: a debugger statement does not stop the program', async () => {
    await crunchingStack();
    const client = await connectToInspector(inspectorPort);
    try {
      const reply = await client.send('Runtime.evaluate', { expression: 'debugger; 6 * 7', returnByValue: true }, { timeoutMs: 5_000 });
      assert.equal(reply.result.value, 42);
    } finally {
      client.close();
    }
  });

  test("through a debugger's shared session (js-debug) workers are not attached and the debugger stays on", async () => {
    const connection = await connectToInspector(inspectorPort);
    connection.sharedSession = true;
    const sent: string[] = [];
    const sendRaw = connection.sendRaw.bind(connection);
    connection.sendRaw = (method: string, params?: object, options?: object) => (sent.push(method), sendRaw(method, params, options));
    const shared = await startServer({ target: await NodeTarget.attach(connection), port: 0 });
    try {
      const sharedBase = `http://127.0.0.1:${shared.port}`;
      assert.deepEqual(
        (await getJson<ThreadInfo[]>(`${sharedBase}/api/threads`)).body.map((t) => t.id),
        ['main'],
      );
      let stack: ThreadStack | undefined;
      for (let i = 0; i < 10 && stack?.frames[0]?.function !== 'crunchNumbers'; i++) stack = (await getJson<ThreadStack>(`${sharedBase}/api/threads/main/stack`)).body;
      assert.equal(stack?.frames[0].function, 'crunchNumbers');
      assert.ok(sent.includes('Debugger.pause') && sent.includes('Debugger.resume'));
      assert.ok(!sent.some((m) => m === 'Debugger.disable' || m.startsWith('NodeWorker.')), sent.join());
    } finally {
      await shared.stop();
      connection.close();
    }
  });

  test('threads are not available offline', async () => {
    const offline = await startServer({ target: new OfflineTarget([]), port: 0 });
    try {
      const { status, body } = await getJson(`http://127.0.0.1:${offline.port}/api/threads`);
      assert.equal(status, 404);
      assert.equal(body.error, 'not available offline');
    } finally {
      await offline.stop();
    }
  });
});

describe('stacks of a program that works in bursts', () => {
  test('the work function shows up in some of 30 reads (25 ms of work every 200 ms)', async () => {
    const started = await startInspected('bursty.js');
    const target = await NodeTarget.attach(await connectToInspector(started.port));
    const bursty = await startServer({ target, host: 'localhost', port: 0 });
    try {
      const url = `http://127.0.0.1:${bursty.port}/api/threads/main/stack`;
      let inside = 0;
      const tops: string[] = [];
      for (let i = 0; i < 30; i++) {
        const { status, body } = await getJson<ThreadStack>(url);
        assert.equal(status, 200, JSON.stringify(body));
        if (body.frames.some((f) => f.function === 'crunchOrders')) inside++;
        tops.push(body.frames[0]?.function ?? body.state);
      }
      assert.ok(inside >= 1, `crunchOrders was on the stack in none of 30 reads: ${tops.join(', ')}`);
    } finally {
      await bursty.stop();
      started.program.kill();
    }
  });
});

describe('what a stack read costs the program (ticker.js: a 1 ms timer, over the inspector WebSocket as the CLI reads it)', () => {
  let started: Awaited<ReturnType<typeof startInspected>>;
  let ticking: RunningServer;
  let url: string;
  const sent: string[] = [];

  before(async () => {
    started = await startInspected('ticker.js');
    const connection = await connectToInspector(started.port);
    const sendRaw = connection.sendRaw.bind(connection);
    connection.sendRaw = (method: string, params?: object, options?: object) => (sent.push(method), sendRaw(method, params, options));
    ticking = await startServer({ target: await NodeTarget.attach(connection), host: 'localhost', port: 0 });
    url = `http://127.0.0.1:${ticking.port}/api/threads/main/stack`;
  });
  after(async () => {
    await ticking?.stop();
    started?.program.kill();
  });

  const gaps = async () => {
    started.program.send('gaps');
    return (await started.program.json<{ gaps: number[] }>('gaps')).gaps;
  };

  test('a read holds the program only briefly: 10 reads leave hardly a gap of 30 ms between its ticks', async () => {
    assert.equal((await getJson(url)).status, 200); // the first read enables the debugger
    await gaps();
    for (let i = 0; i < 10; i++) {
      const { status, body } = await getJson<ThreadStack>(url);
      assert.equal(status, 200, JSON.stringify(body));
    }
    // Each read pauses the program up to three times (a pause that lands on Node's entry into a
    // timer is taken again). Once each pause held it ≈ 42 ms or more, as Node's inspector kept
    // the Debugger.paused event back until our side acknowledged its reply: about 29 such gaps
    // in 10 reads. A gap or two of the machine's own may remain.
    const held = await gaps();
    assert.ok(held.length <= 3, `gaps of 30 ms or more in 10 reads: ${held.join(', ')} ms`);
  });

  test('a read finding nothing to run does not enable the debugger again: only a pause of another client is looked for that way', async () => {
    started.program.send('quiet');
    await started.program.json('quiet');
    sent.length = 0;
    const { status, body } = await getJson<ThreadStack>(url);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.state, 'idle');
    assert.deepEqual(body.frames, []);
    assert.ok(sent.includes('Debugger.pause') && sent.includes('Runtime.evaluate'), sent.join());
    assert.ok(!sent.includes('Debugger.disable') && !sent.includes('Debugger.enable'), sent.join());
  });
});

test("the profiler's own code in the program is named as the profiler's: a stack read or an allocation stack in it is not the program's", async () => {
  const started = await startInspected('classes.js');
  const connection = await connectToInspector(started.port);
  try {
    // what the profiler evaluates (its probes, a census, V8 writing a snapshot) runs as a script of that name
    const stack = await evaluate<string>(connection, 'new Error().stack');
    assert.match(stack, /at memory-profiler:internal:1:1/);
    // its frames are internal in a stack read, and not the program's in an allocation stack
    assert.equal(isProgramFrame({ functionName: '', scriptName: 'memory-profiler:internal', scriptId: 1, line: 1, column: 1 }), false);
  } finally {
    connection.close();
    started.program.kill();
  }
});
