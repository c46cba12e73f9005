/**
 * A hostile page on another port of the same loopback host (another local dev server, say),
 * in real Chromium, against the real server profiling a real program: its requests change
 * nothing and cannot pause the program, and it cannot frame the profiler's pages (clickjacking).
 * The server's own pages keep working. Run after `npm run build`.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { assertWellBehaved, BrowserSession, type Fixture, startFixture, startProfiledServer } from './harness';

describe('a page of another origin on the same host', () => {
  let fixture: Fixture;
  let server: Awaited<ReturnType<typeof startProfiledServer>>;
  let session: BrowserSession;
  let hostile: Server;
  let hostileOrigin: string;
  let hostileHtml = '';

  before(async () => {
    fixture = await startFixture('tracked.js');
    server = await startProfiledServer(fixture);
    session = await BrowserSession.start(server.url);
    hostile = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(hostileHtml));
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    hostileOrigin = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
  });

  after(async () => {
    try {
      await session?.close();
    } finally {
      hostile?.close();
      await server?.stop();
      await fixture?.stop();
    }
  });

  const profiler = () => `http://127.0.0.1:${server.port}`;

  test('its POSTs (text/plain, no-cors, as a form would) are refused: nothing is tracked, no snapshot taken', async () => {
    hostileHtml = '<!DOCTYPE html><title>hostile</title><p>hi</p>';
    const page = await session.context.newPage();
    await page.goto(`${hostileOrigin}/`);
    // A string, not a function: tsx would wrap a named arrow function in a helper the page lacks.
    const statuses = await page.evaluate(`Promise.all(['/api/tracker/classes', '/api/tracker/snapshots', '/api/tracker/census'].map((path) =>
      fetch('${profiler()}' + path, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ name: 'TrackedWidget' }) })
        .then((r) => r.type, (e) => String(e))))`);
    assert.deepEqual(statuses, ['opaque', 'opaque', 'opaque'], 'the requests were sent');
    await page.close();
    const state = (await (await fetch(`${profiler()}/api/tracker`)).json()) as { tracked: unknown[]; snapshots: unknown[] };
    assert.deepEqual(state.tracked, [], 'no class was tracked');
    assert.deepEqual(state.snapshots, [], 'no snapshot was taken');
  });

  test('its GET of a thread stack (which pauses the program) is refused', async () => {
    const page = await session.context.newPage();
    await page.goto(`${hostileOrigin}/`);
    const seen: number[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/api/threads/')) seen.push(r.status());
    });
    await page.evaluate((base) => fetch(`${base}/api/threads/main/stack`, { mode: 'no-cors' }).then(() => undefined), profiler());
    await page.close();
    assert.deepEqual(seen, [403]);
  });

  test('it cannot frame the profiler: the framed page never loads its script', async () => {
    hostileHtml = `<!DOCTYPE html><title>hostile</title><iframe id="f" src="${profiler()}/tracker" style="opacity:0.01"></iframe>`;
    const page = await session.context.newPage();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    const framed = page.waitForResponse((r) => r.url() === `${profiler()}/tracker`);
    await page.goto(`${hostileOrigin}/`);
    const response = await framed;
    assert.match(response.headers()['content-security-policy'] ?? '', /frame-ancestors 'none'/);
    assert.equal(response.headers()['x-frame-options'], 'DENY');
    // The blocked frame is left on an error page: no UI bundle, no API request from it.
    await page.waitForTimeout(0);
    await page.waitForLoadState('load');
    assert.deepEqual(
      requested.filter((u) => u.startsWith(profiler()) && u !== `${profiler()}/tracker`),
      [],
      'nothing but the refused document was fetched',
    );
    const frameUrls = page.frames().map((f) => f.url());
    assert.ok(!frameUrls.some((u) => u === `${profiler()}/tracker`), `the frame did not show the page: ${frameUrls.join(', ')}`);
    await page.close();
  });

  test('the profiler’s own pages still work: tracking a class and a snapshot from the tracker page', async () => {
    const watch = await session.open('/tracker');
    const { page } = watch;
    await page.getByTestId('page-tracker').waitFor();
    const tracked = await page.evaluate(async () => {
      const r = await fetch('/api/tracker/classes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'TrackedWidget' }) });
      return r.status;
    });
    assert.equal(tracked, 201);
    const stack = await page.evaluate(async () => (await fetch('/api/threads/main/stack', { headers: { 'x-memory-profiler': '1' } })).status);
    assert.equal(stack, 200);
    await assertWellBehaved(session.watches);
  });
});
