import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { HeapSnapshotEntry, ObjectReferents, TargetInfo, ThreadInfo, ThreadStack } from '../../src/model';
import { LIB, type Program, fixture, getJson, startNode } from '../helpers/programs';

const running: Program[] = [];
const dir = mkdtempSync(join(tmpdir(), 'mp-start-'));
after(() => {
  running.forEach((p) => p.kill());
  rmSync(dir, { recursive: true, force: true });
});

const source = readFileSync(fixture('suspendSelf.js'), 'utf8').split('\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts suspendSelf.js and waits until startProfiler() has suspended it. */
async function suspended(): Promise<{ program: Program; base: string; pid: number }> {
  const program = startNode([fixture('suspendSelf.js')], { MEMORY_PROFILER_LIB: LIB });
  running.push(program);
  const { port, pid } = await program.json<{ url: string; port: number; pid: number }>('url');
  return { program, base: `http://127.0.0.1:${port}`, pid };
}

const ticks = (program: Program) => program.lines.filter((l) => l.startsWith('{"tick"')).length;

describe('startProfiler', () => {
  test('suspends its caller like a breakpoint until Stop on the page, then returns', async () => {
    const { program, base, pid } = await suspended();
    const before = ticks(program);
    await sleep(500);
    assert.equal(ticks(program), before, 'no timer of the program ran while it was suspended');
    assert.ok(!program.lines.some((l) => l.includes('resumed')));

    // The worker serves meanwhile.
    assert.equal((await getJson<TargetInfo>(`${base}/api/target`)).body.pid, pid);
    const threads = (await getJson<ThreadInfo[]>(`${base}/api/threads`)).body;
    assert.deepEqual(
      threads.map((t) => t.id),
      ['main'],
      "the profiler's own thread is not listed",
    );
    const stack = (await getJson<ThreadStack>(`${base}/api/threads/main/stack`)).body;
    assert.equal(stack.state, 'suspended');
    const caller = stack.frames.find((f) => f.function === 'suspendHere');
    assert.ok(caller, JSON.stringify(stack.frames.map((f) => f.function)));
    assert.match(caller.url, /suspendSelf\.js$/);
    assert.equal(caller.internal, false);
    assert.match(source[caller.line - 1], /startProfiler\(/);
    const own = stack.frames.find((f) => f.function === 'startProfiler');
    assert.ok(own?.internal, "the profiler's own frames are marked internal");
    const locals = (await getJson<ObjectReferents>(`${base}/api/objects/${caller.localsRef}`)).body;
    const marker = locals.referents.find((r) => r.name === 'marker');
    assert.ok(marker, JSON.stringify(locals));
    assert.match(marker.preview, /where: "suspendHere"/);
    assert.equal(ticks(program), before, 'reading the stack did not let the program run');

    assert.equal((await getJson(`${base}/api/stop`)).status, 404, 'stop is a POST');
    const cross = await getJson(`${base}/api/stop`, { method: 'POST', headers: { Origin: 'http://evil.example' } });
    assert.equal(cross.status, 403);
    const stop = await getJson(`${base}/api/stop`, { method: 'POST' });
    assert.deepEqual(stop, { status: 200, body: { stopping: true } });

    const resumed = await program.json<{ resumed: boolean; reason: string }>('resumed');
    assert.equal(resumed.reason, 'stopped from the UI');
    await program.json('carriedOn');
    assert.ok(ticks(program) > before, 'the timer ticks again');
    assert.deepEqual(await program.exited, { code: 0, signal: null });
    await assert.rejects(fetch(`${base}/api/target`), 'the port is free once startProfiler returns');
    assert.ok(!program.stderrLines.some((l) => /Deprecation|Waiting for the debugger/.test(l)), program.stderrLines.join('\n'));
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${signal} stops the server and resumes the program`, async () => {
      const { program } = await suspended();
      program.child.kill(signal);
      const resumed = await program.json<{ reason: string }>('resumed');
      assert.equal(resumed.reason, signal);
      await program.json('carriedOn');
      assert.deepEqual(await program.exited, { code: 0, signal: null });
    });
  }

  test("if the profiler's thread fails once listening, the program resumes with the reason", async () => {
    const program = startNode([fixture('suspendSelf.js')], { MEMORY_PROFILER_LIB: LIB, MEMORY_PROFILER_FAULT: 'throw-after-listening' });
    running.push(program);
    const { port } = await program.json<{ port: number }>('url');
    const resumed = await program.json<{ reason: string }>('resumed');
    assert.equal(resumed.reason, 'the profiler failed: injected fault');
    await program.json('carriedOn');
    assert.deepEqual(await program.exited, { code: 0, signal: null });
    await assert.rejects(fetch(`http://127.0.0.1:${port}/api/target`), 'the port is free');
  });

  test('with stats it serves saved heap snapshots until stopped', async () => {
    const file = join(dir, 'one.heapsnapshot');
    execFileSync(process.execPath, [fixture('writeSnapshot.js'), file, join(dir, 'two.heapsnapshot')]);
    const script = `const r = require(process.env.MEMORY_PROFILER_LIB).startProfiler({ port: 0, stats: process.env.STATS, onListening: (url) => console.log(JSON.stringify({ url })) }); console.log(JSON.stringify({ resumed: true, reason: r.reason }));`;
    const program = startNode(['-e', script], { MEMORY_PROFILER_LIB: LIB, STATS: file });
    running.push(program);
    const { url } = await program.json<{ url: string }>('url', 30_000);
    const base = url.replace('localhost', '127.0.0.1');
    const list = (await getJson<HeapSnapshotEntry[]>(`${base}api/heap/snapshots`)).body;
    assert.deepEqual(
      list.map((s) => s.label),
      ['one.heapsnapshot'],
    );
    assert.equal((await getJson<TargetInfo>(`${base}api/target`)).body.kind, 'offline');
    assert.equal((await getJson(`${base}api/stop`, { method: 'POST' })).status, 200);
    assert.equal((await program.json<{ reason: string }>('resumed')).reason, 'stopped from the UI');
    assert.deepEqual(await program.exited, { code: 0, signal: null });
  });

  test('a busy port fails with a clear error instead of suspending', async () => {
    const first = await suspended();
    const port = new URL(first.base).port;
    const script = `try { require(process.env.MEMORY_PROFILER_LIB).startProfiler({ port: ${port}, host: '127.0.0.1' }); } catch (e) { console.log(JSON.stringify({ failed: e.message })); }`;
    const program = startNode(['-e', script], { MEMORY_PROFILER_LIB: LIB });
    running.push(program);
    const { failed } = await program.json<{ failed: string }>('failed');
    assert.match(failed, /already in use/);
    assert.deepEqual(await program.exited, { code: 0, signal: null });
    first.program.child.kill('SIGINT');
    await first.program.exited;
  });
});
