/**
 * The tracker page's charts on a real program (test/fixtures/programs/classes.js), in real
 * Chromium: before any data they say so instead of drawing an axis at 1970; one snapshot gives a
 * time axis of a minute around it, not years, ticks at clock seconds and round binary sizes; the stacked chart is the JS heap by default, the
 * tracked classes alone on request, memory outside the heap only when asked; the timeline samples
 * every second once a class is tracked, without periodic mode. Run after `npm run build`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TrackerState } from '../../src/model';
import type { RunningServer } from '../../src/server';
import { type Program, getJson } from '../helpers/programs';
import { BrowserSession, startProfiledPages } from './harness';

describe('tracker charts', () => {
  let pages: Awaited<ReturnType<typeof startProfiledPages>>;
  let program: Program;
  let server: RunningServer;
  let session: BrowserSession;
  let api: string;
  const post = (path: string, body: unknown) => getJson(api + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    pages = await startProfiledPages('classes.js');
    ({ program, server, session, api } = pages);
  });

  after(() => pages?.close());

  test('no data: words instead of an axis', async () => {
    const { page } = await session.open('/tracker');
    await page.getByTestId('page-tracker').waitFor();
    await page.getByTestId('tracker-chart-no-data').waitFor();
    assert.equal(await page.textContent('[data-testid="tracker-chart-no-data"]'), 'No data yet.');
    assert.equal(await page.locator('[data-testid="tracker-chart"] canvas').count(), 0);
  });

  test('one snapshot: a minute around it; the stacked chart is the JS heap, the classes alone on request', async () => {
    assert.equal((await post('/tracker/classes', { name: 'TrackedWidget' })).status, 201);
    const taken = await post('/tracker/snapshots', { description: 'one' });
    assert.equal(taken.status, 200);
    const at = taken.body.timestamp as number;
    const { page } = await session.open('/tracker');
    const chart = page.locator('[data-testid="tracker-chart"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="tracker-chart"]')?.getAttribute('data-points') === '1');
    const [min, max] = ((await chart.getAttribute('data-x-range')) ?? '').split('..').map(Number);
    assert.ok(min <= at && at <= max && max - min <= 120_000, `axis ${new Date(min).toISOString()} – ${new Date(max).toISOString()} around ${new Date(at).toISOString()}`);
    assert.equal(await page.isVisible('[data-testid="tracker-chart-no-data"]'), false);
    // clock times to the second, and round steps of a binary unit (not 47.7 MiB)
    const xTicks = ((await chart.getAttribute('data-x-ticks')) ?? '').split('|');
    assert.ok(xTicks.length >= 2 && xTicks.every((t) => /^\d\d:\d\d:\d\d$/.test(t)), xTicks.join(' '));
    const yTicks = ((await chart.getAttribute('data-y-ticks')) ?? '').split('|');
    assert.ok(yTicks.length >= 2 && yTicks.every((t) => /^(0 B|\d+(\.(5|25|75))? (B|KiB|MiB|GiB))$/.test(t)), yTicks.join(' '));
    assert.equal(await chart.getAttribute('data-series'), 'TrackedWidget|rest of the JS heap');
    await page.check('[data-testid="chart-tracked-only"]');
    assert.equal(await chart.getAttribute('data-series'), 'TrackedWidget');
    await page.uncheck('[data-testid="chart-tracked-only"]');
    await page.check('[data-testid="chart-outside"]');
    assert.equal(await chart.getAttribute('data-series'), 'TrackedWidget|rest of the JS heap|outside the JS heap');
  });

  test('the timeline samples every second once a class is tracked, periodic mode off', async () => {
    const state = async () => (await getJson<TrackerState>(api + '/tracker')).body;
    assert.equal((await state()).periodic, null);
    const before = (await state()).timeseries.find((t) => t.label === 'rss')?.data.length ?? 0;
    // count-based: wait for three more samples than the one snapshot gave
    for (let i = 0; i < 100; i++) {
      const rss = (await state()).timeseries.find((t) => t.label === 'rss')?.data.length ?? 0;
      if (rss >= before + 3) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.fail('no samples between snapshots');
  });
});
