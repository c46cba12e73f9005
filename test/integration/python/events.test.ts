/**
 * The program's own requests (track_class, create_snapshot) made before any profiler listened:
 * answered once, by the first profiler that subscribes; a later one does not take them again,
 * and those kept meanwhile are bounded.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AgentEvent, PythonAgentClient } from '../../../src/targets/python';
import { type PythonProgram, pythonFixture, startPython } from '../../helpers/python';

let py: PythonProgram;
const clients: PythonAgentClient[] = [];

before(async () => {
  py = await startPython([pythonFixture('holder.py')]);
  await py.program.json('ready');
});
after(() => {
  for (const c of clients) c.close();
  py?.stop();
});

async function subscribe(): Promise<AgentEvent[]> {
  const client = await PythonAgentClient.connect(py.address);
  clients.push(client);
  return (await client.request<{ events: AgentEvent[] }>('subscribe')).events;
}

test('requests made before any profiler are replayed once, to the first that subscribes', async () => {
  await py.ask('track', 'tracked');
  await py.ask('snapshot', 'requested');
  const first = await subscribe();
  assert.deepEqual(
    first.map((e) => [e.event, e.params.name ?? e.params.description]),
    [
      ['trackClass', 'Order'],
      ['createSnapshot', 'before server'],
    ],
  );
  clients.pop()!.close();
  // A later attach: nothing old to replay (it took a "before server" snapshot again).
  assert.deepEqual(await subscribe(), []);
  clients.pop()!.close();
});

test('the requests kept while nobody listens are bounded: the latest 100', async () => {
  // The previous subscribers are gone (their connections closed): the program's requests are kept again.
  await new Promise((r) => setTimeout(r, 300));
  await py.ask('manytracks', 'manytracks');
  const replay = await subscribe();
  assert.equal(replay.length, 100);
  assert.equal(replay[0].params.name, 'Order150');
  assert.equal(replay.at(-1)!.params.name, 'Order249');
});
