import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { CdpError, ConnectionClosedError, connectInProcess, connectToInspector, resolveInspectorUrl } from '../../../src/cdp';
import { type Program, startInspected } from '../../helpers/programs';

const running: Program[] = [];
after(() => running.forEach((p) => p.kill()));

describe('CdpConnection over a real inspector WebSocket', () => {
  test('typed calls answer; a protocol error names the method', async () => {
    const { program, port } = await startInspected('holder.js', { WIDGETS: '7' });
    running.push(program);
    const connection = await connectToInspector(port);
    const reply = await connection.send('Runtime.evaluate', { expression: 'globalThis.widgets.length', returnByValue: true });
    assert.equal(reply.result.value, 7);
    await assert.rejects(connection.send('Nope.nothing' as 'Runtime.enable'), (e: Error) => {
      assert.ok(e instanceof CdpError);
      assert.match(e.message, /^CDP error -32601 calling Nope\.nothing: /);
      return true;
    });
    connection.close();
  });

  test('a call that gets no answer times out with a clear message', async () => {
    const { program, port } = await startInspected('holder.js');
    running.push(program);
    const connection = await connectToInspector(port);
    await assert.rejects(
      connection.send('Runtime.evaluate', { expression: 'new Promise(() => {})', awaitPromise: true }, { timeoutMs: 300 }),
      /^CdpError: no answer within 300 ms \(calling Runtime\.evaluate\)$/,
    );
    connection.close();
  });

  test('when the program dies, every pending call and every later one fails with ConnectionClosedError', async () => {
    const { program, port } = await startInspected('holder.js');
    running.push(program);
    const connection = await connectToInspector(port);
    const closed = new Promise<string>((resolve) => connection.onClose(resolve));
    const pending = [1, 2, 3].map(() => connection.send('Runtime.evaluate', { expression: 'new Promise(() => {})', awaitPromise: true }, { timeoutMs: 0 }));
    program.kill('SIGKILL');
    for (const p of pending) {
      await assert.rejects(p, (e: Error) => e instanceof ConnectionClosedError && /while calling Runtime\.evaluate/.test(e.message));
    }
    assert.match(await closed, /connection/);
    assert.equal(connection.isClosed, true);
    await assert.rejects(connection.send('Runtime.enable'), ConnectionClosedError);
  });
});

describe('in-process connection', () => {
  test('evaluates in this isolate', async () => {
    const connection = connectInProcess();
    (globalThis as Record<string, unknown>).inProcessMarker = 41;
    const reply = await connection.send('Runtime.evaluate', { expression: 'globalThis.inProcessMarker + 1', returnByValue: true });
    assert.equal(reply.result.value, 42);
    connection.close();
    await assert.rejects(connection.send('Runtime.enable'), ConnectionClosedError);
  });
});

describe('resolveInspectorUrl', () => {
  test('ws URLs pass through; junk and silent ports are clear errors', async () => {
    assert.equal(await resolveInspectorUrl('ws://127.0.0.1:9229/abc'), 'ws://127.0.0.1:9229/abc');
    await assert.rejects(resolveInspectorUrl('not an address'), /"not an address" is not an inspector address: give a ws:\/\/ URL, a port, or host:port/);
    await assert.rejects(resolveInspectorUrl(1, 1000), /^Error: no inspector answers at 127\.0\.0\.1:1 .*start the program with --inspect$/);
  });

  test('a port resolves to the WebSocket URL the inspector lists', async () => {
    const { program, port, wsUrl } = await startInspected('holder.js');
    running.push(program);
    assert.equal(await resolveInspectorUrl(port), wsUrl);
    assert.equal(await resolveInspectorUrl(`127.0.0.1:${port}`), wsUrl);
  });
});

test('unlessActive: a call outlives its timeout while the program streams a heap snapshot, and fails when the program is stopped', async () => {
  const { command } = await import('../../helpers/programs');
  const started = await startInspected('classes.js');
  try {
    // Ballast: the snapshot takes seconds (6.2 s on the quiet machine), longer than the 4 s timeout
    // below (V8's progress events come at most about 1 s apart when quiet, later under load).
    await command(started.program, 'ballast 800000');
    const connection = await connectToInspector(started.port);
    await connection.send('HeapProfiler.enable');
    let chunks = 0;
    connection.on('HeapProfiler.addHeapSnapshotChunk', () => chunks++);
    const snapshot = connection.send('HeapProfiler.takeHeapSnapshot', { reportProgress: true }, { timeoutMs: 120_000 });
    await new Promise((r) => setTimeout(r, 20));
    const patient = connection.send('Runtime.evaluate', { expression: '6 * 7', returnByValue: true }, { timeoutMs: 4_000, unlessActive: true });
    const impatient = connection.send('Runtime.evaluate', { expression: '1' }, { timeoutMs: 4_000 });
    await assert.rejects(impatient, /no answer within 4000 ms/);
    assert.equal((await patient).result.value, 42, 'answered once the snapshot was written');
    await snapshot;
    assert.ok(chunks > 10, `${chunks} chunks`);
    process.kill(started.pid, 'SIGSTOP');
    try {
      await assert.rejects(connection.send('Runtime.evaluate', { expression: '1' }, { timeoutMs: 300, unlessActive: true }), /no answer within 300 ms/);
    } finally {
      process.kill(started.pid, 'SIGCONT');
    }
    connection.close();
  } finally {
    started.program.kill();
  }
});
