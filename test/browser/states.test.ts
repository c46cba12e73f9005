/**
 * The UI's states against the real server with a scripted target: errors, an unreachable server,
 * a program that is gone, stable layout across updates, and the VS Code webview mode (meta page,
 * nonce CSP, in-document navigation, saved state).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import type { ProcessInfo, TargetInfo } from '../../src/model';
import { type RunningServer, startServer } from '../../src/server';
import { pageShell } from '../../src/server/pageShell';
import { type ProfiledTarget, TargetGoneError } from '../../src/target';
import { launchChromium, screenshot, watchedPage } from './harness';

const MiB = 1024 * 1024;

/** A target whose answers the test scripts. */
class ScriptedTarget implements ProfiledTarget {
  mode: 'ok' | 'fail' | 'gone' = 'ok';
  tick = 0;
  argv = ['/usr/bin/node', '--max-old-space-size=8192', 'server.js', '--name', "it's a long name with spaces"];

  async info(): Promise<TargetInfo> {
    return { kind: 'live', pid: 4242, title: 'scripted-program', runtime: 'node v20.0.0', argv: this.argv, connected: this.mode !== 'gone' };
  }

  async processInfo(): Promise<ProcessInfo> {
    if (this.mode === 'gone') throw new TargetGoneError('the program exited');
    if (this.mode === 'fail') throw new Error('the probe broke');
    const t = ++this.tick;
    // Values whose formatted width changes between updates (9.99 MiB → 1.21 GiB), to catch layout jumps.
    const rss = t % 2 ? 9.99 * MiB : 1240 * MiB;
    return {
      pid: 4242,
      timestamp: Date.now(),
      vsz: 12 * 1024 * MiB + t,
      rss,
      pagefaults: t % 2 ? 3 : 123_456,
      maxRss: 1300 * MiB,
      heap: { used: 600 * MiB, total: 800 * MiB, limit: 4144 * MiB, external: 40 * MiB, arrayBuffers: 12 * MiB },
      spaces: [
        { name: 'new_space', size: 16 * MiB, used: 3 * MiB + t, available: 13 * MiB, physical: 16 * MiB },
        { name: 'old_space', size: 700 * MiB, used: 590 * MiB, available: 110 * MiB, physical: 700 * MiB },
      ],
      osSpecific: [['Name', 'node'], ['State', 'S (sleeping)'], ['VmRSS', `${Math.round(rss / 1024)} kB`]],
    };
  }

  onGone(): () => void {
    return () => {};
  }

  async dispose(): Promise<void> {}
}

