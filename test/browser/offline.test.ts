/**
 * The tracker, class and garbage pages against an offline dump: a real program is tracked and
 * snapshotted through the real server, its stats dump (`GET /api/stats`) is saved, the program
 * and that server go away, and a server reading the dump (as `memory-profiler open stats.json`)
 * shows the same tables in Chromium.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TrackerState } from '../../src/model';
import { type RunningServer, startServer } from '../../src/server';
import { OfflineTarget } from '../../src/targets';
import { ClassTracker, loadStats } from '../../src/tracker';
import { assertWellBehaved, BrowserSession, screenshot, startFixture, startProfiledServer, type PageWatch } from './harness';
import { tempDir } from './servers';

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, { ...init, headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(120_000) });
  const body = await response.json();
  assert.ok(response.ok, `${init?.method ?? 'GET'} ${url}: ${response.status} ${JSON.stringify(body)}`);
  return body as T;
}

describe('pages from an offline stats dump', () => {
  const dir = tempDir('mp-offline-ui-');
  let server: RunningServer;
  let session: BrowserSession;
  let live: TrackerState;

  before(async () => {
    // Live: track, two snapshots (the fixture replaces its CycleNode pairs meanwhile), dump.
    const fixture = await startFixture('tracked.js');
    const liveServer = await startProfiledServer(fixture);
    const base = liveServer.url.replace(/\/$/, '');
    try {
      await call(`${base}/api/tracker/classes`, { method: 'POST', body: JSON.stringify({ name: 'TrackedWidget' }) });
      await call(`${base}/api/tracker/snapshots`, { method: 'POST', body: JSON.stringify({ description: 'first' }) });
      await new Promise((r) => setTimeout(r, 300));
      await call(`${base}/api/tracker/snapshots`, { method: 'POST', body: JSON.stringify({ description: 'second' }) });
      live = await call<TrackerState>(`${base}/api/tracker`);
      writeFileSync(join(dir.path, 'stats.json'), JSON.stringify(await call(`${base}/api/stats`)));
    } finally {
      await liveServer.stop();
      await fixture.stop();
    }
    // Offline: what `memory-profiler open stats.json` serves.
    const file = join(dir.path, 'stats.json');
    server = await startServer({ target: new OfflineTarget([file]), tracker: ClassTracker.fromStats(await loadStats(file)), host: '127.0.0.1', port: 0 });
    session = await BrowserSession.start(server.url);
  });

  after(async () => {
    try {
      await session?.close();
    } finally {
      await server?.stop();
      dir.remove();
    }
    await assertWellBehaved(session.watches);
  });

  async function open(path: string, ready: string): Promise<PageWatch> {
    const watch = await session.open(path);
    await watch.page.getByTestId(ready).waitFor();
    return watch;
  }

  test('the tracker page shows the dump: both snapshots, 50 TrackedWidget, saved data', async () => {
    assert.equal(live.snapshots.length, 2);
    assert.equal(live.snapshots[1].classes.TrackedWidget.active, 50);
    const { page } = await open('/tracker', 'page-tracker');
    await page.getByTestId('tracker-snapshots-1-index').waitFor();
    await page.getByTestId('tracker-classes-TrackedWidget-name').waitFor();
    assert.match((await page.textContent('#status')) ?? '', /Saved data/);
    await screenshot(page, 'tracker-offline');
  });

  test('the process page offers no threads for saved data: the target has no such capability', async () => {
    const { page } = await open('/process', 'page-process');
    assert.deepEqual((await call<{ capabilities: string[] }>(`${server.url}api/target`)).capabilities, []);
    // Shown until the page knows the target, then hidden for good.
    await page.waitForSelector('#section-threads', { state: 'hidden' });
    assert.equal(await page.isVisible('[data-testid="threads-read"]'), false, 'no Read threads button offline');
  });

  test('the class page from the dump: 50 instances', async () => {
    const { page } = await open('/tracker/class/TrackedWidget', 'page-tracker-class');
    await page.waitForFunction(() => document.querySelector('#class-count')?.textContent === '50');
    assert.equal(await page.textContent('[data-testid="class-name"]'), 'TrackedWidget');
  });

  test('the garbage page from the dump: the collected graphs, with the CycleNode pairs', async () => {
    const graphs = await call<Array<{ classes?: string[] }>>(`${session.origin}/api/garbage`);
    assert.ok(
      graphs.some((g) => g.classes?.includes('CycleNode')),
      JSON.stringify(graphs).slice(0, 500),
    );
    const { page } = await open('/garbage', 'page-garbage');
    const cycleRow = page.locator('[data-testid="garbage-graphs-body"] .vt-row', { hasText: 'CycleNode' }).first();
    await cycleRow.waitFor({ timeout: 30_000 });
    await cycleRow.click();
    await page.getByTestId('page-garbage-graph').waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="garbage-graph-canvas"]')?.getAttribute('data-laid-out') === 'true', undefined, { timeout: 30_000 });
    assert.ok((await page.locator('[data-testid="garbage-graph-canvas"] canvas').count()) >= 1);
    await screenshot(page, 'garbage-offline');
  });
});
