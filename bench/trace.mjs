// Creation stacks (`--trace`): how many traced instances keep their allocation stack, and what
// tracing costs a program, per way of running V8's GC.
//
// Coverage: the leaky server (test/fixtures/programs/leakyServer.js, its own requests churning
// every 40 ms) under allocation tracking started over the inspector protocol directly (so the
// tracker's own setting is not in play); ROUNDS times it makes 100 LeakyRecord, 5 listeners, 10
// sessions and 10 order pairs, 300 ms apart; snapshot #1; then 10 LeakyRecord every 300 ms,
// ROUNDS times; snapshot #2. Counted: instances of the four classes whose innermost allocation
// frame is the fixture's own function (V8 records the function that ran `new`), per option:
// node flags on the command line, or `--no-compact` set at run time (what the tracker does).
//
// Cost: a steady program (as bench/tracker.mjs: 200 `Item`s per tick into a rolling window of
// 20 000, ballast, a CPU loop) measured for SECONDS s after a warm-up, per scenario: no
// profiler; `Item` tracked without stacks; tracked with stacks and V8's default compaction;
// tracked with stacks as the tracker does it (compaction off); compaction off alone.
//
//   node build.mjs --no-types && node bench/trace.mjs [--repeat 3] [--rounds 10] [--seconds 15]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const require = createRequire(import.meta.url);
const lib = require(join(root, 'dist', 'index.js'));

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const REPEAT = arg('repeat', 3);
const ROUNDS = arg('rounds', 10);
const SECONDS = arg('seconds', 15);
const WARMUP_MS = arg('warmup', 3000);
const skipCost = process.argv.includes('--coverage-only');
const skipCoverage = process.argv.includes('--cost-only');

const OPTIONS = [
  { label: 'V8 defaults', flags: [] },
  { label: '`--no-parallel-scavenge`', flags: ['--no-parallel-scavenge'] },
  { label: '`--single-threaded-gc`', flags: ['--single-threaded-gc'] },
  { label: '`--no-inline-new`', flags: ['--no-inline-new'] },
  { label: '`--predictable-gc-schedule`', flags: ['--predictable-gc-schedule'] },
  { label: '`--max-semi-space-size=64`', flags: ['--max-semi-space-size=64'] },
  { label: '`--no-parallel-compaction`', flags: ['--no-parallel-compaction'] },
  { label: '`--no-concurrent-marking`', flags: ['--no-concurrent-marking'] },
  { label: '`--compact-on-every-full-gc`', flags: ['--compact-on-every-full-gc'] },
  { label: '`--no-compact`', flags: ['--no-compact'] },
  { label: '`--no-compact` set at run time (the tracker)', flags: [], runtime: '--no-compact' },
];
const CLASSES = ['LeakyRecord', 'ListenerState', 'OrderCycle', 'UserSession'];
const V8_MODULE = `(typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('v8') : require('v8'))`;

