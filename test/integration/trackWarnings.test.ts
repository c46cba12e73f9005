/**
 * Tracking a name the program has no instance of (a typo, often) is said, with the near names
 * the program has: in the API's answer (`warning`) and as one line of `run --track`, whose run
 * goes on. On real programs: test/fixtures/programs/classes.js (50 TrackedWidget, 20
 * TrackedGadget, the class LeakyRecord with no instance yet) and prototypeNames.js (classes
 * named `toString`, `__proto__`… with 3 to 7 instances).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { TrackedClass, TrackerState, TrackWarning } from '../../src/model';
import { type RunningServer, startServer } from '../../src/server';
import { NodeTarget } from '../../src/targets';
import { connectToInspector } from '../../src/targets/node';
import { CLI, type Program, command, fixture, getJson, json, startInspected, startNode } from '../helpers/programs';

const running: Program[] = [];
const servers: RunningServer[] = [];
after(async () => {
  for (const s of servers) await s.stop();
  running.forEach((p) => p.kill());
});

async function served(script: string): Promise<{ api: string; program: Program }> {
  const started = await startInspected(script);
  running.push(started.program);
  const target = await NodeTarget.attach(await connectToInspector(started.port));
  const server = await startServer({ target, host: '127.0.0.1', port: 0 });
  servers.push(server);
  return { api: `http://127.0.0.1:${server.port}/api`, program: started.program };
}

type Answer = TrackedClass & { warning?: TrackWarning };

async function track(api: string, name: string): Promise<Answer> {
  const r = await getJson<Answer>(`${api}/tracker/classes`, json('POST', { name }));
  assert.equal(r.status, 201, `${name} is tracked`);
  return r.body;
}

describe('tracking a class with no instance', () => {
  test('the API answers with a warning naming the near classes; a class with instances gets none', async () => {
    const { api, program } = await served('classes.js');
    const typo = await track(api, 'TrackedWidgt');
    assert.equal(typo.name, 'TrackedWidgt');
    assert.ok(typo.warning, 'a warning for a name without instances');
    assert.equal(typo.warning.source, 'census');
    assert.deepEqual(typo.warning.suggestions, ['TrackedWidget']);
    assert.equal(
      typo.warning.message,
      'TrackedWidgt: no instance in the program now (a census just now) and no class of that name. Near names: TrackedWidget. It is tracked anyway.',
    );
    // Lower case and a prefix are near too; the one with more instances first (50 widgets, 20 gadgets).
    assert.deepEqual((await track(api, 'tracked')).warning?.suggestions, ['TrackedWidget', 'TrackedGadget']);
    assert.equal((await track(api, 'TrackedWidget')).warning, undefined);
    assert.equal((await track(api, 'TrackedGadget')).warning, undefined);

    // A class the program has, whose instances are not made yet: said so, and then not.
    const none = await track(api, 'LeakyRecord');
    assert.match(none.warning?.message ?? '', /^LeakyRecord: no instance in the program now \(a census just now\); the class exists and is tracked/);
    await command(program, 'leak 5');
    assert.equal((await track(api, 'LeakyRecord')).warning, undefined);

    const state = (await getJson<TrackerState>(`${api}/tracker`)).body;
    assert.deepEqual(
      state.tracked.map((t) => t.name),
      ['TrackedWidgt', 'tracked', 'TrackedWidget', 'TrackedGadget', 'LeakyRecord'],
      'every name is tracked, warned about or not',
    );
  });

  test('names are data: `toString` and `__proto__` are ordinary class names, suggested as they are', async () => {
    const { api } = await served('prototypeNames.js');
    assert.equal((await track(api, 'toString')).warning, undefined, 'the program has 3 instances of its class toString');
    assert.equal((await track(api, '__proto__')).warning, undefined, 'and 6 of __proto__');
    assert.deepEqual((await track(api, '__proto_')).warning?.suggestions, ['__proto__']);
    assert.deepEqual((await track(api, 'tostring')).warning?.suggestions, ['toString']);
    const other = (await track(api, 'hasOwnProperti')).warning;
    assert.deepEqual(other?.suggestions, ['hasOwnProperty']);
  });

  test('run --track prints one warning line naming the near class, and the run goes on', async () => {
    const p = startNode([CLI, 'run', '--port', '0', '--track', 'TrackedWidgt,TrackedGadget', '--', process.execPath, fixture('classes.js')]);
    running.push(p);
    const url = (await p.waitFor(/ at (http:\/\/localhost:\d+\/)$/, 30_000, 'stderr'))[1];
    // Checked a moment after the start, once the program made its objects; all names at once.
    await p.waitFor(/warning:/, 30_000, 'stderr');
    const warnings = p.stderrLines.filter((l) => l.includes('warning:'));
    assert.deepEqual(warnings, [
      'memory-profiler: warning: --track TrackedWidgt: no instance in the program now (a census just now) and no class of that name. Near names: TrackedWidget. It is tracked anyway.',
    ]);
    const state = (await getJson<TrackerState>(url + 'api/tracker')).body;
    assert.deepEqual(
      state.tracked.map((t) => t.name),
      ['TrackedWidgt', 'TrackedGadget'],
    );
    p.child.kill('SIGINT');
    assert.equal((await p.exited).code, 130);
  });
});
