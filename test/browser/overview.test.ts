/**
 * The overview and process pages against a real program: they show its figures, keep them live,
 * keep program text inert, stay within their CSP and origin, and say when the program has exited.
 * Run after `npm run build` (they load dist/webview through the real server).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ProcessInfo } from '../../src/model';
import { formatBytes } from '../../webview/format';
import { assertWellBehaved, BrowserSession, type Fixture, screenshot, startFixture, startProfiledServer, type PageWatch } from './harness';

const XSS_ARG = '<img src=x onerror=window.__xss=1>';
const XSS_TITLE = '<script>window.__xss=2</script><b>fixture</b>';

describe('overview and process pages', () => {
  let fixture: Fixture;
  let server: Awaited<ReturnType<typeof startProfiledServer>>;
  let session: BrowserSession;
  let origin: string;

  async function open(path: string, colorScheme: 'light' | 'dark' = 'dark'): Promise<PageWatch> {
    const watch = await session.open(path, colorScheme);
    await watch.page.waitForFunction((pid) => document.querySelector('#pid')?.textContent === String(pid), fixture.pid);
    return watch;
  }

  async function apiProcess(): Promise<ProcessInfo> {
    const response = await fetch(`${origin}/api/process`);
    assert.equal(response.status, 200);
    return (await response.json()) as ProcessInfo;
  }

  before(async () => {
    fixture = await startFixture('app.js', [XSS_ARG]);
    server = await startProfiledServer(fixture);
    session = await BrowserSession.start(server.url);
    origin = session.origin;
  });

  after(async () => {
    try {
      await session?.close();
    } finally {
      await server?.stop();
      await fixture?.stop();
    }
  });

  test('the overview shows the program, its pid and an RSS consistent with /api/process', async () => {
    const { page } = await open('/');
    assert.equal(await page.textContent('#pid'), String(fixture.pid));
    // A live figure: compare the shown value (its tooltip has the exact bytes) with a fresh reading.
    const shown = await page.locator('#rss').evaluate((e) => ({ text: e.textContent ?? '', title: (e as HTMLElement).title }));
    const exact = Number(/^([\d,]+) bytes$/.exec(shown.title)?.[1].replace(/,/g, ''));
    assert.ok(exact > 0, `RSS tooltip "${shown.title}" gives the exact bytes`);
    assert.equal(shown.text, formatBytes(exact), 'the RSS figure is the tooltip value, formatted');
    assert.match(shown.text, /^\d+(\.\d+)? (MiB|GiB)$/);
    const api = await apiProcess();
    assert.ok(Math.abs(api.rss - exact) / api.rss < 0.25, `page RSS ${exact} close to API RSS ${api.rss}`);
    assert.equal(await page.textContent('#runtime'), `node ${process.version}`);
    assert.equal(await page.locator('#status').textContent(), 'Live');
    // Heap spaces are listed by name, with formatted sizes.
    const spaceNames = api.spaces.map((s) => s.name);
    assert.ok(spaceNames.includes('new_space') || spaceNames.includes('old_space'));
    const oldSpace = page.getByTestId('heap-spaces-old_space-size');
    assert.match((await oldSpace.textContent()) ?? '', /^\d+(\.\d+)? (B|KiB|MiB|GiB)$/);
    await screenshot(page, 'overview-dark');
  });

  test('the overview renders in the light theme too', async () => {
    const { page } = await open('/', 'light');
    const colors = await page.evaluate(() => {
      const s = getComputedStyle(document.body);
      return { bg: s.backgroundColor, fg: s.color, standalone: document.documentElement.classList.contains('standalone') };
    });
    assert.ok(colors.standalone, 'outside VS Code the page defines its own theme');
    assert.equal(colors.bg, 'rgb(255, 255, 255)');
    await screenshot(page, 'overview-light');
  });

  test('figures refresh live without a reload', async () => {
    const { page } = await open('/');
    const first = await page.textContent('#updated');
    await page.waitForFunction((before) => document.querySelector('#updated')?.textContent !== before, first, { timeout: 6_000 });
    // The refresh button polls at once.
    const second = await page.textContent('#updated');
    await page.waitForTimeout(1_100);
    await page.click('#refresh');
    await page.waitForFunction((before) => document.querySelector('#updated')?.textContent !== before, second, { timeout: 3_000 });
  });

  test('program text stays inert: no script runs and no element is created from it', async () => {
    const { page } = await open('/');
    await page.waitForTimeout(500);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.locator('main script, main b').count(), 0);
    assert.equal(await page.textContent('#target-title'), XSS_TITLE);
    assert.ok((await page.textContent('#argv'))?.includes(XSS_ARG), 'argv is shown as literal text');
  });

  test('navigation reaches the process page with the /proc status rows', async () => {
    const { page } = await open('/');
    await page.click('[data-testid="nav-process"]');
    await page.waitForURL(`${origin}/process`);
    await page.getByTestId('page-process').waitFor();
    assert.equal(await page.getAttribute('[data-testid="nav-process"]', 'aria-current'), 'page');
    const argv = page.getByTestId('argv-table-2-value');
    await argv.waitFor();
    assert.equal(await argv.locator('.cell-text').textContent(), XSS_ARG);
    if (process.platform === 'linux') {
      const name = page.getByTestId('os-status-Name-value');
      await name.waitFor();
      assert.ok(((await name.textContent()) ?? '').length > 0);
      assert.ok((await page.getByTestId('os-status-VmRSS-value').textContent())?.includes('kB'));
      assert.equal(await page.textContent('#section-os-status-title'), `/proc/${fixture.pid}/status`);
    }
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.equal(await page.locator('img').count(), 0);
    await screenshot(page, 'process');
    // Back goes back to the overview, without a reload.
    await page.goBack();
    await page.getByTestId('page-overview').waitFor();
    assert.equal(await page.textContent('#pid'), String(fixture.pid));
  });

  test('/process loads directly, and an unknown page says so', async () => {
    const { page } = await open('/process');
    await page.getByTestId('page-process').waitFor();
    // The server serves every Pympler path (/garbage/:index for any index); the UI knows only
    // numeric graph indexes and says so for anything else.
    const response = await page.goto(`${origin}/garbage/not-a-number`);
    assert.equal(response?.status(), 200);
    await page.getByTestId('page-not-found').waitFor();
  });

  test('pages threw nothing, broke no CSP rule, logged no error and talked only to the server', async () => {
    await assertWellBehaved(session.watches);
  });

  test('when the program exits the page says so and keeps the last figures', async () => {
    const watch = await open('/');
    const { page } = watch;
    const rssBefore = await page.textContent('#rss');
    await fixture.stop();
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Program exited', undefined, { timeout: 10_000 });
    assert.equal(await page.isVisible('#banner'), true);
    assert.match((await page.textContent('#banner')) ?? '', /exited/);
    assert.equal(await page.textContent('#rss'), rssBefore);
    assert.equal(await page.textContent('#pid'), String(fixture.pid));
    await screenshot(page, 'overview-exited');
    assert.deepEqual(watch.errors, []);
    assert.deepEqual(await watch.cspViolations(), []);
  });
});
