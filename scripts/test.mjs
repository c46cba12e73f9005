// `npm test`: installs what the tests need when it is missing, builds, then runs every kind of
// test in turn (unit, integration, browser, vscode) and prints the time each kind took.
// `node scripts/test.mjs unit browser` runs only the named kinds (and no lint; add `lint` for it).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, readFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureChromium, ensureCodeServer, ensurePython } from './setup.mjs';
import { lint } from './lint.mjs';

const ALL = ['unit', 'integration', 'browser', 'vscode'];
const kinds = process.argv.slice(2).filter((a) => ALL.includes(a));
const selected = kinds.length ? kinds : ALL;
const results = [];
const LOGS = process.env.TEST_OUTPUT_DIR || 'test-results';
mkdirSync(LOGS, { recursive: true });

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (/\.test\.ts$/.test(name)) out.push(p);
  }
  return out;
}

/** Runs one folder of node:test files; counts come from a TAP copy of the report. */
function nodeTests(kind) {
  const files = testFiles(join('test', kind));
  if (!files.length) throw new Error(`no ${kind} tests found in test/${kind}`);
  const tap = join(LOGS, `${kind}.tap`);
  const status = run(process.execPath, [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ]);
  const text = readFileSync(tap, 'utf8');
  const count = (k) => Number((text.match(new RegExp(`^# ${k} (\\d+)`, 'm')) || [])[1] || 0);
  return { status, passed: count('pass'), failed: count('fail') + count('cancelled'), skipped: count('skip') + count('todo') };
}

function vscodeTests() {
  const status = run(process.execPath, ['test/vscode/run.mjs']);
  const summary = join(LOGS, 'vscode-summary.json');
  const s = existsSync(summary) ? JSON.parse(readFileSync(summary, 'utf8')) : { passed: 0, failed: 1, skipped: 0 };
  return { status, ...s };
}

const t0 = Date.now();
// Every file, tests and UI included, must type-check (strict) before anything runs.
for (const step of [
  ['run', 'build', '--silent'],
  ['run', 'typecheck', '--silent'],
]) {
  const status = run('npm', step);
  if (status !== 0) {
    console.log(`npm ${step.join(' ')} failed\n0 passed, 1 failed`);
    process.exit(status);
  }
}
// Lint and formatting fail the whole run (skipped when only some kinds of test are asked for).
if (!kinds.length || process.argv.includes('lint')) {
  const status = lint();
  if (status !== 0) {
    console.log('lint failed\n0 passed, 1 failed');
    process.exit(status);
  }
}
if (selected.includes('integration') || selected.includes('vscode')) ensurePython();
if (selected.includes('browser') || selected.includes('vscode')) ensureChromium();
if (selected.includes('vscode')) ensureCodeServer();
const setupSeconds = (Date.now() - t0) / 1000;

for (const kind of selected) {
  const start = Date.now();
  console.log(`\n=== ${kind} tests ===`);
  const r = kind === 'vscode' ? vscodeTests() : nodeTests(kind);
  results.push({ kind, seconds: (Date.now() - start) / 1000, ...r });
}

console.log(`\n=== summary (setup and build ${setupSeconds.toFixed(1)} s) ===`);
for (const r of results) {
  console.log(
    `${r.kind.padEnd(12)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed ${String(r.skipped).padStart(3)} skipped  ${r.seconds.toFixed(1)} s`,
  );
}
const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
const skipped = results.reduce((a, r) => a + r.skipped, 0);
const bad = results.some((r) => r.status !== 0) || failed > 0;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(bad ? 1 : 0);
