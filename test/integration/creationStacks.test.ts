/**
 * Creation stacks with `run --track … --trace` on the leaky server
 * (test/fixtures/programs/leakyServer.js: a Map leak, a listener leak, reference cycles, a
 * session table, and its own requests churning sockets every 40 ms): every instance made after
 * tracking began carries its allocation stack, innermost program frame first, naming the
 * function that ran `new` (V8 records functions, so a frame's line is where that function
 * starts). V8 loses the stacks of objects that the GC compacts after it numbered them; the
 * tracker turns compaction off while it traces (src/targets/node/allocationStacks.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import type { ClassDetail, HeapAllocationFrame } from '../../src/model';
import { CLI, type Program, command, fixture, getJson, startNode } from '../helpers/programs';

const running: Program[] = [];
after(() => running.forEach((p) => p.kill()));

const source = readFileSync(fixture('leakyServer.js'), 'utf8').split('\n');
const lineOf = (text: string) => source.findIndex((l) => l.includes(text)) + 1;
/** Where each class is made: the function that runs its `new`, by name and first line, and the line of the `new` (the first of two for OrderCycle). */
const MADE_IN: Record<string, { functionName: string; line: number; newLine: number; others?: number }> = {
  LeakyRecord: { functionName: '', line: lineOf("process.stdin.on('data', (data) => {"), newLine: lineOf('new LeakyRecord(') },
  UserSession: { functionName: '', line: lineOf("process.stdin.on('data', (data) => {"), newLine: lineOf('new UserSession(') },
  ListenerState: { functionName: 'addListener', line: lineOf('function addListener()'), newLine: lineOf('new ListenerState(') },
  OrderCycle: { functionName: 'makePair', line: lineOf('function makePair()'), newLine: lineOf('new OrderCycle('), others: 1 },
};
const isProgramFrame = (f: HeapAllocationFrame) => f.scriptName !== '' && !f.scriptName.startsWith('node:') && !f.scriptName.startsWith('internal/');

test('run --trace: at least 95 % of the instances made after tracking began name the function and the line of the `new` that made them', async (t) => {
  const classes = Object.keys(MADE_IN);
  const p = startNode([CLI, 'run', '--port', '0', '--track', classes.join(','), '--trace', '--', process.execPath, fixture('leakyServer.js')]);
  running.push(p);
  const url = (await p.waitFor(/ at (http:\/\/localhost:\d+\/)/, 20_000, 'stderr'))[1];
  await p.json('ready');
  let counts: Record<string, number> = {};
  // in rounds, with the server's own traffic (and V8's full GCs every 50 ms while it tracks) between
  for (let round = 0; round < 5; round++) {
    for (const line of ['leak 100', 'listen 4', 'login 10', 'cycles 10']) counts = await command(p, line);
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.deepEqual({ ...counts }, { LeakyRecord: 500, ListenerState: 20, UserSession: 50, OrderCycle: 100 });
  const taken = await getJson(url + 'api/tracker/snapshots', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(taken.status, 200);

  const shares: string[] = [];
  for (const name of classes) {
    const detail = (await getJson<ClassDetail>(url + `api/tracker/classes/${name}`)).body;
    assert.equal(detail.instances.length, counts[name], `${name}: every instance the program made`);
    let right = 0;
    for (const inst of detail.instances) {
      assert.equal(inst.birth, 0, `${name} made after tracking began is born at the first snapshot`);
      const frames = inst.stack === undefined ? [] : detail.stacks[inst.stack];
      const top = frames.find(isProgramFrame);
      const made = MADE_IN[name];
      // the function that ran `new` as V8 names it (where it starts), and the line of the `new` found in the script
      if (
        top &&
        top.scriptName.endsWith('leakyServer.js') &&
        top.functionName === made.functionName &&
        top.line === made.line &&
        top.newAt?.line === made.newLine &&
        top.newAt.others === made.others
      )
        right++;
    }
    shares.push(`${name} ${right}/${counts[name]}`);
    assert.ok(right >= 0.95 * counts[name], `${name}: ${right} of ${counts[name]} instances name the function and the line of the new that made them (${shares.join(', ')})`);
  }
  t.diagnostic(`with the program's function on top: ${shares.join(', ')}`);
  p.child.kill('SIGINT');
  await p.exited;
});
