/**
 * The UI's states against the real server and a real Node program (test/fixtures/browser/
 * commanded.js, changed on commands over its stdin): a failing probe, an unreachable server, a
 * program that is gone, stable layout while figures change width, and the VS Code webview mode
 * (meta page, nonce CSP, in-document navigation, saved state).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { connectToInspector } from '../../src/targets/node';
import { type RunningServer, startServer } from '../../src/server';
import { pageShell } from '../../src/server/pageShell';
import { NodeTarget } from '../../src/targets';
import { formatBytes } from '../../webview/format';
import { startInspected } from '../helpers/programs';
import { FIXTURES, type Fixture, launchChromium, screenshot, watchedPage, type PageWatch } from './harness';

const LONG_ARG = "it's a long name with spaces";

/** A fixture program that takes commands on its stdin. */
interface Program extends Fixture {
  /** Sends a command and waits for the program to say it has taken effect. */
  send(command: 'grow' | 'shrink' | 'break' | 'mend'): Promise<void>;
}

/** `commanded.js` under the inspector (see `startInspected`), with a stdin to command it through. */
async function startProgram(args: string[] = []): Promise<Program> {
  const { program, wsUrl } = await startInspected(join(FIXTURES, 'commanded.js'), {}, args);
  return {
    child: program.child,
    pid: program.child.pid!,
    inspectorUrl: wsUrl,
    exited: program.exited.then(() => {}),
    stop: (graceMs) => program.stop(graceMs),
    async send(command) {
      program.send(command);
      // The program's next line is its answer.
      await program.waitFor(/^/, 10_000);
      assert.equal(program.lines.shift(), `${command} done`);
    },
  };
}

/** The token the extension gives its webviews (the server refuses webview requests without it). */
const WEBVIEW_TOKEN = 'webview-token-for-states-test';

/** The real server on `port` (0: a free one), attached to `target`. */
async function serve(target: NodeTarget, port = 0): Promise<{ server: RunningServer; origin: string }> {
  const server = await startServer({ target, host: '127.0.0.1', port, webviewToken: WEBVIEW_TOKEN });
  return { server, origin: server.url.replace(/\/$/, '') };
}

/** The value shown in a figure, its exact bytes (from its tooltip) and the width its text takes. */
async function figure(page: Page, selector: string): Promise<{ text: string; bytes: number; width: number }> {
  const shown = await page.locator(selector).evaluate((e) => {
    const range = document.createRange();
    range.selectNodeContents(e);
    return { text: e.textContent ?? '', title: (e as HTMLElement).title, width: range.getBoundingClientRect().width };
  });
  const bytes = Number(/^([\d,]+) bytes$/.exec(shown.title)?.[1].replace(/,/g, ''));
  assert.ok(bytes > 0, `${selector}'s tooltip "${shown.title}" gives the exact bytes`);
  assert.equal(shown.text, formatBytes(bytes), `${selector} shows its tooltip's bytes, formatted`);
  return { text: shown.text, bytes, width: shown.width };
}

const waitForStatus = (page: Page, status: string, timeout = 10_000) => page.waitForFunction((s) => document.querySelector('#status')?.textContent === s, status, { timeout });

async function assertClean(watch: PageWatch): Promise<void> {
  assert.deepEqual(watch.errors, [], 'uncaught page errors');
  assert.deepEqual(await watch.cspViolations(), [], 'CSP violations');
}

