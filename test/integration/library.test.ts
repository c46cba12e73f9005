import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { ProcessInfo, TargetInfo } from '../../src/model';
import { LIB, type Program, fixture, getJson, startInspected, startNode } from '../helpers/programs';

const running: Program[] = [];
after(() => running.forEach((p) => p.kill()));

describe('library', () => {
  test('startInBackground() inside a program serves that program from a worker thread', async () => {
    const program = startNode([fixture('selfProfiling.js')], { MEMORY_PROFILER_LIB: LIB });
    running.push(program);
    const { url, pid, port } = await program.json<{ url: string; pid: number; port: number }>('url');
    assert.equal(url, `http://localhost:${port}/`);
    const target = (await getJson<TargetInfo>(`http://127.0.0.1:${port}/api/target`)).body;
    assert.equal(target.pid, pid);
    const proc = (await getJson<ProcessInfo>(`http://127.0.0.1:${port}/api/process`)).body;
    assert.equal(proc.pid, pid);
    assert.ok(proc.heap.used > 0 && proc.heap.used < proc.heap.total);

    program.send('stop');
    await program.json('stopped');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/api/target`), 'stop() frees the port');
    program.kill();
  });

  test('startInBackground({target}) profiles another program; the server survives its exit', async () => {
    const lib = require(LIB) as typeof import('../../src/index');
    const { program, port, pid } = await startInspected('holder.js');
    running.push(program);
    const profiler = await lib.startInBackground({ target: port, port: 0 });
    try {
      assert.equal((await getJson<TargetInfo>(`http://127.0.0.1:${profiler.port}/api/target`)).body.pid, pid);
      program.send('exit 0');
      await program.exited;
      // Give the worker a moment to see the connection close.
      let gone;
      for (let i = 0; i < 50; i++) {
        gone = await getJson(`http://127.0.0.1:${profiler.port}/api/process`);
        if (gone.status === 503) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(gone!.status, 503);
      assert.equal(gone!.body.error, 'the profiled program is gone');
      const target = (await getJson<TargetInfo>(`http://127.0.0.1:${profiler.port}/api/target`)).body;
      assert.equal(target.connected, false);
      assert.equal(target.pid, pid, 'what was known about the program is kept');
    } finally {
      await profiler.stop();
    }
  });

  test('startInBackground with an unreachable target rejects with a clear message', async () => {
    const lib = require(LIB) as typeof import('../../src/index');
    await assert.rejects(lib.startInBackground({ target: 'ws://127.0.0.1:1/x', port: 0 }), /could not connect to ws:\/\/127\.0\.0\.1:1\/x/);
  });
});
