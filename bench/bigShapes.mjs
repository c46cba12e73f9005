// The large shapes: a ~1 GB snapshot (16.7 M nodes) and one over 4 GiB (76 M nodes), written by
// bench/bigGen.mjs (synthetic, streamed: no live heap), opened the product's way
// (`memory-profiler open <file>` until GET /api/heap/classes answers), then what a user does
// next, each timed on its first call: the retainers of the last Record in the file asked at
// once (they wait for the query indexes the heap worker builds after the class list), the first
// page and the last page of the largest class (Record: 2.8 M / 12.7 M instances), the retainers
// of another object. Every per-class count and self size is checked against the generator's own figures,
// the last Record's retainers against the ones it wrote. On the 1 GB file memlab (its heap
// capped with --max-old-space-size so the machine is not exhausted), v8-heap-parser and
// JSON.parse run side by side; not on the > 4 GiB one (memlab needs ~3.8× the file, 16 GB;
// v8-heap-parser's WASM memory is 32-bit; a JavaScript string holds at most 512 MiB).
//
//   npm run build && node bench/bigShapes.mjs [--big-shapes 1g,4g] [--keep] [--big-tools open,memlab,v8-heap-parser,json]
//   (also part of `npm run bench`). Files go to the system's temp directory and are deleted
//   after (--keep: kept and reused). Needs ~6 GB of RAM and ~6 GB of disk at a time.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const SHAPES = {
  '1g': { label: '1 GB synthetic', nodes: 16_700_000 },
  '4g': { label: '> 4 GiB synthetic', nodes: 76_000_000 },
  // a quick check of the bench itself
  small: { label: 'small synthetic', nodes: 300_000 },
};
const shapes = option('big-shapes', '1g,4g').split(',').filter(Boolean);
const tools = option('big-tools', 'open,memlab,v8-heap-parser,json').split(',');
const keep = process.argv.includes('--keep');
// memlab's heap cap on the 1 GB file (it needs ~3.8× the file)
const MEMLAB_HEAP_MB = Number(option('memlab-heap-mb', 6144));
const TIMEOUT_S = Number(option('big-timeout', 900));
// --keep: one directory, reused by later runs; else a directory of this run's own
const dir = keep ? join(tmpdir(), 'memory-profiler-bench-big') : mkdtempSync(join(tmpdir(), 'memory-profiler-bench-big-'));
mkdirSync(dir, { recursive: true });

const now = () => performance.now();
const hwmMB = (pid) => (Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024) / 1e6;

async function get(url) {
  const t0 = now();
  const res = await fetch(url, { signal: AbortSignal.timeout(600_000) });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  const body = await res.json();
  return { body, ms: now() - t0 };
}

/** `memory-profiler open <file>`: times and checks as described above. */
async function openProduct(file, expected) {
  const t0 = now();
  // (with the timeline on: its "queries: done" mark says when the heap worker has built every query index)
  const cli = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'open', file, '--host', '127.0.0.1', '--port', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MEMORY_PROFILER_TIMELINE: '1' },
  });
  try {
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
      cli.once('exit', (code) => reject(new Error(`memory-profiler open exited with ${code}: ${log.trim().split('\n').slice(-3).join(' ')}`)));
    });
    const loadedMs = now() - t0;
    const classes = await get(new URL('api/heap/classes', url));
    const classesAt = now();
    const openMs = classesAt - t0;
    const rssAtClassesMB = hwmMB(cli.pid);
    // exact per-class counts and self sizes against the generator's
    const byName = new Map(classes.body.map((c) => [c.name, c]));
    const wrong = [];
    for (const [name, e] of Object.entries(expected.classes)) {
      const c = byName.get(name);
      if (c?.count !== e.count || c?.selfSize !== e.selfSize) wrong.push(`${name}: ${c?.count}/${c?.selfSize} instead of ${e.count}/${e.selfSize}`);
    }
    const nodes = classes.body.reduce((a, c) => a + c.count, 0);
    const self = classes.body.reduce((a, c) => a + c.selfSize, 0);
    if (nodes !== expected.nodeCount) wrong.push(`${nodes} nodes instead of ${expected.nodeCount}`);
    if (self !== expected.totalSelfSize) wrong.push(`self sizes add up to ${self} instead of ${expected.totalSelfSize}`);
    // What a user does next, each a first call. The heap worker builds the query indexes
    // (distances, retainers, objects by id) a slice at a time once the class list is out: the
    // first question about one object, asked at once, waits for the distances only.
    const retainers = await get(new URL(`api/heap/objects/${expected.lastRecord.id}/retainers`, url));
    const from = [...new Set(retainers.body.edges.filter((e) => e.to === expected.lastRecord.id).map((e) => e.from))].sort((a, b) => a - b);
    if (JSON.stringify(from) !== JSON.stringify(expected.lastRecord.retainers)) wrong.push(`retainers of the last Record: ${from} instead of ${expected.lastRecord.retainers}`);
    const records = expected.classes.Record.count;
    const first = await get(new URL(`api/heap/classes/Record/objects?start=0&end=50`, url));
    const last = await get(new URL(`api/heap/classes/Record/objects?start=${records - 50}&end=${records}`, url));
    if (first.body.total !== records || first.body.objects.length !== 50 || last.body.objects.length !== 50)
      wrong.push(`pages of Record: total ${first.body.total}, ${first.body.objects.length} and ${last.body.objects.length} objects`);
    const other = last.body.objects[49].id;
    const otherRetainers = await get(new URL(`api/heap/objects/${other}/retainers`, url));
    if (!otherRetainers.body.edges.some((e) => e.to === other)) wrong.push(`no retainers for Record @${other}`);
    return {
      loadedMs,
      openMs,
      classesMs: classes.ms,
      classes: classes.body.length,
      firstRetainersMs: retainers.ms,
      firstPageMs: first.ms,
      lastPageMs: last.ms,
      retainersMs: otherRetainers.ms,
      rssAtClassesMB,
      // the peak once every query index is built (the worker goes on after these answers)
      indexesBuiltMs: (await Promise.race([built, new Promise((resolve) => setTimeout(resolve, 600_000, NaN).unref())])) - classesAt,
      maxRssMB: hwmMB(cli.pid),
      exact: wrong.length === 0,
      wrong,
    };
  } finally {
    cli.kill('SIGKILL');
  }
}