describe('UI states', () => {
  let program: Program;
  let target: NodeTarget;
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let origin: string;

  before(async () => {
    program = await startProgram(['--name', LONG_ARG]);
    target = await NodeTarget.attach(await connectToInspector(program.inspectorUrl));
    ({ server, origin } = await serve(target));
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
    await target?.dispose();
    await program?.stop();
  });

  test('updates change text only: nothing moves between polls', async () => {
    const watch = await watchedPage(context, origin);
    const { page } = watch;
    await page.goto(origin + '/');
    await page.waitForFunction((pid) => document.querySelector('#pid')?.textContent === String(pid), program.pid);
    const boxes = () =>
      page.evaluate(() =>
        ['#rss', '#vsz', '#heap-used', '#heap-external', '#heap-array-buffers', '[data-testid="heap-spaces"]', '#refresh', '#status'].map((s) => {
          const r = document.querySelector(s)!.getBoundingClientRect();
          return `${s} ${Math.round(r.x)},${Math.round(r.y)} ${Math.round(r.height)}`;
        }),
      );
    const first = await boxes();
    const small = { rss: await figure(page, '#rss'), buffers: await figure(page, '#heap-array-buffers') };
    assert.match(small.buffers.text, / KiB$/, 'array buffers start in KiB');

    // The program takes 100 MiB: array buffers go from KiB to "100 MiB", RSS rises by as much.
    await program.send('grow');
    await page.click('#refresh');
    await page.waitForFunction(() => document.querySelector('#heap-array-buffers')?.textContent === '100 MiB');
    await page.waitForFunction((before) => document.querySelector('#rss')?.textContent !== before, small.rss.text);
    const big = { rss: await figure(page, '#rss'), buffers: await figure(page, '#heap-array-buffers') };
    assert.notEqual(big.buffers.width, small.buffers.width, 'the array-buffer text changed width');
    assert.ok(big.rss.bytes - small.rss.bytes > 50 * 1024 * 1024, `RSS rose from ${small.rss.text} to ${big.rss.text}`);
    assert.deepEqual(await boxes(), first);

    // And back: the program lets the memory go.
    await program.send('shrink');
    await page.click('#refresh');
    await page.waitForFunction(() => / KiB$/.test(document.querySelector('#heap-array-buffers')?.textContent ?? ''));
    assert.deepEqual(await boxes(), first);
    await assertClean(watch);
    await page.close();
  });

  test('a failing request shows the server’s error, and the page recovers', async () => {
    const watch = await watchedPage(context, origin);
    const { page } = watch;
    await page.goto(origin + '/');
    await waitForStatus(page, 'Live');
    // The program's process.memoryUsage() throws: the server answers its 500 JSON error.
    await program.send('break');
    try {
      const response = await fetch(`${origin}/api/process`);
      assert.equal(response.status, 500);
      const body = (await response.json()) as { error: string; detail?: string };
      assert.equal(body.error, 'internal error');
      assert.match(body.detail ?? '', /the probe broke/);
      await page.click('#refresh');
      await waitForStatus(page, 'Error');
      assert.match((await page.textContent('#banner')) ?? '', /the probe broke/);
      await screenshot(page, 'state-error');
    } finally {
      await program.send('mend');
    }
    await page.click('#refresh');
    await waitForStatus(page, 'Live');
    assert.equal(await page.isVisible('#banner'), false);
    await assertClean(watch);
    await page.close();
  });

  test('an unreachable server is said, polling goes on, and the page recovers', async () => {
    const watch = await watchedPage(context, origin);
    const { page } = watch;
    await page.goto(origin + '/');
    await waitForStatus(page, 'Live');
    // The server goes away; a new one comes up on the same port, attached to the same program.
    const port = server.port;
    await server.stop();
    await waitForStatus(page, 'Server unreachable', 6_000);
    assert.match((await page.textContent('#banner')) ?? '', /cannot be reached/);
    assert.equal(await page.textContent('#pid'), String(program.pid), 'the last figures stay');
    await screenshot(page, 'state-unreachable');
    ({ server } = await serve(target, port));
    assert.equal(server.url.replace(/\/$/, ''), origin);
    await waitForStatus(page, 'Live', 6_000);
    assert.equal(await page.isVisible('#banner'), false);
    await assertClean(watch);
    await page.close();
  });

  test('a program that is gone (503) shows the exited state', async () => {
    // A program of its own, killed before the page first asks for its figures.
    const doomed = await startProgram();
    const doomedTarget = await NodeTarget.attach(await connectToInspector(doomed.inspectorUrl));
    const gone = new Promise<void>((resolve) => doomedTarget.onGone(() => resolve()));
    const own = await serve(doomedTarget);
    try {
      doomed.child.kill('SIGKILL');
      await Promise.all([doomed.exited, gone]);
      assert.equal((await fetch(`${own.origin}/api/process`)).status, 503);
      const watch = await watchedPage(context, own.origin);
      const { page } = watch;
      await page.goto(own.origin + '/process');
      await waitForStatus(page, 'Program exited');
      assert.match((await page.textContent('#banner')) ?? '', /no figures were read/);
      assert.equal(await page.textContent('#pid'), String(doomed.pid));
      await assertClean(watch);
      await page.close();
    } finally {
      await own.server.stop();
      await doomedTarget.dispose();
      await doomed.stop();
    }
  });

  test('in a VS Code webview: page from the meta tag, nonce CSP, navigation inside the document', async () => {
    // Stand-in for the webview origin; API calls cross to the server, as from vscode-webview://.
    const webview = 'http://webview.test';
    const nonce = 'dGVzdC1ub25jZS0xMjM0NTY3OA==';
    const html = pageShell({
      scriptUri: `${webview}/app.js`,
      styleUri: `${webview}/app.css`,
      nonce,
      cspSource: webview,
      connectSrc: origin,
      // As the extension writes it: the server's URL with the webviews' token.
      apiBase: `${origin}/?token=${WEBVIEW_TOKEN}`,
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
    await page
      .getByTestId('page-process')
      .waitFor({ timeout: 5_000 })
      .catch(async (e) => {
        throw new Error(
          `${e.message}\npage errors: ${errors.join('\n')}\nCSP: ${await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)}\nbody: ${await page.evaluate(() => document.body.outerHTML.slice(0, 500))}`,
        );
      });
    await page.waitForFunction((pid) => document.querySelector('#pid')?.textContent === String(pid), program.pid);
    assert.equal(await page.getByTestId('argv-table-3-value').locator('.cell-text').textContent(), LONG_ARG);
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
