/**
 * Shared setup for the browser tests: a real fixture program started with the inspector on, the
 * real profiler server attached to it, and Debian's Chromium driven by playwright-core. Records
 * what a page must never do: throw, violate its CSP, log errors, or talk to another origin.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { connectToInspector } from '../../src/targets/node';
import { type RunningServer, startServer } from '../../src/server';
import { NodeTarget } from '../../src/targets';
import { type Program, startInspected } from '../helpers/programs';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'browser');
export const SCREENSHOTS = join(process.env.TEST_OUTPUT_DIR || 'test-results', 'screenshots');

export interface Fixture {
  child: ChildProcess;
  pid: number;
  inspectorUrl: string;
  /** Resolves when the program has exited. */
  exited: Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

/** A browser fixture (test/fixtures/browser) started under the inspector (see `startInspected`). */
export async function startFixture(script: string, args: string[] = []): Promise<Fixture> {
  const { program, wsUrl } = await startInspected(join(FIXTURES, script), {}, args);
  return { child: program.child, pid: program.child.pid!, inspectorUrl: wsUrl, exited: program.exited.then(() => {}), stop: (graceMs) => program.stop(graceMs) };
}

/** The real server, attached to the fixture over its inspector. */
export async function startProfiledServer(fixture: Fixture, options: { maxSnapshots?: number } = {}): Promise<RunningServer & { target: NodeTarget }> {
  const target = await NodeTarget.attach(await connectToInspector(fixture.inspectorUrl));
  const server = await startServer({ target, host: '127.0.0.1', port: 0, maxSnapshots: options.maxSnapshots });
  return Object.assign(server, { target });
}

/**
 * A real program under the inspector (see `startInspected`: a test/fixtures/programs name or a
 * path), the real server attached to it and a browser session on it. `close` ends all three and
 * then checks that the pages behaved (`assertWellBehaved`).
 */
export async function startProfiledPages(
  script: string,
  options: { maxSnapshots?: number; local?: boolean } = {},
): Promise<{ program: Program; server: RunningServer; session: BrowserSession; api: string; close(): Promise<void> }> {
  const { program, wsUrl } = await startInspected(script);
  let server: RunningServer | undefined;
  try {
    const target = await NodeTarget.attach(await connectToInspector(wsUrl), { local: options.local });
    server = await startServer({ target, host: '127.0.0.1', port: 0, maxSnapshots: options.maxSnapshots });
    const session = await BrowserSession.start(server.url);
    const running = server;
    return {
      program,
      server,
      session,
      api: `http://127.0.0.1:${server.port}/api`,
      async close() {
        try {
          await session.close();
        } finally {
          await running.stop();
          await program.stop();
        }
        await assertWellBehaved(session.watches);
      },
    };
  } catch (e) {
    await server?.stop();
    program.kill();
    throw e;
  }
}

export function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}; set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * One Chromium and one context on a server's pages; every page opened through it is watched
 * (`watchedPage`), one at a time like a user's tab: opening a page closes the previous one (its
 * records are kept for `assertWellBehaved`).
 */
export class BrowserSession {
  readonly watches: PageWatch[] = [];

  private constructor(
    private readonly browser: Browser,
    readonly context: BrowserContext,
    /** The server's origin, without a trailing slash. */
    readonly origin: string,
  ) {}

  static async start(serverUrl: string): Promise<BrowserSession> {
    const browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    return new BrowserSession(browser, context, serverUrl.replace(/\/$/, ''));
  }

  /** A new watched page at `path` (relative to the origin), the previous one closed. */
  async open(path: string, colorScheme?: 'light' | 'dark'): Promise<PageWatch> {
    await this.watches.at(-1)?.close();
    const watch = await watchedPage(this.context, this.origin);
    this.watches.push(watch);
    if (colorScheme) await watch.page.emulateMedia({ colorScheme });
    await watch.page.goto(this.origin + path);
    return watch;
  }

  /** Closes the pages (keeping what they recorded), the context and the browser. */
  async close(): Promise<void> {
    for (const w of this.watches) await w.close();
    await this.context.close();
    await this.browser.close();
  }
}

/** Everything a page did that it should not have. */
export interface PageWatch {
  page: Page;
  errors: string[];
  consoleErrors: string[];
  foreignRequests: string[];
  /** CSP violations so far (kept after `close`). */
  cspViolations(): Promise<string[]>;
  /** Closes the page, keeping what it recorded. Close pages when done: each open page holds an event stream. */
  close(): Promise<void>;
}

/** Opens a page that records uncaught errors, console errors, CSP violations and requests to other origins. */
export async function watchedPage(context: BrowserContext, origin: string): Promise<PageWatch> {
  const page = await context.newPage();
  let closedWith: string[] | undefined;
  const watch: PageWatch = {
    page,
    errors: [],
    consoleErrors: [],
    foreignRequests: [],
    async cspViolations() {
      return closedWith ?? page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
    },
    async close() {
      if (page.isClosed()) return;
      closedWith = await watch.cspViolations();
      await page.close();
    },
  };
  await page.addInitScript(() => {
    const list: string[] = ((window as unknown as { __csp: string[] }).__csp = []);
    document.addEventListener('securitypolicyviolation', (e) => list.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on('pageerror', (e) => watch.errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') watch.consoleErrors.push(m.text());
  });
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(origin + '/') && url !== origin) watch.foreignRequests.push(url);
  });
  return watch;
}

/** Closes the pages and checks that none threw, logged an error, broke its CSP or asked another origin. */
export async function assertWellBehaved(watches: readonly PageWatch[]): Promise<void> {
  for (const w of watches) await w.close();
  for (const w of watches) {
    assert.deepEqual(w.errors, [], 'no uncaught page errors');
    assert.deepEqual(await w.cspViolations(), [], 'no CSP violations');
    assert.deepEqual(w.foreignRequests, [], 'no requests to other origins');
    assert.deepEqual(w.consoleErrors, [], 'no console errors');
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
