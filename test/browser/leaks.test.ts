/**
 * The garbage and leak-suspect pages on a leaky HTTP server (test/fixtures/programs/
 * leakyServer.js: Node's natives churn, OrderCycle pairs dropped on a timer, a Map leak of
 * LeakyRecord and a listener leak), in real Chromium against the real server. Snapshots are
 * taken through the API (the tracker page's button has its own test); what is checked is what
 * the pages say. Run after `npm run build`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GarbageGraphSummary } from '../../src/model';
import type { RunningServer } from '../../src/server';
import { type Program, command, getJson } from '../helpers/programs';
import { BrowserSession, screenshot, startProfiledPages } from './harness';

describe('garbage and leak suspects pages on a leaky server', () => {
  let pages: Awaited<ReturnType<typeof startProfiledPages>>;
  let program: Program;
  let server: RunningServer;
  let session: BrowserSession;
  let api: string;
  const snapshot = async (description: string) => {
    const r = await getJson(api + '/tracker/snapshots', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ description }) });
    assert.equal(r.status, 200);
  };

  before(async () => {
    pages = await startProfiledPages('leakyServer.js');
    ({ program, server, session, api } = pages);
  });

  after(() => pages?.close());

  test('garbage: the dropped cycles first, named; engine internals hidden behind a toggle that counts them', async () => {
    await command(program, 'cycles 5');
    await snapshot('with cycles');
    await command(program, 'drop');
    await program.json('dropped');
    await snapshot('cycles dropped');
    const graphs = (await getJson<GarbageGraphSummary[]>(api + '/garbage')).body;
    const engine = graphs.filter((g) => g.engine);
    assert.ok(engine.length > 0, 'the engine freed something');

    const { page } = await session.open('/garbage');
    await page.getByTestId('garbage-graphs-0-classes').waitFor();
    for (let i = 0; i < 5; i++) {
      assert.match((await page.getByTestId(`garbage-graphs-${i}-classes`).textContent()) ?? '', /^OrderCycle ×2, /);
      assert.equal(await page.getByTestId(`garbage-graphs-${i}-cycles`).textContent(), '2');
    }
    const label = page.getByTestId('garbage-engine-label');
    const objects = engine.reduce((n, g) => n + g.objects, 0).toLocaleString('en-US');
    assert.match((await label.textContent()) ?? '', new RegExp(`: ${engine.length} graphs?, ${objects} objects? hidden$`));
    assert.match(
      (await page.textContent('[data-testid="garbage-summary"]')) ?? '',
      new RegExp(`${graphs.length - engine.length} reference graphs of the program's objects and ${engine.length} graphs? of engine internals only`),
    );
    // the last graph (an engine one) is not in the table until asked for
    await screenshot(page, 'garbage-program-first');
    const body = page.locator('[data-testid="garbage-graphs-body"]');
    const last = `garbage-graphs-${graphs.length - 1}-classes`;
    await body.evaluate((b) => b.scrollTo(0, 1e9));
    await page.getByTestId(`garbage-graphs-${graphs.length - engine.length - 1}-classes`).waitFor();
    assert.equal(await page.getByTestId(last).count(), 0);
    await page.check('[data-testid="garbage-show-engine"]');
    assert.match((await label.textContent()) ?? '', / shown$/);
    await body.evaluate((b) => b.scrollTo(0, 1e9));
    await page.getByTestId(last).waitFor();
  });

  test('garbage: a graph without cycles says so in its reduced view', async () => {
    const graphs = (await getJson<GarbageGraphSummary[]>(api + '/garbage')).body;
    const acyclic = graphs.find((g) => !g.engine && g.cycleObjects === 0)!;
    const { page } = await session.open(`/garbage/${acyclic.index}`);
    await page.getByTestId('garbage-graph-summary').waitFor();
    assert.equal(await page.isVisible('[data-testid="garbage-no-cycles"]'), false);
    await page.click('[data-testid="garbage-cycles"]');
    await page.getByTestId('garbage-no-cycles').waitFor();
    assert.match((await page.textContent('[data-testid="garbage-no-cycles"]')) ?? '', /^No object of this graph lies on a reference cycle/);
    assert.equal(await page.textContent('[data-testid="garbage-graph-note"]'), 'Only the objects on reference cycles: none.');
    await page.click('[data-testid="garbage-full"]');
    assert.equal(await page.isVisible('[data-testid="garbage-no-cycles"]'), false);
  });

  test('leak suspects: the Map leak first as one group of 200, its retainer path on a click', async () => {
    const { page: before } = await session.open('/garbage/suspects');
    await before.getByTestId('suspects-problem').waitFor();
    assert.match((await before.textContent('[data-testid="suspects-problem"]')) ?? '', /three tracker snapshots/);

    await command(program, 'leak 200');
    await command(program, 'listen 20');
    await snapshot('leaked');
    await snapshot('still leaked');
    const { page } = await session.open('/garbage');
    await page.click('[data-testid="garbage-suspects-link"]');
    await page.getByTestId('page-suspects').waitFor();
    assert.equal(new URL(page.url()).pathname, '/garbage/suspects');
    await page.getByTestId('suspects-0-class').waitFor({ timeout: 60_000 });
    assert.equal(await page.getByTestId('suspects-0-class').textContent(), 'LeakyRecord');
    assert.equal(await page.getByTestId('suspects-0-count').textContent(), '200');
    assert.equal(await page.getByTestId('suspects-0-path').textContent(), 'system / Context → records / Map → table / (array) → []');
    assert.match((await page.textContent('[data-testid="suspects-summary"]')) ?? '', /allocated after tracker snapshot #1 and are still alive in #2 and #3/);
    assert.match((await page.textContent('[data-testid="suspects-page-note"]')) ?? '', /^All \d+ groups shown\.$/);
    assert.equal(await page.isVisible('[data-testid="suspects-more"]'), false);
    await page.click('[data-testid="suspects-0-class"]');
    const steps = await page.locator('[data-testid="suspect-detail-path"] li').allTextContents();
    assert.deepEqual(steps.slice(-4), ['system / Context → records', 'Map → table', '(array) → []', 'LeakyRecord']);
    assert.equal(await page.textContent('[data-testid="suspect-detail-class"]'), 'LeakyRecord ×200');
    await screenshot(page, 'suspects');
  });

  test('leak suspects: a baseline picked among the snapshots, kept in the URL', async () => {
    // 100 more records, then two snapshots: the default baseline (#3) sees only those
    await command(program, 'leak 100');
    await snapshot('leaked more');
    await snapshot('still leaked more');
    const { page } = await session.open('/garbage/suspects');
    await page.getByTestId('suspects-0-class').waitFor({ timeout: 60_000 });
    const picker = page.getByTestId('suspects-baseline');
    assert.equal(await picker.inputValue(), '3');
    assert.deepEqual(await picker.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value)), ['0', '1', '2', '3']);
    assert.equal(await page.getByTestId('suspects-0-count').textContent(), '100');
    // snapshot #0, before every leak: all 300 records in one group
    await picker.selectOption('0');
    await page.waitForFunction(() => /after tracker snapshot #0 /.test(document.querySelector('[data-testid="suspects-summary"]')?.textContent ?? ''), undefined, {
      timeout: 60_000,
    });
    assert.equal(await page.getByTestId('suspects-0-class').textContent(), 'LeakyRecord');
    assert.equal(await page.getByTestId('suspects-0-count').textContent(), '300');
    assert.equal(new URL(page.url()).search, '?baseline=0');
    // opened again from its URL, the page keeps that baseline
    const { page: again } = await session.open('/garbage/suspects?baseline=0');
    await again.getByTestId('suspects-0-class').waitFor({ timeout: 60_000 });
    assert.equal(await again.getByTestId('suspects-baseline').inputValue(), '0');
    assert.equal(await again.getByTestId('suspects-0-count').textContent(), '300');
    assert.match((await again.textContent('[data-testid="suspects-summary"]')) ?? '', /allocated after tracker snapshot #0 and are still alive in #4 and #5/);
  });
});
