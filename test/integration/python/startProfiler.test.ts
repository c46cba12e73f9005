/** Pympler's `start_profiler` in a Python program: the calling thread waits until the server is stopped. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, test } from 'node:test';
import type { ThreadStack } from '../../../src/model';
import { agentRoot, launchWithAgent, PythonAgentClient } from '../../../src/targets/python';
import { Program, getJson } from '../../helpers/programs';
import { PYTHON, pythonFixture } from '../../helpers/python';

let program: Program | undefined;
after(() => program?.kill());

test('start_profiler suspends its caller until Stop, then the program carries on', async () => {
  program = new Program(
    spawn(PYTHON, [pythonFixture('suspend.py')], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONPATH: agentRoot(), MEMORY_PROFILER_NODE: process.execPath } }),
  );
  await program.json('ready');
  const url = (await program.waitFor(/ at (http:\/\/localhost:\d+\/)/, 30_000, 'stderr'))[1];
  const stack = await getJson<ThreadStack>(url + 'api/threads/main/stack');
  assert.equal(stack.status, 200);
  assert.equal(stack.body.state, 'suspended');
  const own = stack.body.frames.find((f) => !f.internal)!;
  assert.equal(own.function, '<module>');
  assert.ok(own.context!.lines.some((l) => l.includes('start_profiler(port=0)  # suspended here')));
  const tracked = await getJson(url + 'api/tracker/classes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Order' }) });
  assert.equal(tracked.status, 201);
  const census = await getJson<{ classes: Record<string, { active: number }> }>(url + 'api/tracker/census', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(census.body.classes.Order.active, 42);
  assert.equal(
    program.lines.some((l) => l.includes('resumed')),
    false,
    'still suspended',
  );
  const stop = await getJson(url + 'api/stop', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.ok(stop.status < 300, JSON.stringify(stop.body));
  assert.deepEqual(await program.json('resumed'), { resumed: 0 });
  assert.deepEqual(await program.exited, { code: 0, signal: null });
});

test('the thread of start_in_background, once ended, does not hide a program thread that gets its ident', async () => {
  const { child, address } = await launchWithAgent({ command: PYTHON, args: [pythonFixture('background.py')], env: { MEMORY_PROFILER_NODE: '/bin/true' } });
  const p = new Program(child);
  const client = await PythonAgentClient.connect(address);
  try {
    p.send('go');
    const { reused } = await p.json<{ ready: boolean; reused: boolean }>('ready');
    assert.ok(reused, 'Linux gave the new thread the ended one’s ident');
    const threads = await client.request<{ name: string }[]>('threads');
    assert.ok(
      threads.some((t) => t.name === 'program-worker'),
      JSON.stringify(threads),
    );
  } finally {
    client.close();
    p.kill();
  }
});