/** Another tool, through bench/heapTool.mjs in its own process. */
function otherTool(tool, file, heapMB) {
  const r = spawnSync(process.execPath, [`--max-old-space-size=${heapMB}`, join(here, 'heapTool.mjs'), tool, file], {
    encoding: 'utf8',
    cwd: root,
    timeout: TIMEOUT_S * 1000,
    killSignal: 'SIGKILL',
    maxBuffer: 1 << 24,
  });
  if (r.error?.code === 'ETIMEDOUT' || r.signal === 'SIGKILL') return { error: `did not finish in ${TIMEOUT_S} s` };
  if (r.status !== 0) {
    const lines = (r.stderr || '').trim().split('\n');
    const why = lines.find((l) => /Error|heap out of memory|unreachable/.test(l)) ?? lines.at(-1);
    return { error: why?.trim().slice(0, 160) ?? `exit ${r.status}` };
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const rows = [];
for (const shape of shapes) {
  const spec = SHAPES[shape];
  if (!spec) throw new Error(`unknown shape ${shape} (${Object.keys(SHAPES).join(', ')})`);
  const file = join(dir, `big-${shape}.heapsnapshot`);
  if (!existsSync(`${file}.expected.json`) || !existsSync(file)) {
    process.stderr.write(`generating ${file}…\n`);
    const t0 = now();
    execFileSync(process.execPath, [join(here, 'bigGen.mjs'), String(spec.nodes), file], { stdio: 'inherit' });
    process.stderr.write(`generated in ${((now() - t0) / 1000).toFixed(0)} s\n`);
  }
  const expected = JSON.parse(readFileSync(`${file}.expected.json`, 'utf8'));
  const mb = statSync(file).size / 1e6;
  try {
    for (const tool of tools) {
      if (tool !== 'open' && shape !== '1g') continue;
      process.stderr.write(`${tool} on ${spec.label} (${mb.toFixed(0)} MB)…\n`);
      const r = tool === 'open' ? await openProduct(file, expected) : otherTool(tool, file, tool === 'memlab' ? MEMLAB_HEAP_MB : 16384);
      rows.push({ shape: spec.label, tool, mb, nodes: expected.nodeCount, edges: expected.edgeCount, ...r });
      process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
    }
  } finally {
    if (!keep) {
      rmSync(file, { force: true });
      rmSync(`${file}.expected.json`, { force: true });
    }
  }
}
if (!keep) rmSync(dir, { recursive: true, force: true });

const fmt = (x, d = 2) => (x === undefined ? '' : x.toFixed(d));
const lines = [
  '| heap | tool | size (MB) | nodes (M) | edges (M) | until the class list (s) | peak RSS until then (MB) | RSS / file | then: retainers of one object, asked at once (s) | first page of Record / its last page / retainers of another object (s) | every query index built, after the class list (s) | peak RSS after (MB) | counts and sizes |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
];
for (const r of rows) {
  const head = `| ${r.shape} | ${r.tool} | ${fmt(r.mb, 0)} | ${fmt(r.nodes / 1e6, 1)} | ${fmt(r.edges / 1e6, 1)}`;
  if (r.error) {
    lines.push(`${head} | failed: ${r.error} ||||||||`);
    continue;
  }
  const total = r.tool === 'open' ? r.openMs : r.totalMs;
  const rss = r.tool === 'open' ? r.rssAtClassesMB : r.maxRssMB;
  const open = r.tool === 'open';
  const ui = open
    ? `${fmt(r.firstRetainersMs / 1000)} | ${fmt(r.firstPageMs / 1000)} / ${fmt(r.lastPageMs / 1000)} / ${fmt(r.retainersMs / 1000)} | ${fmt(r.indexesBuiltMs / 1000)} | ${fmt(r.maxRssMB, 0)}`
    : ' | | | ';
  const exact = open ? (r.exact ? "exact (the generator's)" : `WRONG: ${r.wrong.join('; ')}`) : '';
  lines.push(`${head} | ${fmt(total / 1000)} | ${fmt(rss, 0)} | ${fmt(rss / r.mb, 2)} | ${ui} | ${exact} |`);
}
console.log(lines.join('\n'));
