// Capture speed: one live program with a ~250 MB heap (invoices with line items, a Map cache of a
// third of them, cycle pairs), three ways of taking its heap snapshot, interleaved in rounds:
//   v8         `v8.writeHeapSnapshot(file)` called by the program itself (V8's own write time)
//   ours-file  the class tracker of a target attached as local: V8 writes a file that we read
//              behind it and parse as it comes (src/targets/node/pipeSnapshot.ts; the default)
//   ours-fifo  the same through a FIFO (what a disk without room for the file gets)
//   ours-cdp   the same tracker over CDP streaming (`HeapProfiler.takeHeapSnapshot`), as for a
//              program on another machine
// "capture" is how long the program was paused (for ours: until the last byte arrived), "total"
// until the snapshot was parsed, analysed and summarised; "program peak RSS" is the program's
// largest resident size sampled every 50 ms during that capture.
//   node build.mjs --no-types && node bench/capture.mjs [--heap-mb 250] [--rounds 2]
// (also part of `npm run bench`). Writes nothing but a temp file that it removes.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const lib = require(join(here, '..', 'dist', 'index.js'));

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const HEAP_MB = arg('heap-mb', 250);
const ROUNDS = arg('rounds', 2);

const PROGRAM = `'use strict';
const v8 = require('node:v8');
class LineItem { constructor(sku, qty, price) { this.sku = sku; this.qty = qty; this.price = price; } }
class Invoice {
  constructor(i) {
    this.id = i; this.customer = 'customer-' + (i % 5000); this.items = [];
    for (let k = 0; k < 1 + (i % 6); k++) this.items.push(new LineItem('sku-' + ((i * 7 + k) % 20000), 1 + k, (i % 100) + k / 4));
    this.total = this.items.reduce((s, it) => s + it.qty * it.price, 0);
  }
}
class Pair { constructor(i) { this.i = i; this.peer = null; } }
const invoices = [], cache = new Map(), pairs = [];
for (let i = 0; process.memoryUsage().heapUsed < ${HEAP_MB} * 1048576; i++) {
  const inv = new Invoice(i); invoices.push(inv);
  if (i % 3 === 0) cache.set('invoice-' + i, inv);
  if (i % 4 === 0) { const a = new Pair(i), b = new Pair(-i); a.peer = b; b.peer = a; pairs.push(a); }
}
globalThis.__bench = { invoices, cache, pairs };
process.stdin.on('data', (d) => {
  const [cmd, file] = String(d).trim().split(/\\s+/);
  if (cmd !== 'write') return;
  const t0 = performance.now();
  v8.writeHeapSnapshot(file);
  console.log(JSON.stringify({ written: performance.now() - t0 }));
});
console.log(JSON.stringify({ ready: true, heapUsed: process.memoryUsage().heapUsed, invoices: invoices.length }));
`;

