/** `start_in_background(tracker=…)`: the profiler it starts tracks the classes of the tracker passed in (Pympler's API). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import type { TrackerState } from '../../../src/model';
import { agentRoot, PythonAgentClient } from '../../../src/targets/python';
import { Program, getJson } from '../../helpers/programs';
import { PYTHON, pythonFixture, servePython } from '../../helpers/python';

let program: Program | undefined;
afterEach(async () => {
  program?.send('exit');
  await program?.stop();
});

function start(): Program {
  program = new Program(
    spawn(PYTHON, [pythonFixture('withTracker.py')], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONPATH: agentRoot(), MEMORY_PROFILER_NODE: process.execPath } }),
  );
  return program;
}

async function trackerOf(p: Program, wanted: (s: TrackerState) => boolean): Promise<TrackerState> {
  const url = (await p.waitFor(/ at (http:\/\/localhost:\d+\/)/, 30_000, 'stderr'))[1];
  let state = (await getJson<TrackerState>(url + 'api/tracker')).body;
  for (let i = 0; i < 100 && !wanted(state); i++) {
    await new Promise((r) => setTimeout(r, 50));
    state = (await getJson<TrackerState>(url + 'api/tracker')).body;
  }
  return state;
}

test("the first profiler takes the tracker's requests made before it: its class and its snapshot", async () => {
  const p = start();
  await p.json('ready');
  p.send('ours');
  await p.json('started');
  const state = await trackerOf(p, (s) => s.snapshots.length > 0);
  assert.deepEqual(
    state.tracked.map((t) => t.name),
    ['Order'],
  );
  assert.deepEqual(
    state.snapshots.map((s) => [s.description, s.classes.Order?.active]),
    [['made before the profiler', 12]],
  );
});

test('a profiler started after another took those requests still tracks the classes of the tracker passed in', async () => {
  const p = start();
  const { pid } = await p.json<{ pid: number }>('ready');
  // A first profiler (an attach) takes the program's earlier requests, then goes.
  const found = JSON.parse(readFileSync(join(tmpdir(), `memory-profiler-agent-${pid}.json`), 'utf8')) as { port: number; secret: string };
  const first = await PythonAgentClient.connect({ host: '127.0.0.1', port: found.port, secret: found.secret });
  assert.equal((await first.request<{ events: unknown[] }>('subscribe')).events.length, 2);
  first.close();
  p.send('ours');
  await p.json('started');
  const state = await trackerOf(p, (s) => s.tracked.length > 0);
  assert.deepEqual(
    state.tracked.map((t) => t.name),
    ['Order'],
  );
});

test("Pympler's ClassTracker passed in: its tracked classes are tracked", async () => {
  const p = start();
  await p.json('ready');
  p.send('pympler');
  await p.json('started');
  const state = await trackerOf(p, (s) => s.tracked.some((t) => t.name === 'Invoice'));
  assert.ok(
    state.tracked.some((t) => t.name === 'Invoice'),
    JSON.stringify(state.tracked),
  );
});

test('tracking a tracked class again, alike (--track, then the tracker’s own request; a second POST), keeps its history', async () => {
  const served = await servePython('holder.py');
  try {
    const first = await served.post<{ name: string; since: number; firstSnapshot: number }>('/api/tracker/classes', { name: 'Slotted' });
    assert.equal(first.status, 201);
    assert.equal((await served.post('/api/tracker/snapshots', { description: 'one' })).status, 200);
    const again = await served.post<{ since: number; firstSnapshot: number }>('/api/tracker/classes', { name: 'Slotted' });
    assert.equal(again.status, 201);
    assert.deepEqual([again.body.since, again.body.firstSnapshot], [first.body.since, 0]);
    const state = (await getJson<TrackerState>(`${served.base}/api/tracker`)).body;
    assert.deepEqual(
      state.tracked.map((t) => [t.name, t.firstSnapshot, t.since]),
      [['Slotted', 0, first.body.since]],
    );
  } finally {
    await served.stop();
  }
});
