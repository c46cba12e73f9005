/**
 * The tracker, tracked-class and process pages of a live Python program (test/fixtures/python/
 * holder.py: 123 Order, a named thread) in Chromium: their figures are worded by the runtime (the
 * Python heap, the agent's ids, threads read without stopping them), never V8's or Node's words,
 * and what the runtime cannot give (allocation sampling, V8's external memory, a JS heap
 * allocated) is not shown, neither as zeros nor as an error.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type PythonProgram, type ServedPython, servePython } from '../helpers/python';
import { assertWellBehaved, BrowserSession } from './harness';

/** What a Node program's pages say that a Python program's must not. */
const NODE_WORDS = /\bJS\b|JavaScript|\bV8\b|\bNode\b|node:|node app\.js|require\(|External\b|allocation sites could not/;

let served: ServedPython;
let py: PythonProgram;
let session: BrowserSession;

before(async () => {
  served = await servePython('holder.py', { host: '127.0.0.1' });
  py = served.py;
  session = await BrowserSession.start(served.server.url);
});
after(async () => {
  await session?.close();
  await served?.stop();
});

/** The page's visible text and its tooltips, as a user reads them. */
async function words(page: Page): Promise<string> {
  return page.evaluate(() => {
    // (no named function in here: the test's compiler would wrap it in a helper the page lacks)
    const titles = [...document.querySelectorAll('[title]')].filter((e) => (e as HTMLElement).offsetParent !== null).map((e) => e.getAttribute('title'));
    const series = [...document.querySelectorAll('[data-series]')].map((e) => e.getAttribute('data-series'));
    return [document.body.innerText, ...titles, ...series].join('\n');
  });
}

test('the tracker and class pages of a Python program word their figures as the Python heap, and hide what it cannot give', async () => {
  const { page } = await session.open('/tracker');
  // Empty: how to start a Python program, not a Node one.
  await page.getByTestId('tracker-empty').waitFor();
  await page.getByTestId('tracker-empty-cli').getByText('python app.py').waitFor();
  assert.match(await page.getByTestId('tracker-empty-code').innerText(), /memory_profiler_agent\.start_in_background/);

  await page.fill('[data-testid="track-input"]', 'Order');
  await page.click('[data-testid="track-button"]');
  await page.getByTestId('tracked-Order').waitFor();
  for (const rows of [1, 2]) {
    await page.click('[data-testid="take-snapshot"]');
    await page.getByTestId(`tracker-snapshots-${rows - 1}-index`).waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => !document.querySelector('[data-testid="take-snapshot"]')?.hasAttribute('disabled'));
  }
  await page.getByTestId('tracker-classes-Order-active').waitFor();
  assert.equal(await page.getByTestId('tracker-classes-Order-active').textContent(), '123');

  assert.equal(await page.getByTestId('tracker-snapshots-header-total').innerText(), 'Python heap');
  assert.match(await page.getByTestId('tracker-chart-note').innerText(), /the rest of the Python heap\./);
  assert.equal(await page.getByTestId('tracker-chart').getAttribute('data-series'), 'Order|rest of the Python heap');
  const facts = await page.getByTestId('tracker-snapshot-facts').innerText();
  assert.match(facts, /Python heap \(all objects\)/);
  assert.match(facts, /Resident size/);
  assert.doesNotMatch(facts, /JS heap|External|allocated/, 'no V8 figure, and no zero the runtime does not measure');
  // Python samples no allocations: no section that can only fail.
  assert.equal(await page.locator('#section-allocation-sites').isVisible(), false);
  assert.equal(await page.getByTestId('track-trace').isVisible(), false);
  // The resident size on top of the heap: what the snapshot's objects do not account for.
  await page.getByTestId('chart-outside').check();
  assert.equal(await page.getByTestId('tracker-chart').getAttribute('data-series'), 'Order|rest of the Python heap|rest of the resident size');
  const tracker = await words(page);
  assert.match(tracker, /Share of the Python heap/);
  assert.doesNotMatch(tracker, NODE_WORDS);

  const classPage = (await session.open('/tracker/class/Order')).page;
  await classPage.getByTestId('class-total-note').getByText('% of the Python heap').waitFor();
  const note = await classPage.getByTestId('class-instances-note').innerText();
  assert.match(note, /the Python agent numbers an object only when a snapshot first sees it/);
  await classPage.getByTestId('class-instances-body').locator('.vt-row').first().click();
  assert.equal(await classPage.getByTestId('class-instance-no-stack').innerText(), 'Not recorded: this runtime records no creation stacks.');
  assert.doesNotMatch(await words(classPage), NODE_WORDS);

  // The threads: a named Python thread is a thread, read without being stopped.
  const processPage = (await session.open('/process')).page;
  // (the page words itself once it knows the runtime: until then it has Node's words)
  await processPage.waitForFunction(() => /without stopping them/.test(document.querySelector('[data-testid="threads-read"]')?.getAttribute('title') ?? ''));
  await processPage.getByTestId('threads-read').click();
  await processPage.getByTestId('thread-stack-main').waitFor();
  const kinds = await processPage.getByTestId('threads').innerText();
  assert.match(kinds, /worker-thread\s+thread/);
  await processPage.getByTestId('thread-stack-main').click();
  assert.match(await processPage.getByTestId('thread-state').innerText(), /^MainThread: running \(its stack read as it runs, without stopping it\)/);
  assert.doesNotMatch(await words(processPage), NODE_WORDS);

  // The overview, heap and garbage pages: none of V8's or Node's words either.
  for (const [path, ready] of [
    ['/', 'runtime-allocated-blocks'],
    ['/heap', 'heap-classes-body'],
    ['/garbage', 'collector-summary'],
    ['/garbage/suspects', 'page-suspects'],
  ]) {
    const other = (await session.open(path)).page;
    await other.getByTestId(ready).waitFor();
    await other.waitForTimeout(500);
    assert.doesNotMatch(await words(other), NODE_WORDS, path);
  }
  await assertWellBehaved(session.watches);
});
