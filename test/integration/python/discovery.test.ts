/**
 * The address file a `listen()` program leaves in the temporary folder for `attach <pid>`:
 * removed at its exit, and by the profiler when its program is gone or its pid is another's.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { agentRoot } from '../../../src/targets/python';
import { CLI, Program } from '../../helpers/programs';
import { PYTHON, pythonFixture } from '../../helpers/python';

const running: Program[] = [];
const made: string[] = [];
after(() => {
  running.forEach((p) => p.kill());
  for (const f of made) if (lstatSync(f, { throwIfNoEntry: false })) unlinkSync(f);
});

function listener(): Program {
  const p = new Program(spawn(PYTHON, [pythonFixture('listener.py')], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONPATH: agentRoot() } }));
  running.push(p);
  return p;
}

/** A pid that no process has now (a child that has ended). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

const addressFile = (pid: number) => join(tmpdir(), `memory-profiler-agent-${pid}.json`);

test("a listen() program's address file is removed when it exits", async () => {
  const p = listener();
  const { file } = await p.json<{ file: string }>('listening');
  assert.ok(existsSync(file));
  p.send('exit');
  assert.deepEqual(await p.exited, { code: 0, signal: null });
  assert.equal(existsSync(file), false);
});

test('the file of a killed program is removed by the next attach <pid>; so is one whose pid is now another program', async () => {
  const p = listener();
  const { file } = await p.json<{ file: string }>('listening');
  made.push(file);
  p.kill('SIGKILL');
  await p.exited;
  assert.ok(existsSync(file), 'a killed program cannot remove it');
  // A pid now of a program that is not Python (this test's own node).
  const reused = addressFile(process.pid);
  made.push(reused);
  writeFileSync(reused, JSON.stringify({ port: 1, secret: 'x', pid: process.pid }), { mode: 0o600 });
  // A link is never removed, whatever it points at.
  const gone = deadPid();
  const link = addressFile(gone);
  made.push(link);
  symlinkSync(reused, link);
  const pid = Number(/memory-profiler-agent-(\d+)\.json$/.exec(file)![1]);
  const attach = new Program(spawn(process.execPath, [CLI, 'attach', String(pid), '--port', '0'], { stdio: ['pipe', 'pipe', 'pipe'] }));
  running.push(attach);
  const exit = await attach.exited;
  assert.notEqual(exit.code, 0);
  assert.ok(
    attach.stderrLines.some((l) => l.includes(`no running process has pid ${pid}`)),
    attach.stderrLines.join('\n'),
  );
  assert.equal(existsSync(file), false, 'the dead program’s file is removed');
  assert.equal(existsSync(reused), false, 'the file naming a pid that is now another program is removed');
  assert.ok(lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink(), 'a link is left alone');
});
