/**
 * A stats dump served offline (`memory-profiler open stats.json`) says the runtime it was
 * recorded from: a Python program's dump (`GET /api/stats` saved) is `python 3.x`, not a V8 heap
 * snapshot; a dump that recorded no target says so; heap snapshot files stay `V8 heap snapshot`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { StatsDump, TargetInfo } from '../../src/model';
import { type RunningServer, startServer } from '../../src/server';
import { OfflineTarget } from '../../src/targets';
import { PythonTarget } from '../../src/targets/python';
import { CLI, getJson, json, startNode } from '../helpers/programs';
import { type PythonProgram, pythonFixture, startPython } from '../helpers/python';

let py: PythonProgram;
let target: PythonTarget;
let server: RunningServer;
let base: string;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'offline-runtime-'));
  py = await startPython([pythonFixture('holder.py')]);
  await py.program.json('ready');
  target = await PythonTarget.connect(py.address);
  server = await startServer({ target, host: 'localhost', port: 0 });
  base = `http://127.0.0.1:${server.port}`;
});
after(async () => {
  await server?.stop();
  await target?.dispose();
  py?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** `memory-profiler open file`: its `/api/target`, the server stopped after. */
async function openedTarget(file: string): Promise<TargetInfo> {
  const p = startNode([CLI, 'open', file, '--port', '0']);
  try {
    const url = (await p.waitFor(/serving stats at (http:\S+)/, 20_000, 'stderr'))[1];
    return (await getJson<TargetInfo>(url + 'api/target')).body;
  } finally {
    p.kill();
  }
}

test("a Python program's dump, saved from GET /api/stats and opened, says the Python runtime it came from", async () => {
  assert.equal((await getJson(`${base}/api/tracker/classes`, json('POST', { name: 'Order' }))).status, 201);
  assert.equal((await getJson(`${base}/api/tracker/snapshots`, json('POST', {}))).status, 200);
  const live = (await getJson<TargetInfo>(`${base}/api/target`)).body;
  assert.match(live.runtime, /^python 3\.\d+/);
  const stats = await getJson<StatsDump>(`${base}/api/stats`);
  assert.equal(stats.status, 200);
  assert.equal(stats.body.target?.runtime, live.runtime, 'the dump records the runtime');
  const file = join(dir, 'python-stats.json');
  writeFileSync(file, JSON.stringify(stats.body));

  const offline = await openedTarget(file);
  assert.equal(offline.kind, 'offline');
  assert.equal(offline.runtime, live.runtime);

  // A dump that recorded no target does not pass for a V8 heap snapshot either.
  const bare = join(dir, 'bare-stats.json');
  writeFileSync(bare, JSON.stringify({ ...stats.body, target: null }));
  assert.equal((await openedTarget(bare)).runtime, 'unknown (the dump does not record it)');
});

test('heap snapshot files opened offline are still V8 heap snapshots', async () => {
  assert.equal((await new OfflineTarget(['a.heapsnapshot']).info()).runtime, 'V8 heap snapshot');
});
