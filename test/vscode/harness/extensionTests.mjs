// Layer 1: the mocha suite inside code-server's real (Node) extension host, loaded the way VS
// Code's own remote integration tests do it: `?payload=[["extensionDevelopmentPath", …],
// ["extensionTestsPath", …]]`. The workbench calls `window.codeAutomationExit(code)` when the
// suite's `run()` settles; the suite writes per-test results to MEMORY_PROFILER_TEST_OUT.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { format } from 'node:util';
import { join } from 'node:path';

/**
 * Runs the suite and returns [{title, state, ms, error}].
 * `server` is a running code-server; paths are absolute on this machine (the remote side).
 */
export async function runExtensionTests(browser, server, { folder, extensionPath, testsPath, scratch, artifacts, timeoutMs = 180_000, log }) {
  const authority = new URL(server.url).host;
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  let finish;
  const exited = new Promise((resolve) => (finish = resolve));
  // Everything the workbench logs goes to a file; mocha's reporter lines are echoed.
  const logFile = join(artifacts, 'vscode-extension-tests-console.log');
  writeFileSync(logFile, '');
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const list = Array.isArray(args) ? args : [args];
    const text = typeof list[0] === 'string' ? format(list[0].replace(/%c/g, ''), ...list.slice(1).filter((a) => !/^color:/.test(String(a)))) : list.join(' ');
    appendFileSync(logFile, `[${type}] ${text}\n`);
    if (/^\s*(✔|✘|✓|\d+\)|\d+ (passing|failing|pending))/.test(text) || (/^\s{2,}\S/.test(text) && type === 'info')) log?.(`  ${text.trim()}`);
  });
  await page.exposeFunction('codeAutomationExit', (code) => finish(code));
  page.on('console', (m) => appendFileSync(logFile, `[workbench ${m.type()}] ${m.text()}\n`));
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', `vscode-remote://${authority}${extensionPath}`],
    ['extensionTestsPath', `vscode-remote://${authority}${testsPath}`],
    ['skipWelcome', 'true'],
  ]);
  const t0 = Date.now();
  await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(payload)}`);
  let timer;
  const code = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))]);
  clearTimeout(timer);
  log?.(`extension tests: exit code ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await page.screenshot({ path: join(artifacts, 'vscode-extension-tests.png') }).catch(() => {});
  await context.close();

  const file = join(scratch, 'mocha-results.json');
  const results = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).results : [];
  if (code === 'timeout') {
    results.push({ title: 'extension tests finish in time', state: 'failed', error: `no codeAutomationExit within ${timeoutMs / 1000} s` });
  } else if (code !== 0 && !results.some((r) => r.state === 'failed')) {
    results.push({ title: 'extension test run', state: 'failed', error: `the extension host reported exit code ${code} without a failed test (did the suite load?)` });
  } else if (!results.length) {
    results.push({ title: 'extension test run', state: 'failed', error: 'the suite ran no tests' });
  }
  return results;
}
