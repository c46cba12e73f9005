// Layer 2: the packaged extension installed in code-server, driven like a user would: start
// debugging the fixture, run "Start Memory Profiler" from the Command Palette, and find the
// debuggee's pid in the webview panel (nested iframes: iframe.webview > #active-frame).
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs a command from the palette. Contributed commands are listed only once the remote
 * extension host has scanned extensions, and an open palette does not refresh: retry.
 */
async function runCommand(page, title, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill('>' + title);
    // The row whose label is exactly the title (fuzzy matching lists look-alikes first at times).
    const exact = new RegExp(`^\\s*${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
    const row = page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: exact }) })
      .first();
    try {
      await row.waitFor({ timeout: 2000 });
      await row.click();
      return attempt;
    } catch {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw new Error(`command "${title}" never appeared in the palette`);
      await page.waitForTimeout(1000);
    }
  }
}

async function waitFor(what, probe, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

/** Returns [{title, state, ms, error}]. */
export async function runUiTests(browser, server, { folder, scratch, artifacts, profilerPort, log }) {
  const results = [];
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const consoleLog = join(artifacts, 'vscode-ui-tests-console.log');
  writeFileSync(consoleLog, '');
  page.on('console', (m) => appendFileSync(consoleLog, `[${m.type()}] ${m.text()}\n`));
  const pidFile = join(scratch, 'fixture-app.pid');
  rmSync(pidFile, { force: true });

  const step = async (title, fn) => {
    const start = Date.now();
    try {
      await fn();
      results.push({ title, state: 'passed', ms: Date.now() - start });
      log?.(`✔ ${title}`);
      return true;
    } catch (e) {
      results.push({ title, state: 'failed', ms: Date.now() - start, error: String(e?.stack || e) });
      log?.(`✘ ${title}: ${e?.message}`);
      await page.screenshot({ path: join(artifacts, `vscode-ui-failure-${results.length}.png`) }).catch(() => {});
      return false;
    }
  };

  try {
    let pid;
    await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.statusbar').waitFor({ timeout: 30_000 });
    await step('the activity bar opens the Tracker view, whose welcome offers to start', async () => {
      await page.locator('.activitybar .action-item a[aria-label^="Memory Profiler"]').first().click({ timeout: 30_000 });
      const welcome = page.locator('.welcome-view-content');
      await welcome.locator('text=Start Memory Profiler').first().waitFor({ timeout: 15_000 });
      await page.screenshot({ path: join(artifacts, 'vscode-ui-sidebar.png') });
    });
    const ok = await step('the palette starts the profiler on the debuggee and its panel shows the pid', async () => {
      await runCommand(page, 'Debug: Start Debugging');
      // The command may ask which launch configuration to run (the palette's fuzzy match can also
      // pick "Select and Start Debugging"): choose the fixture's.
      const config = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Fixture App' }).first();
      if (
        await config.waitFor({ timeout: 3000 }).then(
          () => true,
          () => false,
        )
      )
        await config.click();
      pid = await waitFor('the fixture program to start under the debugger', () => existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8')), 60_000);
      log?.(`fixture running, pid ${pid}`);
      await runCommand(page, 'Memory Profiler: Start Memory Profiler');
      const statusItem = page.locator('.statusbar-item', { hasText: `Memory Profiler :${profilerPort}` });
      await statusItem.first().waitFor({ timeout: 30_000 });
      const webview = page.frameLocator('iframe.webview').first().frameLocator('#active-frame');
      const body = webview.locator('body');
      await body.waitFor({ timeout: 30_000 });
      await waitFor(`pid ${pid} in the webview panel`, async () => (await body.innerText().catch(() => '')).includes(String(pid)), 30_000);
    });
    await page.screenshot({ path: join(artifacts, 'vscode-ui-panel.png') });
    if (ok) {
      await step('Track Class… and Take Snapshot from the palette list the class with its count in the Tracker view', async () => {
        await runCommand(page, 'Memory Profiler: Track Class…');
        // With no snapshot yet the command takes one, then offers the heap's constructors.
        const input = page.locator('.quick-input-widget input');
        await page.locator('.quick-input-widget', { hasText: 'Track Class' }).first().waitFor({ timeout: 60_000 });
        await input.fill('FixtureWidget');
        const exact = /^\s*FixtureWidget\s*$/;
        await page
          .locator('.quick-input-list .monaco-list-row')
          .filter({ has: page.locator('.label-name', { hasText: exact }) })
          .first()
          .click({ timeout: 15_000 });
        await runCommand(page, 'Memory Profiler: Take Snapshot');
        // Debugging switched the sidebar to Run and Debug: bring the Tracker view back.
        const row = page.locator('.monaco-list-row', { hasText: 'FixtureWidget' }).filter({ hasText: '250' }).first();
        // (Clicking the activity bar item of the visible container would hide the sidebar.)
        const shown = await page.locator('.activitybar .action-item.checked a[aria-label^="Memory Profiler"]').count();
        if (!shown) await page.locator('.activitybar .action-item a[aria-label^="Memory Profiler"]').first().click();
        await row.waitFor({ timeout: 60_000 });
        await page.screenshot({ path: join(artifacts, 'vscode-ui-tracker-view.png') });
      });
      await step('the Tracker panel shows the tracked class', async () => {
        await runCommand(page, 'Memory Profiler: Open Tracker Panel');
        const frames = page.frameLocator('iframe.webview');
        // Several panels exist now: find the one whose document shows the tracker page.
        await waitFor(
          'FixtureWidget in a webview panel',
          async () => {
            const count = await page.locator('iframe.webview').count();
            for (let i = 0; i < count; i++) {
              const text = await frames
                .nth(i)
                .frameLocator('#active-frame')
                .locator('body')
                .innerText({ timeout: 1000 })
                .catch(() => '');
              if (text.includes('FixtureWidget')) return true;
            }
            return false;
          },
          30_000,
        );
        await page.screenshot({ path: join(artifacts, 'vscode-ui-tracker-panel.png') });
      });
      let tab;
      await step('the status bar item opens the server in the browser', async () => {
        const popup = page.waitForEvent('popup', { timeout: 15_000 });
        await page
          .locator('.statusbar-item', { hasText: `Memory Profiler :${profilerPort}` })
          .first()
          .click();
        tab = await popup;
        await tab.waitForLoadState('domcontentloaded');
        const url = tab.url();
        log?.(`Open in Browser opened ${url}`);
        // code-server forwards localhost ports under /proxy/<port>/ (vscode.env.asExternalUri).
        if (!url.includes(`/proxy/${profilerPort}/`) && !url.includes(`:${profilerPort}/`)) throw new Error(`unexpected URL ${url}`);
        const response = await fetch(url);
        if (!response.ok || !/memory-profiler-api/.test(await response.text())) throw new Error(`GET ${url}: HTTP ${response.status}, not the profiler's page`);
      });
      if (tab) {
        // Pages use URLs relative to themselves, so they render behind code-server's /proxy/<port>/.
        await step("the pages render in the browser behind code-server's /proxy/ path", async () => {
          await waitFor(
            `pid ${pid} in the browser tab`,
            async () =>
              (
                await tab
                  .locator('body')
                  .innerText()
                  .catch(() => '')
              ).includes(String(pid)),
            15_000,
          );
          await tab.screenshot({ path: join(artifacts, 'vscode-ui-browser-tab.png') }).catch(() => {});
        });
        await tab.close();
      }
      await step('the end of the debug session is reported', async () => {
        await runCommand(page, 'Debug: Stop');
        await page.locator('.notifications-toasts', { hasText: 'is gone' }).first().waitFor({ timeout: 20_000 });
        await page
          .locator('.statusbar-item', { hasText: `Memory Profiler :${profilerPort}` })
          .first()
          .waitFor({ timeout: 5_000 });
      });
      await page.screenshot({ path: join(artifacts, 'vscode-ui-target-gone.png') });
      await step('Stop Memory Profiler hides the status bar item', async () => {
        await runCommand(page, 'Memory Profiler: Stop Memory Profiler');
        await page.locator('.statusbar-item', { hasText: 'Memory Profiler :' }).first().waitFor({ state: 'detached', timeout: 15_000 });
      });
    }
    if (pageErrors.length) log?.(`page errors in the workbench (not failures): ${pageErrors.slice(0, 5).join(' | ')}`);
  } finally {
    await context.close();
  }
  return results;
}
