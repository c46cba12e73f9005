/**
 * The garbage page of a live Python program in Chromium: Pympler's garbage graphs, the cycles
 * the program dropped with their class as text, kept until "Collect again"; the automatic
 * collector kept off from the page.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type PythonProgram, type ServedPython, servePython } from '../helpers/python';
import { assertWellBehaved, BrowserSession } from './harness';

let served: ServedPython;
let py: PythonProgram;
let session: BrowserSession;

before(async () => {
  served = await servePython('cycles.py', { gcOff: true, host: '127.0.0.1' });
  py = served.py;
  session = await BrowserSession.start(served.server.url);
});
after(async () => {
  await session?.close();
  await served?.stop();
});

test("the garbage page lists the program's dropped cycles with their class, kept until collected again", async () => {
  assert.deepEqual(await py.ask('drop 3', 'dropped'), { dropped: 3 });
  const { page } = await session.open('/garbage');
  const rows = page.getByTestId('collector-graphs').locator('[role="row"]', { hasText: 'Knot' });
  await rows.first().waitFor();
  assert.equal(await rows.count(), 3);
  for (const text of await rows.allInnerTexts()) assert.match(text, /\bKnot\b/);
  assert.match(await page.getByTestId('collector-summary').innerText(), /unreachable objects/);

  // A graph drawn: its two Knots named as text in the node list.
  await rows.first().click();
  await page.getByTestId('collector-graph-title').getByText('Knot').waitFor();
  const nodes = (await page.getByTestId('collector-graph-nodes').textContent()) ?? '';
  assert.equal((nodes.match(/<__main__\.Knot object at 0x[0-9a-f]+>/g) ?? []).length, 2, nodes);

  // Kept on reload (no new collection: the same graphs); new cycles show after "Collect again"
  // (dropping them frees the earlier ones first).
  const summary = await page.getByTestId('collector-summary').innerText();
  await page.reload();
  await page.getByTestId('collector-graphs').locator('[role="row"]', { hasText: 'Knot' }).first().waitFor();
  assert.equal(await page.getByTestId('collector-summary').innerText(), summary);
  assert.deepEqual(await py.ask('drop 2', 'dropped'), { dropped: 2 });
  await page.getByTestId('collector-collect').click();
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('[data-testid="collector-graphs"] [role="row"]')];
    return rows.filter((r) => r.textContent?.includes('Knot')).length === 2;
  });

  // The program started with the collector kept off: the box says so, and unticking turns it on.
  assert.equal(await page.getByTestId('collector-keep-off').isChecked(), true);
  await page.getByTestId('collector-keep-off').uncheck();
  await page.getByTestId('collector-summary').getByText('The automatic collector is on').waitFor();
  assert.deepEqual(await py.ask('gcstate', 'garbage'), { garbage: 0, debug: 0, enabled: true });

  // The overview: the Python heap's own labelled figures, not V8's heap at zero.
  const overview = (await session.open('/')).page;
  await overview.getByTestId('runtime-allocated-blocks').waitFor();
  assert.equal(await overview.locator('#section-runtime-heap-title').textContent(), 'Python heap');
  assert.match(await overview.getByTestId('runtime-allocated-blocks').innerText(), /^[\d,.\s\u202f]+$/);
  assert.match(await overview.getByTestId('runtime-heap-note').innerText(), /tracemalloc/);
  assert.equal(await overview.locator('#section-heap').isVisible(), false);
  assert.equal(await overview.getByTestId('memory-breakdown').isVisible(), false);
  await assertWellBehaved(session.watches);
});
