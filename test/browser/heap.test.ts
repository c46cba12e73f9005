/**
 * The heap page against the real server serving two real snapshots of a real program
 * (test/fixtures/browser/heapSnapshots.js): classes with their known counts, a class's objects,
 * an object's retainer graph (drawn, and as text), the comparison of the two snapshots; markup
 * in class names and strings stays text; no CSP violation (vis-network's peer build with its CSS
 * bundled), no page error, no request elsewhere. Run after `npm run build`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/server';
import { assertWellBehaved, BrowserSession, screenshot, type PageWatch } from './harness';
import { runFixture, startOfflineServer, tempDir } from './servers';

const XSS = '<img src=x onerror=window.__xss=1>';

describe('heap page', () => {
  const dir = tempDir('mp-heap-ui-');
  let server: RunningServer;
  let session: BrowserSession;

  async function open(path: string): Promise<PageWatch> {
    const watch = await session.open(path);
    await watch.page.getByTestId('heap-classes-body').waitFor();
    return watch;
  }

  async function inert(watch: PageWatch): Promise<void> {
    const { page } = watch;
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined, 'no markup from the program ran');
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no <img> from the program exists');
  }

  before(async () => {
    const a = join(dir.path, 'a.heapsnapshot');
    const b = join(dir.path, 'b.heapsnapshot');
    await runFixture('heapSnapshots.js', [a, b]);
    server = await startOfflineServer([a, b]);
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

  test('the classes of the latest snapshot, filterable, with Leaf at 220 (100 in the first)', async () => {
    const watch = await open('/heap');
    const { page } = watch;
    assert.equal(await page.getAttribute('[data-testid="nav-heap"]', 'aria-current'), 'page');
    assert.equal(await page.locator('[data-testid="heap-snapshot"] option').count(), 2);
    assert.equal(await page.inputValue('[data-testid="heap-snapshot"]'), '1', 'the latest snapshot is shown first');
    await page.fill('[data-testid="heap-filter"]', 'Leaf');
    await page.getByTestId('heap-classes-Leaf-count').waitFor();
    assert.equal(await page.getByTestId('heap-classes-Leaf-count').textContent(), '220');
    assert.match((await page.getByTestId('heap-classes-Leaf-self').textContent()) ?? '', /^\d+(\.\d+)? (B|KiB)$/);
    assert.match((await page.textContent('[data-testid="heap-class-count"]')) ?? '', /^1 of [\d,]+ classes$/);
    await page.selectOption('[data-testid="heap-snapshot"]', '0');
    await page.waitForFunction(() => document.querySelector('[data-testid="heap-classes-Leaf-count"]')?.textContent === '100');
    // Sorting by a header click: by count, then reversed.
    await page.fill('[data-testid="heap-filter"]', '');
    await page.click('[data-testid="heap-classes-header-count"]');
    assert.equal(await page.getAttribute('[data-testid="heap-classes-header-count"]', 'aria-sort'), 'descending');
    const counts = await page.$$eval('[data-testid="heap-classes-body"] .vt-row [data-testid$="-count"]', (cells) =>
      cells.slice(0, 10).map((c) => Number(c.textContent!.replace(/,/g, ''))),
    );
    assert.deepEqual(
      counts,
      [...counts].sort((x, y) => y - x),
      'sorted by count, largest first',
    );
    await screenshot(page, 'heap-classes');
  });

  test('a class expands to its objects; an object shows its retainer graph and paths', async () => {
    const watch = await open('/heap');
    const { page } = watch;
    await page.fill('[data-testid="heap-filter"]', 'Leaf');
    await page.getByTestId('heap-classes-Leaf-name').click();
    const firstObject = page.locator('[data-testid="heap-classes-body"] .vt-row.object').first();
    await firstObject.waitFor();
    assert.match((await firstObject.textContent()) ?? '', /Leaf @\d+/);
    await firstObject.click();
    await page.waitForFunction(() => document.querySelector('[data-testid="retainer-graph-canvas"]')?.getAttribute('data-laid-out') === 'true', undefined, { timeout: 20_000 });
    assert.ok((await page.locator('[data-testid="retainer-graph-canvas"] canvas').count()) >= 1, 'vis-network drew on a canvas');
    const nodes = page.locator('[data-testid^="retainer-graph-node-"]');
    assert.ok((await nodes.count()) >= 3, 'the graph has the object, its holder and a root');
    assert.match((await page.textContent('[data-testid="heap-object-title"]')) ?? '', /^Why is Leaf @\d+ alive\?$/);
    // The shortest path runs from a root through the global `leaves` array to the object.
    const path = (await page.textContent('[data-testid="heap-path-0"]')) ?? '';
    assert.match(path, /leaves/);
    assert.match(path, /Leaf @\d+$/);
    // A click on a node in the list selects that object.
    await page.click('[data-testid="retainer-graph"] summary');
    const arrayNode = page.locator('[data-testid^="retainer-graph-node-"]', { hasText: 'Array @' }).first();
    await arrayNode.click();
    await page.waitForFunction(() => /^Why is Array @\d+ alive\?$/.test(document.querySelector('[data-testid="heap-object-title"]')?.textContent ?? ''));
    await screenshot(page, 'heap-retainers');
  });

  test('the comparison of the two snapshots: 150 Leaf new, 30 gone', async () => {
    const watch = await open('/heap');
    const { page } = watch;
    await page.getByTestId('heap-diff-Leaf-added').waitFor();
    assert.equal(await page.getByTestId('heap-diff-Leaf-added').textContent(), '150');
    assert.equal(await page.getByTestId('heap-diff-Leaf-removed').textContent(), '30');
    assert.equal(await page.getByTestId('heap-diff-Leaf-countDelta').textContent(), '+120');
    await page.locator('#section-heap-diff').scrollIntoViewIfNeeded();
    await screenshot(page, 'heap-diff');
  });

  test('?from=1&to=0 opens the comparison the other way round (Compare Snapshots… in VS Code)', async () => {
    const watch = await open('/heap?from=1&to=0');
    const { page } = watch;
    await page.getByTestId('heap-diff-Leaf-added').waitFor();
    assert.equal(await page.getByTestId('heap-diff-Leaf-added').textContent(), '30');
    assert.equal(await page.getByTestId('heap-diff-Leaf-removed').textContent(), '150');
    assert.equal(await page.getByTestId('heap-diff-Leaf-countDelta').textContent(), '-120');
    assert.equal(await page.getByTestId('heap-diff-from').evaluate((e) => (e as HTMLSelectElement).value), '1');
  });

  test('a class named with markup, and its strings, stay text', async () => {
    const watch = await open('/heap');
    const { page } = watch;
    await page.fill('[data-testid="heap-filter"]', '<img');
    const cell = page.getByTestId(`heap-classes-${XSS}-name`);
    await cell.waitFor();
    assert.equal(await cell.textContent(), `▸ ${XSS}`);
    await cell.click();
    const object = page.locator('[data-testid="heap-classes-body"] .vt-row.object').first();
    await object.waitFor();
    await object.click();
    await page.waitForFunction(() => document.querySelector('[data-testid="retainer-graph-canvas"]')?.getAttribute('data-laid-out') === 'true', undefined, { timeout: 20_000 });
    await page.click('[data-testid="retainer-graph"] summary');
    const labels = await page.locator('[data-testid^="retainer-graph-node-"]').allTextContents();
    assert.ok(
      labels.some((l) => l.includes(XSS)),
      'the hostile class name is shown as text in the graph list',
    );
    assert.ok(((await page.textContent('[data-testid="heap-object-title"]')) ?? '').includes(XSS));
    await inert(watch);
    await screenshot(page, 'heap-xss');
  });

  test('keyboard: arrows move through the rows, Enter expands', async () => {
    const watch = await open('/heap');
    const { page } = watch;
    await page.fill('[data-testid="heap-filter"]', 'Leaf');
    await page.getByTestId('heap-classes-Leaf-name').waitFor();
    await page.focus('[data-testid="heap-classes-body"]');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="heap-classes-body"] .vt-row.object').first().waitFor();
    assert.match((await page.getByTestId('heap-classes-Leaf-name').textContent()) ?? '', /^▾ Leaf$/);
  });
});
