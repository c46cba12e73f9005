/**
 * The tracker, tracked-class, garbage and process (threads) pages against the real server
 * profiling a real program (test/fixtures/browser/tracked.js: 50 TrackedWidget, objects whose
 * class name is markup, CycleNode pairs replaced every 100 ms). Every action goes through the
 * UI: track a class, take snapshots, periodic on and off; then the class page, the collected
 * graphs and a thread's stack. Markup from the program stays text; no CSP violation, page error
 * or foreign request. Run after `npm run build`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { assertWellBehaved, BrowserSession, type Fixture, screenshot, startFixture, startProfiledServer, type PageWatch } from './harness';

const XSS = '<img src=x onerror=window.__xss=1>';

describe('tracker, class, garbage and process pages', () => {
  let fixture: Fixture;
  let server: Awaited<ReturnType<typeof startProfiledServer>>;
  let session: BrowserSession;

  async function open(path: string, ready: string): Promise<PageWatch> {
    const watch = await session.open(path);
    await watch.page.getByTestId(ready).waitFor();
    return watch;
  }

  async function inert(page: Page): Promise<void> {
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined, 'no markup from the program ran');
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no <img> from the program exists');
  }

  async function takeSnapshot(page: Page, expectedRows: number): Promise<void> {
    await page.click('[data-testid="take-snapshot"]');
    await page.getByTestId(`tracker-snapshots-${expectedRows - 1}-index`).waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => !document.querySelector('[data-testid="take-snapshot"]')?.hasAttribute('disabled'));
  }

  before(async () => {
    fixture = await startFixture('tracked.js');
    server = await startProfiledServer(fixture);
    session = await BrowserSession.start(server.url);
  });

  after(async () => {
    try {
      await session?.close();
    } finally {
      await server?.stop();
      await fixture?.stop();
    }
    await assertWellBehaved(session.watches);
  });

  test('the tracker starts empty and says how to start', async () => {
    const { page } = await open('/tracker', 'page-tracker');
    await page.getByTestId('tracker-empty').waitFor();
    assert.match((await page.textContent('[data-testid="tracker-empty-cli"]')) ?? '', /memory-profiler run --track/);
    assert.equal(await page.getAttribute('[data-testid="nav-tracker"]', 'aria-current'), 'page');
    await screenshot(page, 'tracker-empty');
  });

  test('track classes, take snapshots: new rows, the known counts, the chart', async () => {
    const { page } = await open('/tracker', 'page-tracker');
    await page.getByTestId('tracker-empty').waitFor();
    // The class picker suggests classes of the heap (once a snapshot exists); typing any name works.
    await page.fill('[data-testid="track-input"]', 'TrackedWidget');
    await page.click('[data-testid="track-button"]');
    await page.getByTestId('tracked-TrackedWidget').waitFor();
    await page.fill('[data-testid="track-input"]', XSS);
    await page.click('[data-testid="track-button"]');
    await page.getByTestId(`tracked-${XSS}`).waitFor();
    assert.equal(await page.getByTestId(`tracked-${XSS}`).textContent(), XSS);

    await takeSnapshot(page, 1);
    assert.equal(await page.isVisible('[data-testid="tracker-empty"]'), false);
    await page.getByTestId('tracker-classes-TrackedWidget-active').waitFor();
    assert.equal(await page.getByTestId('tracker-classes-TrackedWidget-active').textContent(), '50');
    assert.match((await page.getByTestId('tracker-classes-TrackedWidget-pct').textContent()) ?? '', /^\d+\.\d\d %$/);
    assert.equal(await page.getByTestId(`tracker-classes-${XSS}-name`).textContent(), XSS);

    await takeSnapshot(page, 2);
    await page.waitForFunction(() => document.querySelector('[data-testid="tracker-chart"]')?.getAttribute('data-points') === '2');
    assert.ok((await page.locator('[data-testid="tracker-chart"] canvas').count()) >= 1, 'uPlot drew the chart');
    const series = (await page.getAttribute('[data-testid="tracker-chart"]', 'data-series')) ?? '';
    assert.ok(series.split('|').includes('TrackedWidget') && series.includes('rest of the JS heap'), series);
    // The suggestions come from the heap's classes.
    await page.fill('[data-testid="track-input"]', 'Cycle');
    await page.focus('[data-testid="track-input"]');
    await page.waitForFunction(() => [...document.querySelectorAll('#track-options option')].some((o) => (o as HTMLOptionElement).value === 'CycleNode'));
    await page.fill('[data-testid="track-input"]', '');
    await inert(page);
    await screenshot(page, 'tracker');
  });

  test('a census: exact counts of the tracked classes in the census table, the XSS class as text', async () => {
    const { page } = await open('/tracker', 'page-tracker');
    await page.getByTestId('tracker-snapshots-0-index').waitFor();
    assert.equal(await page.isVisible('#section-tracker-census'), false, 'no census yet: no table');
    // No periodic mode: the page does not poll, only the census-added event can show the census.
    assert.equal((await (await fetch(`${server.url}api/tracker`)).json()).periodic, null);
    const status = await page.evaluate(async () => (await fetch('api/tracker/census', { method: 'POST' })).status);
    assert.equal(status, 200);
    // the census-added event reloads the page's state
    await page.getByTestId('tracker-census-0:TrackedWidget-active').waitFor();
    assert.equal(await page.getByTestId('tracker-census-0:TrackedWidget-active').textContent(), '50');
    assert.equal(await page.getByTestId('tracker-census-0:TrackedWidget-basedOn').textContent(), '#1');
    assert.match((await page.getByTestId('tracker-census-0:TrackedWidget-pause').textContent()) ?? '', /^\d+ ms$/);
    assert.equal(await page.getByTestId(`tracker-census-0:${XSS}-name`).textContent(), XSS);
    await inert(page);
  });

  test('periodic snapshots switch on and off', async () => {
    const { page } = await open('/tracker', 'page-tracker');
    await page.getByTestId('tracker-snapshots-0-index').waitFor();
    await page.fill('[data-testid="periodic-interval"]', '3600');
    await page.check('[data-testid="periodic-toggle"]');
    await page.waitForFunction(() => /^on/.test(document.querySelector('[data-testid="periodic-status"]')?.textContent ?? ''));
    await page.uncheck('[data-testid="periodic-toggle"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="periodic-status"]')?.textContent === 'off');
  });

  test('the class page: 50 instances with their lifetimes', async () => {
    const { page } = await open('/tracker', 'page-tracker');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'tracker-dark');
    await page.getByTestId('tracker-classes-TrackedWidget-name').click();
    await page.getByTestId('page-tracker-class').waitFor();
    assert.equal(new URL(page.url()).pathname, '/tracker/class/TrackedWidget');
    await page.waitForFunction(() => document.querySelector('#class-count')?.textContent === '50');
    assert.equal(await page.textContent('[data-testid="class-name"]'), 'TrackedWidget');
    const first = page.locator('[data-testid="class-instances-body"] .vt-row').first();
    await first.waitFor();
    assert.match((await first.textContent()) ?? '', /TrackedWidget @\d+.*before – alive/);
    await first.click();
    assert.match((await page.textContent('[data-testid="class-instance-sizes"]')) ?? '', /^#0: \d+ B, #1: \d+ B$/);
    // Its referent tree, from the latest snapshot: the field the constructor set (a string; the
    // small integer `serial` is no heap object), then a level down: its prototype's constructor.
    const refs = page.getByTestId('class-instance-referents');
    await refs.locator(':scope > li > details').first().waitFor();
    const top = await refs.locator(':scope > li > details > summary').allTextContents();
    assert.ok(
      top.some((t) => /^\.label → "widget \d+" @\d+ · \d+ B$/.test(t)),
      top.join(' | '),
    );
    const proto = refs.locator(':scope > li > details', { has: page.locator(':scope > summary', { hasText: /^\.__proto__ → / }) });
    await proto.locator(':scope > summary').click();
    await proto.locator(':scope > ul > li > details').first().waitFor();
    const inner = await proto.locator(':scope > ul > li > details > summary').allTextContents();
    assert.ok(
      inner.some((t) => /^\.constructor → .*TrackedWidget/.test(t)),
      inner.join(' | '),
    );
    assert.equal(await page.getAttribute('[data-testid="nav-tracker"]', 'aria-current'), 'page');
    await screenshot(page, 'tracker-class');
    // The class named with markup has its page too, its name as text.
    const { page: hostile } = await open(`/tracker/class/${encodeURIComponent(XSS)}`, 'page-tracker-class');
    await hostile.waitForFunction(() => document.querySelector('#class-count')?.textContent !== '—');
    assert.equal(await hostile.textContent('[data-testid="class-name"]'), XSS);
    await inert(hostile);
  });

  test('garbage: the collected graphs, one drawn in full and reduced to its cycles', async () => {
    const { page } = await open('/garbage', 'page-garbage');
    const first = page.locator('[data-testid="garbage-graphs-body"] .vt-row').first();
    await first.waitFor({ timeout: 60_000 });
    assert.match((await page.textContent('[data-testid="garbage-summary"]')) ?? '', /were collected between/);
    await screenshot(page, 'garbage');
    // The graph whose classes include CycleNode (the pairs the fixture replaces).
    const cycleRow = page.locator('[data-testid="garbage-graphs-body"] .vt-row', { hasText: 'CycleNode' }).first();
    await cycleRow.click();
    await page.getByTestId('page-garbage-graph').waitFor();
    assert.match(new URL(page.url()).pathname, /^\/garbage\/\d+$/);
    await page.waitForFunction(() => document.querySelector('[data-testid="garbage-graph-canvas"]')?.getAttribute('data-laid-out') === 'true', undefined, { timeout: 30_000 });
    assert.ok((await page.locator('[data-testid="garbage-graph-canvas"] canvas').count()) >= 1);
    await page.click('[data-testid="garbage-graph"] summary');
    const nodes = page.locator('[data-testid^="garbage-graph-node-"]');
    assert.ok((await nodes.count()) >= 2);
    const cycleNode = page.locator('[data-testid^="garbage-graph-node-"]', { hasText: 'CycleNode' }).first();
    await cycleNode.click();
    assert.match((await page.textContent('[data-testid="garbage-object-repr"]')) ?? '', /CycleNode/);
    await page.click('[data-testid="garbage-cycles"]');
    await page.waitForFunction(() => /^Only the objects on reference cycles/.test(document.querySelector('[data-testid="garbage-graph-note"]')?.textContent ?? ''));
    await page.waitForFunction(() => document.querySelector('[data-testid="garbage-graph-canvas"]')?.getAttribute('data-laid-out') === 'true');
    const reduced = await page.locator('[data-testid^="garbage-graph-node-"]').allTextContents();
    assert.ok(reduced.length >= 2 && reduced.every((l) => /CycleNode/.test(l)), `only CycleNode pairs are on cycles: ${reduced.join(' / ')}`);
    await inert(page);
    await screenshot(page, 'garbage-graph');
  });

  test('the heap page shows the tracker’s snapshots and follows a new one without a reload', async () => {
    const { page } = await open('/heap', 'page-heap');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByTestId('heap-classes-body').waitFor();
    const before = await page.locator('[data-testid="heap-snapshot"] option').count();
    assert.ok(before >= 2);
    await page.fill('[data-testid="heap-filter"]', 'TrackedWidget');
    await page.getByTestId('heap-classes-TrackedWidget-count').waitFor();
    assert.equal(await page.getByTestId('heap-classes-TrackedWidget-count').textContent(), '50');
    const response = await fetch(`${session.origin}/api/tracker/snapshots`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"description":"from the test"}',
    });
    assert.equal(response.status, 200);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="heap-snapshot"] option').length === n + 1, before);
    await page.waitForFunction((n) => (document.querySelector('[data-testid="heap-snapshot"]') as HTMLSelectElement).value === String(n), before);
    await page.getByTestId('heap-classes-TrackedWidget-count').waitFor();
    assert.equal(await page.getByTestId('heap-classes-TrackedWidget-count').textContent(), '50');
    await screenshot(page, 'heap-live-dark');
  });

  test('process: the threads, and the main thread’s stack', async () => {
    const { page } = await open('/process', 'page-process');
    await page.click('[data-testid="threads-read"]');
    await page.getByTestId('threads-main-name').waitFor();
    assert.equal(await page.getByTestId('threads-main-kind').textContent(), 'main thread');
    await page.click('[data-testid="thread-stack-main"]');
    await page.getByTestId('thread-state').waitFor({ timeout: 30_000 });
    assert.match((await page.textContent('[data-testid="thread-state"]')) ?? '', /^main: /);
    await inert(page);
    await screenshot(page, 'process-threads');
  });
});
