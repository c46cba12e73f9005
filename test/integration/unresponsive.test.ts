/**
 * Programs that stop answering or vanish at the worst moment, through the real server:
 * a SIGSTOPped program gets a clear 504 within seconds while the server serves on, and a
 * program that calls process.exit during a snapshot under `memory-profiler run` gets a 503.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { connectToInspector } from '../../src/targets/node';
import type { ProcessInfo, TrackerSnapshot } from '../../src/model';
import { type RunningServer, startServer } from '../../src/server';
import { NodeTarget } from '../../src/targets';
import { CLI, type Program, command, fixture, getJson, json, startInspected, startNode } from '../helpers/programs';

const running: Program[] = [];
const servers: RunningServer[] = [];
after(async () => {
  for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGCONT');
  for (const s of servers) await s.stop();
  running.forEach((p) => p.kill());
});

test('a SIGSTOPped program: 504 "the program does not respond" within seconds; the server serves on; SIGCONT and it answers again', async () => {
  const started = await startInspected('classes.js');
  running.push(started.program);
  const target = await NodeTarget.attach(await connectToInspector(started.port));
  const server = await startServer({ target, port: 0 });
  servers.push(server);
  const api = `http://127.0.0.1:${server.port}/api`;
  assert.equal((await getJson(api + '/process')).status, 200);

  process.kill(started.pid, 'SIGSTOP');
  const asked = Date.now();
  const stopped = await getJson(api + '/process');
  const waited = Date.now() - asked;
  console.log(`504 after ${waited} ms`);
  assert.equal(stopped.status, 504);
  assert.deepEqual(stopped.body, {
    error: 'the program does not respond',
    detail: 'no answer to a request for its memory figures within 5 s; is it stopped (SIGSTOP) or busy in a long synchronous task?',
  });
  // Everything that does not need the program answers meanwhile.
  for (const path of ['/target', '/tracker', '/heap/snapshots']) assert.equal((await getJson(api + path)).status, 200, path);

  process.kill(started.pid, 'SIGCONT');
  const back = await getJson<ProcessInfo>(api + '/process');
  assert.equal(back.status, 200);
  assert.equal(back.body.pid, started.pid);
});

test('memory-profiler run: the program dies during a snapshot; the snapshot request gets a 503 with a clear error, not an empty reply', async () => {
  // Ballast makes the snapshot take long enough to die inside it. (The program's own
  // process.exit cannot land inside the capture: V8 writes the snapshot on the program's
  // thread. Under `run` both end the same way: the program exits, and the profiler stops.)
  const p = startNode([CLI, 'run', '--port', '0', '--', process.execPath, fixture('classes.js')]);
  running.push(p);
  const url = (await p.waitFor(/ at (http:\/\/localhost:\d+\/)/, 20_000, 'stderr'))[1];
  const { pid } = await p.json<{ pid: number }>('ready');
  await command(p, 'ballast 300000');
  await getJson(url + 'api/tracker/classes', json('POST', { name: 'TrackedWidget' }));
  const events = await fetch(url + 'api/events', { signal: AbortSignal.timeout(60_000) });
  const reader = events.body!.getReader();
  const snapshot = fetch(url + 'api/tracker/snapshots', { ...json('POST', {}), signal: AbortSignal.timeout(60_000) });
  // Killed once V8 is writing the snapshot: the first progress event says so.
  for (let seen = ''; !seen.includes('snapshot-progress');) seen += new TextDecoder().decode((await reader.read()).value);
  process.kill(pid, 'SIGKILL');
  const answer = await snapshot;
  assert.equal(answer.status, 503);
  const body = (await answer.json()) as { error: string; detail: string };
  assert.equal(body.error, 'the profiled program is gone');
  assert.match(body.detail, /earlier snapshots are kept/);
  await p.exited;
  assert.ok(
    p.stderrLines.some((l) => /the program was killed by SIGKILL; profiler stopped/.test(l)),
    p.stderrLines.join('\n'),
  );
});

test('memory-profiler run: the program calls process.exit as its snapshot is being summarised; the request is answered, not cut', async () => {
  const p = startNode([CLI, 'run', '--port', '0', '--', process.execPath, fixture('classes.js')]);
  running.push(p);
  const url = (await p.waitFor(/ at (http:\/\/localhost:\d+\/)/, 20_000, 'stderr'))[1];
  await p.json('ready');
  await command(p, 'ballast 300000');
  await getJson(url + 'api/tracker/classes', json('POST', { name: 'TrackedWidget' }));
  const events = await fetch(url + 'api/events', { signal: AbortSignal.timeout(60_000) });
  const reader = events.body!.getReader();
  const snapshot = fetch(url + 'api/tracker/snapshots', { ...json('POST', {}), signal: AbortSignal.timeout(60_000) });
  for (let seen = ''; !seen.includes('snapshot-progress');) seen += new TextDecoder().decode((await reader.read()).value);
  // Read by the program as soon as V8 has written the snapshot, while the profiler summarises it.
  p.send('exit 3');
  // Before the fix the profiler stopped with the program and cut this request (an empty reply).
  const answer = await snapshot;
  const body = (await answer.json()) as TrackerSnapshot & { error?: string; detail?: string };
  // The snapshot was whole before the program exited: it is summarised and kept (200), unless
  // the exit came before the profiler's last question to the program (503); either is an answer.
  if (answer.status === 200) assert.equal(body.classes.TrackedWidget.active, 50);
  else assert.deepEqual([answer.status, body.error], [503, 'the profiled program is gone']);
  assert.equal((await p.exited).code, 3);
});
