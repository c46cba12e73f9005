// The VS Code test stage of `npm test`: runs the extension in a real VS Code (code-server, driven
// by Debian's chromium through playwright-core) in two layers, and writes
// `<TEST_OUTPUT_DIR>/vscode-summary.json` = {passed, failed, skipped}. Exits non-zero on any failure.
//   1. the mocha suite in test/vscode/suite/ inside the extension host, extension loaded from source;
//   2. UI tests on the packaged .vsix installed into code-server: command palette, webview.
// `node test/vscode/run.mjs [--only=extension|ui] [--keep] [--bundle-only]` (--keep leaves the scratch
// folder; --bundle-only just bundles the suite into out/vscode-tests/, for `npx vscode-test`).
// Env: TEST_OUTPUT_DIR (default test-results), MEMORY_PROFILER_TEST_PORT (profiler port, default 8090
// or a free one when 8090 is taken), MEMORY_PROFILER_REBUILD=1 (rebuild dist/ first).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync, readFileSync, copyFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUTPUT = resolve(process.env.TEST_OUTPUT_DIR || 'test-results');
process.chdir(ROOT);
const only = (process.argv.find((a) => a.startsWith('--only=')) || '').slice(7);
const keep = process.argv.includes('--keep');

const { ensureChromium, ensureCodeServer, CODE_SERVER, CHROMIUM } = await import(join(ROOT, 'scripts', 'setup.mjs'));
const { startCodeServer, prepareUserData, installExtension, isPortFree, freePort, stopAll, killAllNow } = await import('./harness/codeServer.mjs');
const { buildExtensionIfMissing, bundleSuite } = await import('./harness/bundle.mjs');
const { runExtensionTests } = await import('./harness/extensionTests.mjs');
const { packageVsix } = await import('../../scripts/packageVsix.mjs');
const { runUiTests } = await import('./harness/uiTests.mjs');

if (process.argv.includes('--bundle-only')) {
  const { bundleSuite } = await import('./harness/bundle.mjs');
  console.log(`bundled the suite: ${await bundleSuite(ROOT, join(ROOT, 'out', 'vscode-tests'))}.js`);
  process.exit(0);
}

