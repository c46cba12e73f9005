// One heap-snapshot tool on one file, in its own process so that peak RSS is its own.
// usage: node bench/heapTool.mjs <ours|ours-par|ours-seq|ours-stream|ours-worker[-N]|open|v8-heap-parser|memlab|json> <file> [engine.cjs]
// Prints one JSON line: {parseMs, analysisMs, totalMs, maxRssMB, ...}.
import { readFileSync, createReadStream, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const [tool, file, engine] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const now = () => performance.now();
const out = {};

// The per-class results as two digests, to check that ours and v8-heap-parser agree on the same
// file: `digest` of count and self size per class, `retainedDigest` of the retained sizes (they
// differ where v8-heap-parser's dominator iteration stops short of the true tree, see
// test/unit/heap/oracle.test.ts). v8-heap-parser 0.1 calls the node types it does not know
// "(unknown)"; ours names them as DevTools does, so they are merged for the check.
const UNKNOWN = new Set(['(symbol)', '(object shape)', '(wasm object)']);
async function classDigest(rows) {
  return { digest: await digestOf(rows, (m) => `${m[0]}|${m[1]}`), retainedDigest: await digestOf(rows, (m) => String(m[2])) };
}
async function digestOf(rows, field) {
  const merged = new Map();
  for (const r of rows) {
    const name = UNKNOWN.has(r.name) ? '(unknown)' : r.name;
    const m = merged.get(name) ?? [0, 0, 0];
    m[0] += r.count;
    m[1] += r.self;
    m[2] += r.retained;
    merged.set(name, m);
  }
  const text = [...merged]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([n, m]) => `${n}|${field(m)}`)
    .join('\n');
  const { createHash } = await import('node:crypto');
  return createHash('sha1').update(text).digest('hex').slice(0, 12);
}
const ourDigest = (classes) => classDigest(classes.map((c) => ({ name: c.name, count: c.count, self: c.selfSize, retained: c.retainedSize })));

