import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HeapWorkerClient } from '../../src/heap/client';
import type { HeapClassSummary } from '../../src/model';
import { NodeTarget, type NodeTargetOptions } from '../../src/targets';
import { connectToInspector } from '../../src/targets/node';
import { command, fixture, Program, type InspectedProgram, startInspected } from '../helpers/programs';

// Heap snapshots of a program on this machine are written by V8 into a file or FIFO the profiler reads
// (src/targets/node/pipeSnapshot.ts); CDP streaming stays the way when that cannot be done.
const pipeParent = mkdtempSync(join(tmpdir(), 'mp-pipe-'));
const client = new HeapWorkerClient();
const running: Program[] = [];
const targets: NodeTarget[] = [];
after(async () => {
  for (const t of targets) await t.dispose();
  running.forEach((p) => p.kill());
  rmSync(pipeParent, { recursive: true, force: true });
});

const PROGRAM_CLASSES = ['TrackedWidget', 'TrackedGadget', 'CycleNode'];

async function attach(port: number, options: NodeTargetOptions): Promise<NodeTarget> {
  const target = await NodeTarget.attach(await connectToInspector(port), { pipeDir: pipeParent, ...options });
  targets.push(target);
  return target;
}

/** One snapshot through the target, parsed in the heap worker: its classes, the bytes, the progress seen. */
async function capture(target: NodeTarget, timeoutMs?: number) {
  const stream = await client.beginStream();
  let bytes = 0;
  const progress: Array<[number, number]> = [];
  try {
    await target.capabilities.heapSnapshots!.capture(
      {
        write(chunk) {
          bytes += chunk.length;
          stream.write(chunk);
        },
      },
      { timeoutMs, onProgress: (done, total) => progress.push([done, total]) },
    );
  } catch (e) {
    await stream.abort();
    throw e;
  }
  const { snapshot } = await stream.end();
  const classes = new Map((await client.classes(snapshot)).map((c): [string, HeapClassSummary] => [c.name, c]));
  return { classes, bytes, progress };
}

/** Count, self size and retained size of the program's own classes. */
const own = (classes: Map<string, HeapClassSummary>) =>
  PROGRAM_CLASSES.map((name) => {
    const c = classes.get(name);
    return { name, count: c?.count, selfSize: c?.selfSize, retainedSize: c?.retainedSize };
  });