const t0 = Date.now();
const log = (...a) => console.log(`[vscode ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
const results = []; // {layer, title, state, ms?, error?}
const FIXTURE = join(ROOT, 'test', 'fixtures', 'vscode-workspace');
const work = mkdtempSync(join(tmpdir(), 'memory-profiler-vscode-'));
mkdirSync(OUTPUT, { recursive: true });

let browser;
process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAllNow();
    process.exit(130);
  });
}

async function profilerPort(preferred) {
  if (process.env.MEMORY_PROFILER_TEST_PORT) return Number(process.env.MEMORY_PROFILER_TEST_PORT);
  if (await isPortFree(preferred)) return preferred;
  const port = await freePort();
  log(`port ${preferred} is taken on this machine; the profiler uses ${port} in this run`);
  return port;
}

/** Packages test/fixtures/debugpy-adapter as a .vsix in the scratch folder. */
function packageDebugpyAdapter() {
  const vsix = join(work, 'debugpy-adapter.vsix');
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'vsce'), ['package', '--allow-missing-repository', '-o', vsix], {
    cwd: join(ROOT, 'test', 'fixtures', 'debugpy-adapter'),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`packaging the debugpy adapter failed:\n${r.stdout}\n${r.stderr}`);
  return vsix;
}

async function extensionLayer() {
  const scratch = join(work, 'ext');
  const testsPath = await bundleSuite(ROOT, join(ROOT, 'out', 'vscode-tests'));
  const port = await profilerPort(8090);
  const userData = join(work, 'ext-data');
  prepareUserData(userData, { 'memoryProfiler.port': port });
  // Python debug sessions need an adapter for type debugpy: the Python extension's role, taken
  // here by a test-only extension that starts Debian's `python3 -m debugpy.adapter`.
  installExtension(CODE_SERVER, work, { userDataDir: userData, extensionsDir: join(work, 'ext-extensions'), vsix: packageDebugpyAdapter() });
  const server = await startCodeServer(CODE_SERVER, work, {
    name: 'extension-tests',
    userDataDir: userData,
    extensionsDir: join(work, 'ext-extensions'),
    folder: FIXTURE,
    extraEnv: { MEMORY_PROFILER_TEST_OUT: scratch },
    log,
  });
  try {
    const r = await runExtensionTests(browser, server, { folder: FIXTURE, extensionPath: ROOT, testsPath, scratch, artifacts: OUTPUT, log });
    for (const x of r) results.push({ layer: 'extension', ...x });
  } finally {
    server.stop();
    copyLog(server.logFile, 'code-server-extension-tests.log');
  }
}

async function uiLayer() {
  const scratch = join(work, 'ui');
  mkdirSync(scratch, { recursive: true });
  let vsix;
  const packStart = Date.now();
  try {
    vsix = await packageVsix(ROOT, work, log);
    results.push({ layer: 'ui', title: 'the .vsix packages and holds only what runs', state: 'passed', ms: Date.now() - packStart });
  } catch (e) {
    results.push({ layer: 'ui', title: 'the .vsix packages and holds only what runs', state: 'failed', error: String(e?.stack || e) });
    return;
  }
  const port = await profilerPort(8090);
  const userData = join(work, 'ui-data');
  const extensionsDir = join(work, 'ui-extensions');
  prepareUserData(userData, { 'memoryProfiler.port': port });
  log(installExtension(CODE_SERVER, work, { userDataDir: userData, extensionsDir, vsix }).split('\n').pop());
  const server = await startCodeServer(CODE_SERVER, work, {
    name: 'ui-tests',
    userDataDir: userData,
    extensionsDir,
    folder: FIXTURE,
    extraEnv: { MEMORY_PROFILER_TEST_OUT: scratch },
    log,
  });
  try {
    const r = await runUiTests(browser, server, { folder: FIXTURE, scratch, artifacts: OUTPUT, profilerPort: port, log });
    for (const x of r) results.push({ layer: 'ui', ...x });
  } finally {
    server.stop();
    copyLog(server.logFile, 'code-server-ui-tests.log');
  }
}

function copyLog(from, name) {
  try {
    if (existsSync(from)) copyFileSync(from, join(OUTPUT, name));
  } catch {
    // a missing log is not worth failing for
  }
}

let crashed;
try {
  ensureChromium();
  ensureCodeServer();
  buildExtensionIfMissing(ROOT, log);
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  if (!only || only === 'extension') await extensionLayer();
  if (!only || only === 'ui') await uiLayer();
} catch (e) {
  crashed = e;
  results.push({ layer: 'harness', title: 'the VS Code test harness runs', state: 'failed', error: String(e?.stack || e) });
} finally {
  await browser?.close().catch(() => {});
  await stopAll();
  if (!keep) rmSync(work, { recursive: true, force: true });
  else log(`scratch folder kept: ${work}`);
}

console.log('');
for (const r of results) {
  const mark = r.state === 'passed' ? '✔' : r.state === 'skipped' ? '-' : '✘';
  console.log(`  ${mark} [${r.layer}] ${r.title}${r.ms !== undefined ? ` (${(r.ms / 1000).toFixed(1)} s)` : ''}`);
  if (r.state === 'failed' && r.error) console.log(r.error.replace(/^/gm, '      '));
  if (r.note) console.log(`      (${r.note})`);
}
const summary = {
  passed: results.filter((r) => r.state === 'passed').length,
  failed: results.filter((r) => r.state === 'failed').length,
  skipped: results.filter((r) => r.state === 'skipped').length,
};
writeFileSync(join(OUTPUT, 'vscode-summary.json'), JSON.stringify(summary, null, 2) + '\n');
writeFileSync(join(OUTPUT, 'vscode-results.json'), JSON.stringify(results, null, 2) + '\n');
log(`${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped${crashed ? ' (harness error)' : ''}`);
process.exit(summary.failed || crashed || !summary.passed ? 1 : 0);