const dir = mkdtempSync(join(tmpdir(), 'mp-bench-capture-'));
const script = join(dir, 'invoices.js');
writeFileSync(script, PROGRAM);
const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', script], { stdio: ['pipe', 'pipe', 'pipe'] });
process.on('exit', () => {
  child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
const out = [];
const err = [];
createInterface({ input: child.stdout }).on('line', (l) => out.push(l));
createInterface({ input: child.stderr }).on('line', (l) => err.push(l));
async function nextLine(list, re, ms = 30 * 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const at = list.findIndex((l) => re.test(l));
    if (at >= 0) return list.splice(at, 1)[0];
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; stderr: ${err.join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs `fn` while sampling the program's resident size; returns fn's result and the largest RSS (MB). */
async function sampled(fn) {
  let peak = 0;
  const sample = () => {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    if (m) peak = Math.max(peak, (Number(m[1]) * 1024) / 1e6);
  };
  sample();
  const timer = setInterval(sample, 50);
  try {
    return { ...(await fn()), programPeakRssMB: peak };
  } finally {
    clearInterval(timer);
    sample();
  }
}

const ready = JSON.parse(await nextLine(out, /"ready"/, 600_000));
const port = Number(/127\.0\.0\.1:(\d+)\//.exec(await nextLine(err, /Debugger listening/))[1]);
process.stderr.write(`program ready: ${(ready.heapUsed / 1e6).toFixed(0)} MB of heap used, ${ready.invoices} invoices\n`);
const trackers = {};
for (const [way, local, localKind] of [
  ['ours-file', true, 'file'],
  ['ours-fifo', true, 'fifo'],
  ['ours-cdp', false],
]) {
  const target = await lib.NodeTarget.attach(await lib.connectToInspector(port), { local, localKind });
  trackers[way] = { target, tracker: new lib.ClassTracker(target, { maxSnapshots: 1 }) };
  await trackers[way].tracker.trackClass('Invoice');
}

const WAYS = ['v8', 'ours-file', 'ours-fifo', 'ours-cdp'];
const results = Object.fromEntries(WAYS.map((w) => [w, []]));
// A first V8 write loads the program's v8 module and warms the heap profiler, for every way alike.
child.stdin.write(`write ${join(dir, 'warm.heapsnapshot')}\n`);
await nextLine(out, /"written"/);
rmSync(join(dir, 'warm.heapsnapshot'));
for (let round = 0; round < ROUNDS; round++) {
  for (const way of WAYS) {
    let r;
    if (way === 'v8') {
      const file = join(dir, 'v8.heapsnapshot');
      r = await sampled(async () => {
        child.stdin.write(`write ${file}\n`);
        const { written } = JSON.parse(await nextLine(out, /"written"/));
        return { captureMs: written, totalMs: written, bytes: statSync(file).size };
      });
      rmSync(file);
    } else {
      const { target, tracker } = trackers[way];
      r = await sampled(async () => {
        const t0 = performance.now();
        const snap = await tracker.createSnapshot(`${way} ${round}`);
        const { transport, localKind } = target.snapshotTransport;
        return { captureMs: snap.captureMs, totalMs: performance.now() - t0, invoices: snap.classes.Invoice?.active, transport: transport === 'local' ? localKind : transport };
      });
      if (r.invoices !== ready.invoices) throw new Error(`${way}: ${r.invoices} invoices in the snapshot, the program holds ${ready.invoices}`);
      if (r.transport !== way.slice('ours-'.length)) throw new Error(`${way} went through ${r.transport}: ${target.snapshotTransport.localFailure}`);
    }
    results[way].push(r);
    process.stderr.write(
      `round ${round + 1} ${way}: capture ${(r.captureMs / 1000).toFixed(2)} s, total ${(r.totalMs / 1000).toFixed(2)} s, program peak RSS ${r.programPeakRssMB.toFixed(0)} MB\n`,
    );
  }
}
for (const { tracker, target } of Object.values(trackers)) {
  await tracker.dispose?.();
  await target.dispose();
}

const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const v8Ms = median(results.v8.map((r) => r.captureMs));
const bytes = results.v8[0].bytes;
const label = {
  v8: '`v8.writeHeapSnapshot` in the program',
  'ours-file': 'ours, V8 writes a file we follow (local program, the default)',
  'ours-fifo': 'ours, V8 writes into a FIFO (local program, disk short)',
  'ours-cdp': 'ours, CDP streaming (remote program)',
};
const lines = [
  `Capture of a live program: ${(ready.heapUsed / 1e6).toFixed(0)} MB of JS heap used, a ${(bytes / 1e6).toFixed(0)} MB snapshot, ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}, medians (node ${process.version}).`,
  '',
  "| way | program paused (s) | every run (s) | × V8's own write | until parsed and summarised (s) | program peak RSS (MB) |",
  '|---|---|---|---|---|---|',
  ...WAYS.map((w) => {
    const rs = results[w];
    const capture = median(rs.map((r) => r.captureMs));
    return `| ${label[w]} | ${(capture / 1000).toFixed(2)} | ${rs.map((r) => (r.captureMs / 1000).toFixed(2)).join(' / ')} | ${(capture / v8Ms).toFixed(2)}× | ${w === 'v8' ? '–' : (median(rs.map((r) => r.totalMs)) / 1000).toFixed(2)} | ${Math.max(...rs.map((r) => r.programPeakRssMB)).toFixed(0)} |`;
  }),
];
console.log(lines.join('\n'));
child.kill('SIGKILL');
await once(child, 'exit').catch(() => {});