describe('UI states', () => {
  const target = new ScriptedTarget();
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let origin: string;

  before(async () => {
    server = await startServer({ target, host: '127.0.0.1', port: 0 });
    origin = server.url.replace(/\/$/, '');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  test('updates change text only: nothing moves between polls', async () => {
    target.mode = 'ok';
    const watch = await watchedPage(context, origin);
    const { page } = watch;
    await page.goto(origin + '/');
    await page.waitForFunction(() => document.querySelector('#pid')?.textContent === '4242');
    const boxes = () =>
      page.evaluate(() =>
        ['#rss', '#vsz', '#heap-used', '[data-testid="heap-spaces"]', '#refresh', '#status'].map((s) => {
          const r = document.querySelector(s)!.getBoundingClientRect();
          return `${s} ${Math.round(r.x)},${Math.round(r.y)} ${Math.round(r.height)}`;
        }),
      );
    const first = await boxes();
    const rss1 = await page.textContent('#rss');
    await page.click('#refresh');
    await page.waitForFunction((before) => document.querySelector('#rss')?.textContent !== before, rss1);
    assert.deepEqual(await boxes(), first);
    assert.match(`${rss1} ${await page.textContent('#rss')}`, /9\.99 MiB/);
    assert.match(`${rss1} ${await page.textContent('#rss')}`, /1\.21 GiB/);
    assert.equal(await page.getAttribute('#rss', 'title'), rss1 === '9.99 MiB' ? '1,300,234,240 bytes' : '10,475,274 bytes');
    assert.deepEqual(watch.errors, []);
    await page.close();
  });

  test('a failing request shows the server’s error, and the page recovers', async () => {
    target.mode = 'ok';
    const watch = await watchedPage(context, origin);
    const { page } = watch;
    await page.goto(origin + '/');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Live');
    target.mode = 'fail';
    await page.click('#refresh');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Error');
    assert.match((await page.textContent('#banner')) ?? '', /the probe broke/);
    await screenshot(page, 'state-error');
    target.mode = 'ok';
    await page.click('#refresh');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Live');
    assert.equal(await page.isVisible('#banner'), false);
    assert.deepEqual(watch.errors, []);
    await page.close();
  });

  test('an unreachable server is said, polling goes on, and the page recovers', async () => {
    target.mode = 'ok';
    const watch = await watchedPage(context, origin);
    const { page } = watch;
    await page.goto(origin + '/');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Live');
    await page.route('**/api/**', (route) => route.abort('connectionrefused'));
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Server unreachable', undefined, { timeout: 6_000 });
    assert.match((await page.textContent('#banner')) ?? '', /cannot be reached/);
    assert.equal(await page.textContent('#pid'), '4242', 'the last figures stay');
    await screenshot(page, 'state-unreachable');
    await page.unroute('**/api/**');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Live', undefined, { timeout: 6_000 });
    assert.deepEqual(watch.errors, []);
    await page.close();
  });

  test('a program that is gone (503) shows the exited state', async () => {
    target.mode = 'gone';
    const watch = await watchedPage(context, origin);
    const { page } = watch;
    await page.goto(origin + '/process');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Program exited');
    assert.match((await page.textContent('#banner')) ?? '', /no figures were read/);
    assert.equal(await page.textContent('#pid'), '4242');
    assert.deepEqual(watch.errors, []);
    target.mode = 'ok';
    await page.close();
  });

  test('in a VS Code webview: page from the meta tag, nonce CSP, navigation inside the document', async () => {
    target.mode = 'ok';
    // Stand-in for the webview origin; API calls cross to the server, as from vscode-webview://.
    const webview = 'http://webview.test';
    const nonce = 'dGVzdC1ub25jZS0xMjM0NTY3OA==';
    const html = pageShell({
      scriptUri: `${webview}/app.js`,
      styleUri: `${webview}/app.css`,
      nonce,
      cspSource: webview,
      connectSrc: origin,
      apiBase: origin,
      page: '/process',
    });
    const dist = join(__dirname, '..', '..', 'dist', 'webview');
    const page = await context.newPage();
    const errors: string[] = [];
    const posted: unknown[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.exposeFunction('__posted', (m: unknown) => posted.push(m));
    // A string, not a function: tsx would add helper calls the page does not have.
    await page.addInitScript(`
      let state;
      window.acquireVsCodeApi = () => ({
        postMessage: (m) => window.__posted(m),
        getState: () => state,
        setState: (s) => { state = s; },
      });
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
    `);
    await page.route(`${webview}/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === '/index.html') return route.fulfill({ contentType: 'text/html', body: html });
      if (path === '/app.js' || path === '/app.css') {
        return route.fulfill({ contentType: path.endsWith('.js') ? 'text/javascript' : 'text/css', body: readFileSync(join(dist, path)) });
      }
      return route.fulfill({ status: 404 });
    });
    // VS Code's webview origin is allowed by the server's CORS; stand in for it here.
    await page.route(`${origin}/api/**`, async (route) => {
      // route.fetch waits for a whole body, which an event stream never ends: answer with an empty one.
      if (route.request().url().endsWith('/api/events')) {
        return route.fulfill({ contentType: 'text/event-stream', headers: { 'access-control-allow-origin': webview }, body: ': connected\n\n' });
      }
      const response = await route.fetch({ headers: { ...route.request().headers(), origin: '' } });
      await route.fulfill({ response, headers: { ...response.headers(), 'access-control-allow-origin': webview } });
    });
    await page.goto(`${webview}/index.html`);
    await page.getByTestId('page-process').waitFor({ timeout: 5_000 }).catch(async (e) => {
      throw new Error(`${e.message}\npage errors: ${errors.join('\n')}\nCSP: ${await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)}\nbody: ${await page.evaluate(() => document.body.outerHTML.slice(0, 500))}`);
    });
    await page.waitForFunction(() => document.querySelector('#pid')?.textContent === '4242');
    assert.equal(await page.getByTestId('argv-table-4-value').locator('.cell-text').textContent(), "it's a long name with spaces");
    await page.click('[data-testid="nav-overview"]');
    await page.getByTestId('page-overview').waitFor();
    assert.equal(new URL(page.url()).pathname, '/index.html', 'the webview document stays where it is');
    assert.ok(posted.some((m) => JSON.stringify(m) === JSON.stringify({ type: 'pageChanged', path: '/', title: 'Overview' })));
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
    assert.deepEqual(errors, []);
    await screenshot(page, 'webview-overview');
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    await page.close();
  });
});