if (tool === 'ours' || tool === 'ours-par' || tool === 'ours-seq') {
  // ours: the default (the parse worker scans the edges when a core is idle); -par / -seq: forced
  const heap = require(engine);
  const t0 = now();
  const g = await heap.parseHeapSnapshotFile(file, tool === 'ours' ? {} : { parallel: tool === 'ours-par' });
  const t1 = now();
  const classes = heap.classSummary(g);
  const t2 = now();
  Object.assign(out, { parseMs: t1 - t0, analysisMs: t2 - t1, classes: classes.length, nodes: g.nodeCount, edges: g.edgeCount, ...(await ourDigest(classes)) });
} else if (tool.startsWith('ours-worker')) {
  // the product's way: the engine in a worker thread (src/heap/client.ts), here with
  // resourceLimits.maxYoungGenerationSizeMb = N for "ours-worker-N" (no limit for "ours-worker");
  const { Worker } = await import('node:worker_threads');
  // ("-par" / "-seq" at the end forces the parse worker on or off, as for ours-par / ours-seq)
  const [, youngArg, how] = /^ours-worker(?:-(\d+))?(?:-(par|seq))?$/.exec(tool) ?? [];
  const young = Number(youngArg) || 0;
  const parseOptions = how ? { parallel: how === 'par' } : {};
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const heap = require(workerData.engine);
    (async () => {
      const t0 = performance.now();
      const g = await heap.parseHeapSnapshotFile(workerData.file, workerData.parseOptions);
      const t1 = performance.now();
      const classes = heap.classSummary(g);
      const t2 = performance.now();
      parentPort.postMessage({ parseMs: t1 - t0, analysisMs: t2 - t1, classes: classes.length, nodes: g.nodeCount, edges: g.edgeCount });
    })();`;
  const w = new Worker(code, { eval: true, workerData: { engine, file, parseOptions }, ...(young ? { resourceLimits: { maxYoungGenerationSizeMb: young } } : {}) });
  Object.assign(
    out,
    await new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    }),
  );
  await w.terminate();
} else if (tool === 'ours-stream') {
  // CDP-like: string chunks of ~100 KB arrive one by one; what is left after the last one?
  const heap = require(engine);
  const t0 = now();
  const p = new heap.HeapSnapshotParser();
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 100 * 1024 });
  for await (const chunk of stream) p.write(chunk);
  const tLast = now();
  const g = p.end();
  const classes = heap.classSummary(g);
  const t2 = now();
  Object.assign(out, { parseMs: tLast - t0, analysisMs: t2 - tLast, afterLastChunkMs: t2 - tLast, classes: classes.length, ...(await ourDigest(classes)) });
} else if (tool === 'open') {
  // the product: `memory-profiler open <file>` (dist/cli.js) started, until GET /api/heap/classes
  // answers; "parse" is until it serves (loaded and analysed), "analysis" the class summary; the
  // peak RSS is that process's VmHWM (all its threads) once the classes came. (This process's
  // fetch is loaded first: its first call costs 50–100 ms that are the client's, not the product's.)
  await (await fetch('data:,')).text();
  const t0 = now();
  // (with the timeline on: its "queries: done" mark says when the heap worker has built every query index)
  const cli = spawn(process.execPath, ['dist/cli.js', 'open', file, '--host', '127.0.0.1', '--port', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MEMORY_PROFILER_TIMELINE: '1' },
  });
  let log = '';
  let indexesBuilt;
  const built = new Promise((resolve) => (indexesBuilt = resolve));
  const url = await new Promise((resolve, reject) => {
    cli.stderr.setEncoding('utf8');
    cli.stderr.on('data', (d) => {
      log += d;
      const m = /serving 1 snapshot at (\S+)/.exec(log);
      if (m) resolve(m[1]);
      if (/ queries: done /.test(log)) indexesBuilt(now());
    });
    cli.once('exit', (code) => reject(new Error(`memory-profiler open exited with ${code}: ${log.trim()}`)));
  });
  const t1 = now();
  const res = await fetch(new URL('api/heap/classes', url));
  if (!res.ok) throw new Error(`GET /api/heap/classes: ${res.status} ${await res.text()}`);
  const classes = await res.json();
  const t2 = now();
  const hwmAtClassesKiB = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${cli.pid}/status`, 'utf8'))[1]);
  // then what a user does next: the first page of the largest class's objects, and the retainers
  // of its first object (the query indexes are built once the classes are out: included here)
  const top = [...classes].sort((a, b) => b.count - a.count)[0];
  const page = await (await fetch(new URL(`api/heap/classes/${encodeURIComponent(top.name)}/objects?start=0&end=20`, url))).json();
  const t3 = now();
  const retainers = await fetch(new URL(`api/heap/objects/${page.objects[0].id}/retainers`, url));
  if (!retainers.ok) throw new Error(`GET /api/heap/objects/:id/retainers: ${retainers.status} ${await retainers.text()}`);
  await retainers.json();
  const t4 = now();
  out.rssAtClassesMB = (hwmAtClassesKiB * 1024) / 1e6;
  out.objectsPageMs = t3 - t2;
  out.retainersMs = t4 - t3;
  // the peak once the heap worker has built every query index (it goes on after these answers)
  out.indexesBuiltMs = (await Promise.race([built, new Promise((resolve) => setTimeout(resolve, 60_000, NaN).unref())])) - t2;
  const status = readFileSync(`/proc/${cli.pid}/status`, 'utf8');
  const hwmKiB = Number(/VmHWM:\s+(\d+)/.exec(status)[1]);
  cli.kill('SIGTERM');
  Object.assign(out, { parseMs: t1 - t0, analysisMs: t2 - t1, classes: classes.length, processRssMB: (hwmKiB * 1024) / 1e6, ...(await ourDigest(classes)) });
} else if (tool === 'v8-heap-parser') {
  const v8p = require('@vscode/v8-heap-parser');
  const t0 = now();
  const graph = v8p.decode_bytes(readFileSync(file));
  const t1 = now();
  const groups = graph.get_class_groups(0, 1e9, false);
  const t2 = now();
  Object.assign(out, { parseMs: t1 - t0, analysisMs: t2 - t1, classes: groups.length });
  Object.assign(out, await classDigest(groups.map((c) => ({ name: c.name(), count: c.children_len, self: Number(c.self_size), retained: Number(c.retained_size) }))));
} else if (tool === 'memlab') {
  const core = require('@memlab/core');
  core.config.muteConsole = true;
  const t0 = now();
  const snap = await core.utils.getSnapshotFromFile(file, { buildNodeIdIndex: true });
  const t1 = now();
  core.analysis.preparePathFinder(snap);
  const t2 = now();
  Object.assign(out, { parseMs: t1 - t0, analysisMs: t2 - t1 });
} else if (tool === 'json') {
  const t0 = now();
  const o = JSON.parse(readFileSync(file, 'utf8'));
  const t1 = now();
  Object.assign(out, { parseMs: t1 - t0, analysisMs: 0, nodes: o.snapshot.node_count });
} else {
  throw new Error(`unknown tool ${tool}`);
}
out.totalMs = out.parseMs + out.analysisMs;
// MB = 10^6 bytes, as fileMB (maxRSS is in KiB)
out.maxRssMB = out.processRssMB ?? (process.resourceUsage().maxRSS * 1024) / 1e6;
delete out.processRssMB;
out.fileMB = statSync(file).size / 1e6;
process.stdout.write(JSON.stringify(out) + '\n');
