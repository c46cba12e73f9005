/**
 * The address file a `listen()` program leaves in the temporary folder for `attach <pid>`:
 * removed at its exit, and by the profiler when its program is gone or its pid is another's.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, lstatSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { agentRoot } from '../../../src/targets/python';
import { CLI, Program } from '../../helpers/programs';
import { PYTHON, pythonFixture } from '../../helpers/python';

const running: Program[] = [];
const made: string[] = [];
const sleepers: ChildProcess[] = [];
after(() => {
  running.forEach((p) => p.kill());
  sleepers.forEach((c) => c.kill());
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

/** A live process that is neither Python nor Node (attach leaves it alone). */
function sleeper(): ChildProcess {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  sleepers.push(child);
  return child;
}

async function attachTo(pid: number): Promise<{ exit: { code: number | null }; stderr: string }> {
  const attach = new Program(spawn(process.execPath, [CLI, 'attach', String(pid), '--port', '0'], { stdio: ['pipe', 'pipe', 'pipe'] }));
  running.push(attach);
  const exit = await attach.exited;
  return { exit, stderr: attach.stderrLines.join('\n') };
}

test('the file of a killed program is removed by the next attach <pid>; so is one older than the process that has its pid now', async () => {
  const p = listener();
  const { file } = await p.json<{ file: string }>('listening');
  made.push(file);
  p.kill('SIGKILL');
  await p.exited;
  assert.ok(existsSync(file), 'a killed program cannot remove it');
  // A pid now of another program, the file written before it started.
  const older = sleeper();
  const reused = addressFile(older.pid!);
  made.push(reused);
  writeFileSync(reused, JSON.stringify({ port: 1, secret: 'x', pid: older.pid }), { mode: 0o600 });
  const past = new Date(Date.now() - 3_600_000);
  utimesSync(reused, past, past);
  // A link is never removed, whatever it points at.
  const gone = deadPid();
  const link = addressFile(gone);
  made.push(link);
  symlinkSync(reused, link);
  const pid = Number(/memory-profiler-agent-(\d+)\.json$/.exec(file)![1]);
  const { exit, stderr } = await attachTo(pid);
  assert.notEqual(exit.code, 0);
  assert.ok(stderr.includes(`no running process has pid ${pid}`), stderr);
  assert.equal(existsSync(file), false, 'the dead program’s file is removed');
  assert.equal(existsSync(reused), false, 'the file older than the process that has its pid now is removed');
  assert.ok(lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink(), 'a link is left alone');
});

test('the sweep keeps the file of a live process that is not Python by name (uwsgi, PyInstaller…); attach <that pid> does not', async () => {
  const embedded = sleeper();
  const kept = addressFile(embedded.pid!);
  made.push(kept);
  writeFileSync(kept, JSON.stringify({ port: 1, secret: 'x', pid: embedded.pid }), { mode: 0o600 });
  const { stderr } = await attachTo(deadPid());
  assert.ok(stderr.includes('no running process has pid'), stderr);
  assert.ok(existsSync(kept), 'a live agent’s file in a process not named python is kept');
  const asked = await attachTo(embedded.pid!);
  assert.ok(asked.stderr.includes(`pid ${embedded.pid} is not a Node.js program`), asked.stderr);
  assert.equal(existsSync(kept), false, 'the file of the pid asked for, not a Python process, is removed');
});

test('attach <pid> never reads an address file that is a link or another user’s', async () => {
  const target = join(tmpdir(), `memory-profiler-test-target-${process.pid}.json`);
  made.push(target);
  writeFileSync(target, JSON.stringify({ port: 1, secret: 'x' }), { mode: 0o600 });
  const linked = sleeper();
  const link = addressFile(linked.pid!);
  made.push(link);
  symlinkSync(target, link);
  const viaLink = await attachTo(linked.pid!);
  assert.ok(viaLink.stderr.includes(`pid ${linked.pid} is not a Node.js program`), viaLink.stderr);
  assert.ok(lstatSync(link).isSymbolicLink(), 'the link is left alone');
  if (process.getuid?.() !== 0) return; // only root can give a file to another user
  const other = sleeper();
  const theirs = addressFile(other.pid!);
  made.push(theirs);
  writeFileSync(theirs, JSON.stringify({ port: 1, secret: 'x' }), { mode: 0o600 });
  chownSync(theirs, 65534, 65534);
  const ofOther = await attachTo(other.pid!);
  assert.ok(ofOther.stderr.includes(`pid ${other.pid} is not a Node.js program`), ofOther.stderr);
  assert.ok(existsSync(theirs), 'another user’s file is left alone');
});
