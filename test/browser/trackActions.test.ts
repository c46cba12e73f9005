/**
 * What a new user hit, in real Chromium against the real server on real programs: a tracked
 * name without instances is warned about with the near names (the tracker page), a heap row's
 * Track action, the heap page's Distance column (test/fixtures/programs/classes.js: 50
 * TrackedWidget, 20 TrackedGadget), and startProfiler's page: its Stop button and the
 * profiler's own frames folded away (suspendSelf.js). Run after `npm run build`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TrackerState } from '../../src/model';
import { LIB, fixture, getJson, json, startNode } from '../helpers/programs';
import { BrowserSession, assertWellBehaved, screenshot, startProfiledPages } from './harness';

describe('tracking from the pages', () => {
  let pages: Awaited<ReturnType<typeof startProfiledPages>>;

  before(async () => {
    pages = await startProfiledPages('classes.js');
  });
  after(() => pages?.close());

  const tracked = async () => (await getJson<TrackerState>(pages.api + '/tracker')).body.tracked.map((t) => t.name);

  test('a name without instances is warned about, as text, with the near class to track instead', async () => {
    const { page } = await pages.session.open('/tracker');
    await page.getByTestId('track-input').fill('TrackedWidgt');
    await page.getByTestId('track-button').click();
    const warning = page.getByTestId('track-warning-text');
    await warning.waitFor();
    assert.equal(
      await warning.textContent(),
      'TrackedWidgt: no instance in the program now (a census just now) and no class of that name. Near names: TrackedWidget. It is tracked anyway.',
    );
    await page.getByTestId('tracked-TrackedWidgt').waitFor();
    const suggestions = page.getByTestId('track-suggestion');
    assert.deepEqual(await suggestions.allTextContents(), ['TrackedWidget']);
    await screenshot(page, 'tracker-name-warning');

    await suggestions.first().click();
    await page.getByTestId('tracked-TrackedWidget').waitFor();
    await page.getByTestId('tracked-TrackedWidgt').waitFor({ state: 'detached' });
    assert.deepEqual(await tracked(), ['TrackedWidget'], 'tracked instead of the mistyped name');
    assert.equal(await page.getByTestId('track-warning').isHidden(), true, 'TrackedWidget has instances: no warning');
  });

  test('a name tracked elsewhere (the API, run --track) without instances is warned about on a page opened afterwards', async () => {
    assert.equal((await getJson(pages.api + '/tracker/classes', json('POST', { name: 'TrackedGadgett' }))).status, 201);
    const { page } = await pages.session.open('/tracker');
    const warning = page.getByTestId('track-warning-text');
    await warning.waitFor();
    assert.match((await warning.textContent()) ?? '', /^TrackedGadgett: no instance in the program now .* Near names: TrackedGadget\. It is tracked anyway\.$/);
    assert.equal((await getJson(pages.api + '/tracker/classes/TrackedGadgett', { method: 'DELETE' })).status < 300, true);
    assert.deepEqual((await getJson<TrackerState>(pages.api + '/tracker')).body.warnings, [], 'untracked: no warning kept');
  });

  test("a heap row's Track action tracks its class, which the tracker page then lists; object rows show their distance", async () => {
    assert.equal((await getJson(pages.api + '/tracker/snapshots', json('POST', { description: 'for the heap page' }))).status, 200);
    const { page } = await pages.session.open('/heap');
    await page.getByTestId('heap-filter').fill('TrackedGadget');
    const action = page.getByTestId('heap-classes-TrackedGadget-track-action');
    await action.waitFor();
    assert.equal(await action.textContent(), 'Track');
    assert.equal(await page.getByTestId('heap-classes-TrackedWidget-track-action').count(), 0, 'filtered out');
    await action.click();
    await page.getByTestId('heap-track-status').getByText('Tracking TrackedGadget:').waitFor();
    assert.equal(await action.textContent(), 'Tracked');
    assert.deepEqual(await tracked(), ['TrackedWidget', 'TrackedGadget']);

    // The class row did not expand on the button's click; a click on its name does.
    assert.equal(await page.locator('[data-testid^="heap-classes-TrackedGadget#"]').count(), 0);
    await page.getByTestId('heap-classes-TrackedGadget-name').click();
    const distances = page.locator('[data-testid^="heap-classes-TrackedGadget#"][data-testid$="-distance"]');
    await distances.first().waitFor();
    const values = await distances.allTextContents();
    assert.equal(values.length, 20, 'the 20 gadgets');
    for (const v of values) assert.match(v, /^[1-9]\d*$/, 'a distance from the roots for every object');
    assert.equal(await page.getByTestId('heap-classes-header-distance').textContent(), 'Distance');
    await screenshot(page, 'heap-track');

    await action.click();
    await page.getByTestId('page-tracker-class').waitFor();
    assert.match(page.url(), /\/tracker\/class\/TrackedGadget$/, '"Tracked" opens the class page');
    const list = await pages.session.open('/tracker');
    await list.page.getByTestId('tracked-TrackedGadget').waitFor();
    assert.equal(await list.page.getByTestId('stop-profiler').isHidden(), true, 'no Stop: this server is stopped by whoever started it');
  });
});

describe("startProfiler's page", () => {
  test("has the Stop button its message promises: the program carries on; the profiler's frames are folded", async () => {
    const program = startNode([fixture('suspendSelf.js')], { MEMORY_PROFILER_LIB: LIB });
    try {
      const { url } = await program.json<{ url: string }>('url');
      const session = await BrowserSession.start(url);
      try {
        const { page } = await session.open('/process');
        await page.getByTestId('threads-read').click();
        await page.getByTestId('thread-stack-main').click();
        await page.getByTestId('frames').waitFor();
        const folded = page.getByTestId('folded-frames');
        const foldedSummaries = page.locator('[data-testid="folded-frames"] > summary');
        assert.deepEqual(await foldedSummaries.allTextContents(), [
          '2 frames of the profiler (waitUntilStopped, startProfiler)',
          '2 frames of the runtime (listOnTimeout, processTimers)',
        ]);
        for (const details of await folded.all()) assert.equal(await details.evaluate((d) => (d as HTMLDetailsElement).open), false, 'folded away');
        // The program's own frame is the one shown, open at its line.
        const caller = page.getByTestId('frame-2');
        assert.match((await caller.textContent()) ?? '', /^suspendHere .*suspendSelf\.js:14:\d+$/);
        assert.equal(await caller.evaluate((s) => (s.parentElement as HTMLDetailsElement).open), true);
        assert.equal(await page.getByTestId('frame-0').isVisible(), false, "the profiler's frame is inside the fold");
        await screenshot(page, 'process-suspended');

        const stop = page.getByTestId('stop-profiler');
        assert.equal(await stop.textContent(), 'Stop');
        await stop.click();
        await page.getByTestId('banner').getByText('The profiler has stopped and the program carries on.').waitFor();
        const resumed = await program.json<{ reason: string }>('resumed');
        assert.equal(resumed.reason, 'stopped from the UI');
        await program.json('carriedOn');
        assert.equal((await program.exited).code, 0);
        assert.equal(await stop.isHidden(), true);
      } finally {
        await session.close();
      }
      await assertWellBehaved(session.watches);
    } finally {
      program.kill();
    }
  });
});

describe("an idle thread's stack", () => {
  test("Node's own frames where it next entered JavaScript (processTimers) are folded like any other run of them", async () => {
    const pages = await startProfiledPages('ticker.js');
    try {
      const { page } = await pages.session.open('/process');
      await page.getByTestId('threads-read').click();
      // ticker.js runs a 1 ms timer and nothing else: most reads find it idle at the timer's entry.
      let state = '';
      for (let i = 0; i < 10 && !(state.includes('idle') && (await page.getByTestId('frames').count())); i++) {
        await page.getByTestId('thread-stack-main').click();
        await page.getByTestId('thread-state').waitFor();
        state = (await page.getByTestId('thread-state').textContent()) ?? '';
      }
      assert.match(state, /^main: idle: waiting in its event loop/);
      const summaries = await page.locator('[data-testid="folded-frames"] > summary').allTextContents();
      assert.equal(summaries.length, 1, summaries.join(' | '));
      assert.match(summaries[0], /^\d+ frames? of the runtime \(.*processTimers\)$/);
      assert.equal(await page.getByTestId('folded-frames').evaluate((d) => (d as HTMLDetailsElement).open), false, 'folded away');
      assert.equal(await page.getByTestId('frame-0').isVisible(), false);
    } finally {
      await pages.close();
    }
  });
});
