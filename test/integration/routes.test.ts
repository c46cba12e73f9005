/**
 * The route table (src/model/api.ts) is the API: every route in it is served, by a live server
 * and by an offline one, with the method it names; nothing under /api answers that is not in it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { API_ROUTE_KEYS } from '../../src/model';
import { type RunningServer, startServer } from '../../src/server';
import { NodeTarget, OfflineTarget } from '../../src/targets';
import { connectToInspector } from '../../src/targets/node';
import { type InspectedProgram, startInspected } from '../helpers/programs';

/** A concrete URL path for a route key: each `:name` gets a value that exists nowhere. */
const concrete = (path: string) => path.replace(/:(\w+)/g, (_, name: string) => (name === 'name' ? 'NoSuchClass' : '999999'));

async function answer(server: RunningServer, key: string): Promise<{ status: number; error?: string }> {
  const [method, path] = key.split(' ');
  // Requests that would change state get a body that is refused before anything happens.
  const body = method === 'POST' ? JSON.stringify({ intervalMs: -1, name: '' }) : undefined;
  const response = await fetch(`${server.url.replace(/\/$/, '')}${concrete(path)}`, {
    method,
    body,
    headers: body ? { 'content-type': 'application/json' } : {},
    signal: AbortSignal.timeout(60_000),
  });
  const json = (await response.json().catch(() => ({}))) as { error?: string };
  return { status: response.status, error: json.error };
}

describe('the route table', () => {
  let program: InspectedProgram;
  let live: RunningServer;
  let offline: RunningServer;

  before(async () => {
    program = await startInspected('holder.js');
    live = await startServer({ target: await NodeTarget.attach(await connectToInspector(program.wsUrl)), host: '127.0.0.1', port: 0 });
    offline = await startServer({ target: new OfflineTarget([]), host: '127.0.0.1', port: 0 });
  });

  after(async () => {
    await live?.stop();
    await offline?.stop();
    program?.program.kill();
  });

  for (const key of API_ROUTE_KEYS) {
    test(`${key} is served, live and offline`, async () => {
      for (const server of [live, offline]) {
        const { status, error } = await answer(server, key);
        assert.notEqual(error, 'unknown API path', `${key} answered ${status} ${error}`);
        assert.ok(status < 500, `${key} answered ${status} ${error}`);
      }
    });
  }

  test('a path that is not in the table is an unknown API path', async () => {
    assert.deepEqual(await answer(live, 'GET /api/heap/nothing'), { status: 404, error: 'unknown API path' });
    assert.deepEqual(await answer(live, 'PUT /api/tracker'), { status: 404, error: 'unknown API path' });
  });
});