function lines(stream, into) {
  createInterface({ input: stream }).on('line', (l) => into.push(l));
}
async function waitLine(list, re, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const at = list.findIndex((l) => re.test(l));
    if (at >= 0) return list.splice(at, 1)[0];
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let current;
process.on('exit', () => current?.kill('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(1));

async function launch(args) {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  current = child;
  const out = [];
  const err = [];
  lines(child.stdout, out);
  lines(child.stderr, err);
  const port = Number(/127\.0\.0\.1:(\d+)\//.exec(await waitLine(err, /Debugger listening/))[1]);
  await waitLine(out, /"ready"/);
  return { child, out, port };
}
async function stop(child) {
  child.kill('SIGKILL');
  await once(child, 'exit').catch(() => {});
}

/** Classes' instances in a snapshot and how many have the fixture's own function on top. */
function coverage(snap) {
  const m = snap.snapshot.meta;
  const nf = m.node_fields.length;
  const [iType, iName, iTrace] = ['type', 'name', 'trace_node_id'].map((f) => m.node_fields.indexOf(f));
  const objectType = m.node_types[0].indexOf('object');
  const tf = m.trace_node_fields.length;
  const ff = m.trace_function_info_fields.length;
  const fScript = m.trace_function_info_fields.indexOf('script_name');
  const scriptOf = new Map();
  for (const stack = [snap.trace_tree]; stack.length;) {
    const n = stack.pop();
    for (let i = 0; i < n.length; i += tf) {
      scriptOf.set(n[i], snap.strings[snap.trace_function_infos[n[i + 1] * ff + fScript]]);
      stack.push(n[i + 4]);
    }
  }
  let total = 0;
  let own = 0;
  for (let i = 0; i < snap.nodes.length; i += nf) {
    if (snap.nodes[i + iType] !== objectType || !CLASSES.includes(snap.strings[snap.nodes[i + iName]])) continue;
    total++;
    if (String(scriptOf.get(snap.nodes[i + iTrace]) ?? '').endsWith('leakyServer.js')) own++;
  }
  return { total, own };
}

async function snapshot(connection) {
  const chunks = [];
  const off = connection.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => chunks.push(chunk));
  await connection.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, { timeoutMs: 300_000 });
  off();
  return JSON.parse(chunks.join(''));
}

async function measureCoverage(option) {
  const { child, out, port } = await launch([...option.flags, '--inspect=127.0.0.1:0', join(root, 'test', 'fixtures', 'programs', 'leakyServer.js')]);
  const connection = await lib.connectToInspector(port);
  const command = async (line) => {
    child.stdin.write(line + '\n');
    await waitLine(out, /"done"/);
  };
  try {
    await connection.send('HeapProfiler.enable');
    if (option.runtime) await connection.send('Runtime.evaluate', { expression: `${V8_MODULE}.setFlagsFromString('${option.runtime}')`, includeCommandLineAPI: true });
    await connection.send('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
    for (let r = 0; r < ROUNDS; r++) {
      for (const line of ['leak 100', 'listen 5', 'login 10', 'cycles 10']) await command(line);
      await sleep(300);
    }
    const first = coverage(await snapshot(connection));
    for (let r = 0; r < ROUNDS; r++) {
      await command('leak 10');
      await sleep(300);
    }
    const second = coverage(await snapshot(connection));
    return { first, second };
  } finally {
    connection.close();
    await stop(child);
  }
}

const PROGRAM = `'use strict';
const ALLOC = 200, WINDOW = 20000, CPU = 200000, BALLAST = 20000;
class Item {
  constructor(i) { this.i = i; this.name = 'item ' + (i % 1000); this.data = [i, i + 1, i + 2]; }
}
const ballast = Array.from({ length: BALLAST }, (_, i) => ({ i, s: 'b' + i, a: [i] }));
const window = new Array(WINDOW);
let w = 0, ticks = 0, serial = 0, sink = 0, measuring = false, startedAt = 0, cpuAt;
function cpu() { let x = 0; for (let i = 0; i < CPU; i++) x = (x * 31 + i) | 0; return x; }
function tick() {
  for (let k = 0; k < ALLOC; k++) { window[w] = new Item(serial++); w = (w + 1) % WINDOW; }
  sink ^= cpu();
  if (measuring) ticks++;
  setImmediate(tick);
}
for (let k = 0; k < WINDOW; k++) window[k] = new Item(serial++);
tick();
process.stdin.on('data', (d) => {
  const [cmd, arg] = String(d).trim().split(/\\s+/);
  if (cmd !== 'measure') return;
  ticks = 0; measuring = true; startedAt = performance.now(); cpuAt = process.cpuUsage();
  setTimeout(() => {
    const ms = performance.now() - startedAt;
    const c = process.cpuUsage(cpuAt);
    measuring = false;
    const mu = process.memoryUsage();
    console.log(JSON.stringify({ result: true, ticksPerSec: ticks / (ms / 1000), ticksPerCpuSec: ticks / ((c.user + c.system) / 1e6), heapUsed: mu.heapUsed, heapTotal: mu.heapTotal, rss: mu.rss, sink: sink & 1, ballast: ballast.length }));
  }, Number(arg));
});
console.log(JSON.stringify({ ready: true }));
`;
const SCENARIOS = [
  { key: 'none', label: 'no profiler' },
  { key: 'tracked', label: '`Item` tracked without stacks (the heap numbered once as tracking began)' },
  { key: 'compacting', label: '`Item` traced, V8 compacting (stacks lost)' },
  { key: 'traced', label: '`Item` traced as the tracker does it (compaction off)' },
  { key: 'nocompact', label: 'no profiler, `--no-compact`' },
];

async function measureCost(scenario, script) {
  const { child, out, port } = await launch([...(scenario.key === 'nocompact' ? ['--no-compact'] : []), '--inspect=127.0.0.1:0', script]);
  let server;
  try {
    if (scenario.key !== 'none' && scenario.key !== 'nocompact') {
      const target = await lib.NodeTarget.attach(await lib.connectToInspector(port));
      server = await lib.startServer({ target, port: 0 });
      await server.tracker.trackClass('Item', { trace: scenario.key !== 'tracked' });
      if (scenario.key === 'compacting')
        await target.connection.send('Runtime.evaluate', { expression: `${V8_MODULE}.setFlagsFromString('--compact')`, includeCommandLineAPI: true });
    }
    await sleep(WARMUP_MS);
    child.stdin.write(`measure ${SECONDS * 1000}\n`);
    return JSON.parse(await waitLine(out, /"result"/, SECONDS * 1000 + 60_000));
  } finally {
    await server?.stop().catch(() => {});
    await stop(child);
  }
}

const median = (xs) => {
  const v = xs.slice().sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const pct = (n, d) => (d ? `${((100 * n) / d).toFixed(1)} %` : '–');
const sections = [];

if (!skipCoverage) {
  const rows = [];
  for (const option of OPTIONS) {
    const runs = [];
    for (let i = 0; i < REPEAT; i++) {
      const r = await measureCoverage(option);
      runs.push(r);
      process.stderr.write(`${option.label}: #1 ${r.first.own}/${r.first.total}, #2 ${r.second.own}/${r.second.total}\n`);
    }
    const share = (k) => runs.map((r) => (100 * r[k].own) / r[k].total);
    const range = (xs) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)} %`;
    const sum = (k, f) => runs.reduce((a, r) => a + r[k][f], 0);
    rows.push(
      `| ${option.label} | ${pct(sum('first', 'own'), sum('first', 'total'))} (${range(share('first'))}) | ${pct(sum('second', 'own'), sum('second', 'total'))} (${range(share('second'))}) |`,
    );
  }
  sections.push(`## Instances that keep their creation stack

The leaky server, allocation tracking on, ${ROUNDS} rounds of 100 \`LeakyRecord\`, 5 listeners, 10
sessions and 10 order pairs (${ROUNDS * 150} instances of the four classes, 300 ms apart, the server's own requests
every 40 ms between), snapshot #1, then ${ROUNDS} × 10 more \`LeakyRecord\`, snapshot #2. Share of the
instances whose innermost allocation frame is the fixture's own function, over ${REPEAT} runs (range per run).

| option | snapshot #1 | snapshot #2 |
|---|---|---|
${rows.join('\n')}
`);
}

if (!skipCost) {
  const dir = mkdtempSync(join(tmpdir(), 'mp-bench-trace-'));
  const script = join(dir, 'steady.js');
  writeFileSync(script, PROGRAM);
  const results = Object.fromEntries(SCENARIOS.map((s) => [s.key, []]));
  for (let i = 0; i < REPEAT; i++) {
    for (const scenario of SCENARIOS) {
      const r = await measureCost(scenario, script);
      results[scenario.key].push(r);
      process.stderr.write(
        `${scenario.key}: ${r.ticksPerSec.toFixed(0)} ticks/s, ${r.ticksPerCpuSec.toFixed(0)} ticks/cpu-s, heap ${(r.heapTotal / 1048576).toFixed(1)} MB, rss ${(r.rss / 1048576).toFixed(0)} MB\n`,
      );
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const med = (k, f) => median(results[k].map(f));
  const base = med('none', (r) => r.ticksPerSec);
  const baseCpu = med('none', (r) => r.ticksPerCpuSec);
  const change = (x, b) => `${x >= b ? '+' : ''}${((100 * (x - b)) / b).toFixed(1)} %`;
  const rows = SCENARIOS.map((s) => {
    const tps = med(s.key, (r) => r.ticksPerSec);
    const tpc = med(s.key, (r) => r.ticksPerCpuSec);
    return `| ${s.label} | ${tps.toFixed(0)} | ${s.key === 'none' ? '–' : change(tps, base)} | ${tpc.toFixed(0)} | ${s.key === 'none' ? '–' : change(tpc, baseCpu)} | ${(med(s.key, (r) => r.heapTotal) / 1048576).toFixed(1)} | ${(med(s.key, (r) => r.rss) / 1048576).toFixed(0)} |`;
  });
  sections.push(`## What tracing costs a program

A steady program (200 \`Item\`s per tick into a rolling window of 20 000, 20 000 ballast objects, a
fixed CPU loop, \`setImmediate\` between ticks) measured for ${SECONDS} s after a ${WARMUP_MS / 1000} s warm-up, ${REPEAT}
runs per scenario, interleaved; medians. The profiler is a separate process (as \`attach\`).

| scenario | ticks/s | change | ticks per CPU-s | change | heap total (MB) | RSS (MB) |
|---|---|---|---|---|---|---|
${rows.join('\n')}
`);
}

if (!skipCost) {
  // Numbering the heap as tracking without stacks begins, against a snapshot of the same heap.
  const dir = mkdtempSync(join(tmpdir(), 'mp-bench-trace-'));
  const script = join(dir, 'heap.js');
  writeFileSync(
    script,
    `'use strict';
const held = Array.from({ length: 400000 }, (_, i) => ({ i, s: 'object ' + i, a: [i, i + 1] }));
setInterval(() => held.length, 1000);
console.log(JSON.stringify({ ready: true, heapUsed: process.memoryUsage().heapUsed }));
`,
  );
  const runs = [];
  for (let i = 0; i < REPEAT; i++) {
    const { child, out, port } = await launch(['--inspect=127.0.0.1:0', script]);
    const connection = await lib.connectToInspector(port);
    try {
      await connection.send('HeapProfiler.enable');
      const heap = await connection.send('Runtime.evaluate', { expression: 'process.memoryUsage().heapUsed', returnByValue: true });
      let t = performance.now();
      await connection.send('HeapProfiler.startTrackingHeapObjects', { trackAllocations: false });
      const numberMs = performance.now() - t;
      await sleep(500);
      const drop = connection.on('HeapProfiler.addHeapSnapshotChunk', () => {});
      t = performance.now();
      await connection.send('HeapProfiler.stopTrackingHeapObjects', { reportProgress: false }, { timeoutMs: 300_000 });
      const stopMs = performance.now() - t;
      t = performance.now();
      await connection.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, { timeoutMs: 300_000 });
      const snapshotMs = performance.now() - t;
      drop();
      runs.push({ heapMB: heap.result.value / 1048576, numberMs, stopMs, snapshotMs });
      process.stderr.write(`numbering ${numberMs.toFixed(0)} ms, stop (a snapshot) ${stopMs.toFixed(0)} ms, snapshot ${snapshotMs.toFixed(0)} ms\n`);
    } finally {
      connection.close();
      await stop(child);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const m = (f) => median(runs.map(f));
  sections.push(`## Numbering the heap as tracking begins (births without stacks)

A program holding 400 000 small objects (${m((r) => r.heapMB).toFixed(0)} MB of JS heap used), ${REPEAT} runs, medians:
\`HeapProfiler.startTrackingHeapObjects\` without allocations (a full GC, then an id for every live
object) answered in ${m((r) => r.numberMs).toFixed(0)} ms; ending it, \`stopTrackingHeapObjects\` (which is a heap snapshot,
streamed like any other) took ${m((r) => r.stopMs).toFixed(0)} ms, and a plain \`takeHeapSnapshot\` of the same heap ${m((r) => r.snapshotMs).toFixed(0)} ms.
`);
}

const machine = `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 1073741824)} GB`;
const doc = `# Creation stacks: coverage and cost

\`node bench/trace.mjs\` (after \`node build.mjs\`): ${machine}.

${sections.join('\n')}`;
console.log(doc);
if (!skipCost && !skipCoverage) {
  writeFileSync(join(here, 'RESULTS-trace.md'), doc);
  process.stderr.write('wrote bench/RESULTS-trace.md\n');
}
process.exit(0);
