/** `memory-profiler run -- python …` with Debian's python3: the agent loaded before the program, exit codes passed on. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { after, describe, test } from 'node:test';
import type { TargetInfo, TrackerState } from '../../../src/model';
import { CLI, Program, getJson } from '../../helpers/programs';
import { PYTHON, pythonFixture, startPython } from '../../helpers/python';

const running: Program[] = [];
after(() => running.forEach((p) => p.kill()));

function cli(args: string[], cwd?: string): Program {
  const p = new Program(spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'], cwd }));
  running.push(p);
  return p;
}

async function servedUrl(p: Program): Promise<string> {
  return (await p.waitFor(/ at (http:\/\/localhost:\d+\/)/, 30_000, 'stderr'))[1];
}

describe('memory-profiler run -- python', () => {
  test('python app.py: served with its pid and runtime; its exit code is passed on', async () => {
    const p = cli(['run', '--port', '0', '--', PYTHON, pythonFixture('holder.py')]);
    const url = await servedUrl(p);
    await p.json('ready');
    const target = await getJson<TargetInfo>(url + 'api/target');
    assert.equal(target.status, 200);
    assert.match(target.body.runtime, /^python 3/);
    assert.ok(target.body.argv[0].endsWith('holder.py'));
    const process = await getJson<{ pid: number }>(url + 'api/process');
    assert.equal(process.body.pid, target.body.pid);
    p.send('fail');
    assert.deepEqual(await p.exited, { code: 3, signal: null });
  });

  test('python -m module with --track: the class is tracked from the start', async () => {
    const p = cli(['run', '--port', '0', '--track', 'Order', '--', PYTHON, '-m', 'holder'], dirname(pythonFixture('holder.py')));
    const url = await servedUrl(p);
    await p.json('ready');
    const snapshot = await getJson(url + 'api/tracker/snapshots', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.ok(snapshot.status < 300, JSON.stringify(snapshot.body));
    const state = (await getJson<TrackerState>(url + 'api/tracker')).body;
    assert.equal(state.snapshots[0].classes.Order.active, 123);
    p.send('exit');
    assert.deepEqual(await p.exited, { code: 0, signal: null });
    assert.ok(p.stderrLines.some((l) => /the program exited with code 0; profiler stopped/.test(l)));
  });

  test('attach <pid> finds the agent of a Python program that listens; Ctrl+C detaches, the program runs on', async () => {
    const py = await startPython([pythonFixture('holder.py')]);
    try {
      await py.program.json('ready');
      const p = cli(['attach', String(py.pid), '--port', '0']);
      const url = await servedUrl(p);
      const target = await getJson<TargetInfo>(url + 'api/target');
      assert.equal(target.body.pid, py.pid);
      assert.match(target.body.runtime, /^python 3/);
      p.child.kill('SIGINT');
      assert.deepEqual(await p.exited, { code: 0, signal: null });
      assert.equal((await py.client.request<{ pid: number }>('info')).pid, py.pid, 'the program still runs');
    } finally {
      py.stop();
    }
  });

  test("the program's own track_class reaches the tracker", async () => {
    const p = cli(['run', '--port', '0', '--', PYTHON, pythonFixture('holder.py')]);
    const url = await servedUrl(p);
    await p.json('ready');
    p.send('track');
    await p.json('tracked');
    let names: string[] = [];
    for (let i = 0; i < 50 && !names.includes('Order'); i++) {
      names = (await getJson<TrackerState>(url + 'api/tracker')).body.tracked.map((t) => t.name);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(names, ['Order']);
    p.send('exit');
    await p.exited;
  });

  test('run --track with a name the program has no class of: warned a moment after the start, with the near names', async () => {
    const p = cli(['run', '--port', '0', '--track', 'Ghost,Ordr,Order', '--', PYTHON, pythonFixture('holder.py')]);
    await servedUrl(p);
    await p.json('ready');
    const ghost = await p.waitFor(/warning: --track Ghost: (.*)$/, 15_000, 'stderr');
    assert.match(ghost[1], /no instance in the program now \(a census just now\) and no class of that name/);
    const typo = await p.waitFor(/warning: --track Ordr: (.*)$/, 15_000, 'stderr');
    assert.match(typo[1], /Near names: Order\./);
    assert.ok(!p.stderrLines.some((l) => l.includes('--track Order:')), 'Order has instances: no warning');
    p.send('exit');
    await p.exited;
  });
});
