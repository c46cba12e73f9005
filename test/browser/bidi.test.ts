/**
 * Program strings with bidi text (a U+202E RIGHT-TO-LEFT OVERRIDE, a Hebrew class name) are
 * isolated wherever the UI shows them, so they cannot reorder the profiler's own text around
 * them: real Chromium on the real server profiling test/fixtures/browser/bidi.js. Run after
 * `npm run build`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { assertWellBehaved, BrowserSession, type Fixture, screenshot, startFixture, startProfiledServer } from './harness';

const REVERSED = '\u202Egnp.exe';
const HEBREW = 'שלום';

/**
 * Every text node holding right-to-left letters or bidi controls, where they are not isolated:
 * each directional run must sit inside FSI…PDI, or the node must be the only text of an element
 * whose computed `unicode-bidi` isolates it (a `<bdi>`, or `.bidi-isolate`).
 */
async function unisolated(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const directional = /[\\u0590-\\u08ff\\ufb1d-\\ufdff\\ufe70-\\ufeff\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]/;
    const bad = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.data;
      if (!directional.test(text)) continue;
      if (!directional.test(text.replace(/\\u2068[^\\u2069]*\\u2069/g, ''))) continue;
      const parent = node.parentElement;
      const isolating = ['isolate', 'isolate-override', 'plaintext'].includes(getComputedStyle(parent).unicodeBidi);
      if (isolating && parent.textContent === text) continue;
      bad.push(parent.tagName.toLowerCase() + '.' + parent.className + ' ' + (parent.closest('[data-testid]')?.getAttribute('data-testid') ?? '') + ': ' + JSON.stringify(text));
    }
    return bad;
  })()`);
}

describe('bidi text from the program is isolated', () => {
  let fixture: Fixture;
  let server: Awaited<ReturnType<typeof startProfiledServer>>;
  let session: BrowserSession;
  let api: string;

  before(async () => {
    fixture = await startFixture('bidi.js');
    server = await startProfiledServer(fixture);
    session = await BrowserSession.start(server.url);
    api = `http://127.0.0.1:${server.port}/api`;
    const post = (path: string, body: unknown) => fetch(api + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (const name of [REVERSED, HEBREW]) assert.equal((await post('/tracker/classes', { name })).status, 201);
    assert.equal((await post('/tracker/snapshots', { description: `before ${REVERSED} after` })).status, 200);
  });

  after(async () => {
    try {
      await session?.close();
    } finally {
      await server?.stop();
      await fixture?.stop();
    }
  });

  test('the tracker page: chips, snapshot table and title, census names', async () => {
    const { page } = await session.open('/tracker');
    await page.getByTestId('tracker-snapshots-0-index').waitFor();
    await page.getByText(HEBREW).first().waitFor();
    const shown = await page.evaluate(() => document.body.textContent ?? '');
    assert.ok(shown.includes(REVERSED) && shown.includes(HEBREW), 'both names are shown');
    assert.deepEqual(await unisolated(page), []);
    await screenshot(page, 'bidi-tracker');
  });

  test('the heap page: the class table', async () => {
    const { page } = await session.open('/heap');
    await page.getByTestId('heap-classes-body').waitFor();
    // The table is virtualised: the filter brings each class into view.
    for (const [filter, name] of [
      ['gnp', REVERSED],
      [HEBREW, HEBREW],
    ]) {
      await page.fill('[data-testid="heap-filter"]', filter);
      await page.waitForFunction((n) => [...document.querySelectorAll('[data-testid="heap-classes-body"] *')].some((e) => e.textContent?.includes(n)), name);
      assert.deepEqual(await unisolated(page), [], filter);
    }
  });

  test('the class page of the reversed name', async () => {
    const { page } = await session.open(`/tracker/class/${encodeURIComponent(REVERSED)}`);
    await page.getByTestId('page-tracker-class').waitFor();
    await page.waitForFunction((name) => (document.body.textContent ?? '').includes(name), REVERSED);
    assert.deepEqual(await unisolated(page), []);
    await assertWellBehaved(session.watches);
  });
});