describe('heap snapshots written by V8 into a file or FIFO we read', () => {
  let started: InspectedProgram;
  before(async () => {
    started = await startInspected('classes.js', { WIDGETS: '3000', GADGETS: '700' });
    running.push(started.program);
  });

  for (const localKind of ['file', 'fifo'] as const) {
    test(`through a ${localKind}: the same classes, counts and sizes as CDP streaming, and nothing left in the temp dir`, async () => {
      const local = await attach(started.port, { local: true, localKind });
      const remote = await attach(started.port, {});
      assert.equal(local.snapshotTransport.transport, 'local');
      assert.equal(remote.snapshotTransport.transport, 'cdp');
      // The first local capture loads the program's `v8` module: a warm-up, so that both see the same program.
      await capture(local);
      const written = await capture(local);
      const streamed = await capture(remote);
      assert.deepEqual(local.snapshotTransport, { transport: 'local', localKind, localFailure: undefined }, `it stayed on the ${localKind}`);
      assert.deepEqual(own(written.classes), own(streamed.classes));
      assert.equal(written.classes.get('TrackedWidget')?.count, 3000);
      assert.equal(written.classes.get('TrackedGadget')?.count, 700);
      // The same text within the few objects either way of taking it makes (the evaluation, CDP's session).
      assert.ok(Math.abs(written.bytes - streamed.bytes) < streamed.bytes * 0.01, `${written.bytes} vs ${streamed.bytes} bytes`);
      assert.ok(written.progress.length > 0, 'progress was reported');
      const [lastDone, lastTotal] = written.progress.at(-1)!;
      assert.equal(lastDone, written.bytes);
      assert.ok(lastTotal >= lastDone);
      assert.deepEqual(readdirSync(pipeParent), []);
    });
  }

  test('allocation stacks come through the file V8 writes', async () => {
    const other = await startInspected('classes.js', { WIDGETS: '10' });
    running.push(other.program);
    const target = await attach(other.port, { local: true });
    await target.capabilities.allocationTracking!.start();
    await command(other.program, 'add TrackedWidget 25');
    const stream = await client.beginStream();
    await target.capabilities.heapSnapshots!.capture({ write: (chunk) => stream.write(chunk) });
    const { snapshot, info } = await stream.end();
    assert.equal(target.snapshotTransport.transport, 'local');
    assert.equal(info.hasAllocationTraces, true);
    const { objects } = await client.objectsOfClass(snapshot, 'TrackedWidget', 0, 100);
    assert.equal(objects.length, 35);
    const stacks = await Promise.all(objects.map(async (o) => (await client.object(snapshot, o.id))!.allocationStack));
    // the 25 made after tracking began carry the stack that made them
    assert.equal(stacks.filter((frames) => frames.some((f) => f.functionName === 'makeInstances')).length, 25);
  });

  test('a private directory that cannot be made falls back to CDP and still gives the snapshot', async () => {
    const notADir = join(pipeParent, 'a-file');
    writeFileSync(notADir, '');
    try {
      const target = await attach(started.port, { local: true, pipeDir: join(notADir, 'sub') });
      const { classes } = await capture(target);
      assert.equal(classes.get('TrackedWidget')?.count, 3000);
      assert.equal(target.snapshotTransport.transport, 'cdp');
      assert.match(target.snapshotTransport.localFailure ?? '', /^cannot make a private directory: ENOTDIR/);
    } finally {
      rmSync(notADir);
    }
    assert.deepEqual(readdirSync(pipeParent), []);
  });

  test('a timeout ends the capture, removes the file, and the program carries on', async () => {
    const target = await attach(started.port, { local: true });
    await assert.rejects(capture(target, 1), /^Error: V8 did not write the heap snapshot within 0\.001 s$/);
    assert.deepEqual(readdirSync(pipeParent), []);
    // V8 found no file any more (or wrote on into one without a name): the program is alive, and the next capture works.
    const { classes } = await capture(target);
    assert.equal(classes.get('TrackedWidget')?.count, 3000);
    assert.equal(target.snapshotTransport.transport, 'local');
    assert.deepEqual(readdirSync(pipeParent), []);
  });

  test('a program without process.getBuiltinModule (Node < 20.16) gets CDP streaming', async () => {
    const other = await startInspected('classes.js', { WIDGETS: '300' });
    running.push(other.program);
    const target = await attach(other.port, { local: true });
    await target.connection.send('Runtime.evaluate', { expression: 'delete process.getBuiltinModule' });
    const { classes } = await capture(target);
    assert.equal(classes.get('TrackedWidget')?.count, 300);
    assert.deepEqual(target.snapshotTransport, { transport: 'cdp', localKind: undefined, localFailure: 'the program has no process.getBuiltinModule (Node < 20.16)' });
    assert.deepEqual(readdirSync(pipeParent), []);
  });

  // A program of another user cannot open a file in our private directory (as one on another
  // machine cannot): V8 fails before it takes the snapshot, and CDP streaming takes it.
  test('a program that cannot open the file falls back to CDP', { skip: process.getuid?.() !== 0 && 'needs root to start a program as another user' }, async (t) => {
    // (the script where that user can read it: the checkout may be private, as in a mktemp -d clone)
    const readable = mkdtempSync(join(tmpdir(), 'mp-other-user-'));
    chmodSync(readable, 0o755);
    const script = join(readable, 'classes.js');
    copyFileSync(fixture('classes.js'), script);
    chmodSync(script, 0o644);
    t.after(() => rmSync(readable, { recursive: true, force: true }));
    const program = new Program(
      spawn(process.execPath, ['--inspect=127.0.0.1:0', script], {
        stdio: ['pipe', 'pipe', 'pipe'],
        cwd: readable,
        uid: 65534,
        gid: 65534,
        env: { ...process.env, WIDGETS: '400' },
      }),
    );
    running.push(program);
    const port = Number((await program.waitFor(/Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//, 15_000, 'stderr'))[1]);
    await program.waitFor(/"ready"/);
    const target = await attach(port, { local: true });
    const { classes } = await capture(target);
    assert.equal(classes.get('TrackedWidget')?.count, 400);
    assert.equal(target.snapshotTransport.transport, 'cdp');
    assert.match(target.snapshotTransport.localFailure ?? '', /^the program could not write the snapshot: Error: EACCES: permission denied, open '.*snapshot\.heapsnapshot'$/);
    assert.deepEqual(readdirSync(pipeParent), []);
  });
});
