// Heap snapshot benchmark: generates snapshots of ~10, ~100 and ~200 MB of a mixed heap, and of
// other shapes (bench/shapeGen.mjs: a Map-heavy program's heap, a 200 000-long linked list and
// the same objects in an array; bench/realProgram.cjs: a real program's heap), kept in
// bench/snapshots/ (which git ignores), and runs each tool on each in its own child process, so
// peak RSS is per tool. Prints a markdown table. `npm run bench` (builds first) or
// `node bench/run.mjs [--sizes 10,100] [--shapes maps,chain,flat,real] [--tools ours,open,v8-heap-parser]
// [--repeat 3] [--timeout 60] [--quick]` (`--sizes ''` or `--shapes ''`: none of them). Then, unless
// --quick: the 1 GB and > 4 GiB shapes (bench/bigShapes.mjs) and the capture of a live program
// (bench/capture.mjs), in the same run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const snapDir = join(here, 'snapshots');
mkdirSync(snapDir, { recursive: true });

const sizesArg = process.argv.indexOf('--sizes');
const sizes = sizesArg > 0 ? process.argv[sizesArg + 1].split(',').filter(Boolean).map(Number) : [10, 100, 200];
const shapesArg = process.argv.indexOf('--shapes');
const shapes = shapesArg > 0 ? process.argv[shapesArg + 1].split(',').filter(Boolean) : ['maps', 'chain', 'flat', 'real'];
const toolsArg = process.argv.indexOf('--tools');
const tools = toolsArg > 0 ? process.argv[toolsArg + 1].split(',') : ['ours', 'ours-seq', 'ours-stream', 'ours-worker-8', 'open', 'v8-heap-parser', 'memlab', 'json'];
// a tool that takes longer than this on a file is stopped and not run on it again
const timeoutArg = process.argv.indexOf('--timeout');
const timeoutS = timeoutArg > 0 ? Number(process.argv[timeoutArg + 1]) : 60;
// the shapes: generator arguments (170 000 invoices: 3.0 M nodes, 7.8 M edges, ~200 MB)
const SHAPES = {
  maps: { label: 'Map-heavy', args: [join(here, 'shapeGen.mjs'), 'maps', '170000'] },
  chain: { label: '200 000-long list', args: [join(here, 'shapeGen.mjs'), 'chain', '200000'] },
  flat: { label: '200 000 in an array', args: [join(here, 'shapeGen.mjs'), 'flat', '200000'] },
  real: { label: 'real program', args: [join(here, 'realProgram.cjs')] },
};
// objects for the generator per target MB (about 2 000 objects per MB, plus the runtime's ~4 MB)
const OBJECTS_PER_MB = 2000;

// the engine, bundled on its own so the child loads nothing else
const engine = join(snapDir, 'heap-engine.cjs');
await esbuild.build({ entryPoints: [join(root, 'src/heap/index.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: engine, logLevel: 'warning' });
// the parse worker, found next to the engine as in dist/ (heapParseWorker.js)
await esbuild.build({
  entryPoints: [join(root, 'src/heap/parseWorker.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: join(snapDir, 'heapParseWorker.js'),
  logLevel: 'warning',
});

function snapshot(mb) {
  const file = join(snapDir, `heap-${mb}mb.heapsnapshot`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${file}…\n`);
    execFileSync(process.execPath, ['--max-old-space-size=8192', join(here, 'heapGen.mjs'), String(Math.max(1000, (mb - 4) * OBJECTS_PER_MB)), file], { stdio: 'inherit' });
  }
  return file;
}

function shapeSnapshot(shape) {
  const spec = SHAPES[shape];
  if (!spec) throw new Error(`unknown shape ${shape} (${Object.keys(SHAPES).join(', ')})`);
  const file = join(snapDir, `shape-${shape}.heapsnapshot`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${file}…\n`);
    execFileSync(process.execPath, ['--max-old-space-size=8192', ...spec.args, file], { stdio: 'inherit' });
  }
  return file;
}

// Every tool runs `--repeat` times (3 by default) in interleaved rounds, so that a slow spell of
// the machine hits all tools alike; the table shows each tool's median run (by total time; its
// peak RSS is the largest of its runs, and its classes must match in every run).
const repeatArg = process.argv.indexOf('--repeat');
const repeat = repeatArg > 0 ? Math.max(1, Number(process.argv[repeatArg + 1]) || 1) : 3;
const rows = [];
const inputs = [...sizes.map((mb) => ({ label: 'mixed', file: snapshot(mb) })), ...shapes.map((shape) => ({ label: SHAPES[shape]?.label, file: shapeSnapshot(shape) }))];
for (const { label, file } of inputs) {
  const runs = new Map(tools.map((t) => [t, []]));
  for (let round = 0; round < repeat; round++) {
    for (const tool of tools) {
      if (runs.get(tool).some((x) => x.error)) continue;
      const r = spawnSync(process.execPath, ['--max-old-space-size=16384', join(here, 'heapTool.mjs'), tool, file, engine], {
        encoding: 'utf8',
        cwd: root,
        timeout: timeoutS * 1000,
        killSignal: 'SIGKILL',
      });
      if (r.error?.code === 'ETIMEDOUT' || r.signal === 'SIGKILL') {
        runs.get(tool).push({ error: `did not finish in ${timeoutS} s` });
        process.stderr.write(`${tool} ${label}: did not finish in ${timeoutS} s\n`);
        continue;
      }
      if (r.status !== 0) {
        runs.get(tool).push({ error: (r.stderr || '').trim().split('\n').slice(-3).join(' ') });
        continue;
      }
      const res = JSON.parse(r.stdout.trim().split('\n').pop());
      runs.get(tool).push(res);
      process.stderr.write(`${tool} ${res.fileMB.toFixed(0)} MB, round ${round + 1}: ${(res.totalMs / 1000).toFixed(2)} s, ${res.maxRssMB.toFixed(0)} MB RSS\n`);
    }
  }
  for (const tool of tools) {
    const list = runs.get(tool);
    const failed = list.find((x) => x.error);
    if (failed) {
      rows.push({ tool, label, file, mb: statSync(file).size / 1e6, error: failed.error });
      continue;
    }
    const sorted = [...list].sort((a, b) => a.totalMs - b.totalMs);
    const median = sorted[(sorted.length - 1) >> 1];
    const digests = new Set(list.map((x) => `${x.digest}/${x.retainedDigest}`));
    rows.push({
      tool,
      label,
      file,
      mb: median.fileMB,
      ...median,
      maxRssMB: Math.max(...list.map((x) => x.maxRssMB)),
      digest: digests.size === 1 ? median.digest : 'varies',
      retainedDigest: digests.size === 1 ? median.retainedDigest : 'varies',
      totals: list.map((x) => x.totalMs),
    });
  }
}

const fmt = (x, d = 2) => (x === undefined ? '' : x.toFixed(d));
const lines = [
  "| heap | tool | size (MB) | nodes (M) | parse (s) | analysis (s) | total (s) | every run's total (s) | MB/s | peak RSS (MB) | RSS / file | v8-heap-parser's time / this time | classes as v8-heap-parser's |",
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
];
for (const r of rows) {
  const nodes = rows.find((x) => x.file === r.file && x.nodes)?.nodes;
  const head = `| ${r.label} | ${r.tool} | ${fmt(r.mb, 0)} | ${nodes ? fmt(nodes / 1e6, 2) : ''}`;
  if (r.error) {
    lines.push(`${head} | failed: ${r.error} |||||||||`);
    continue;
  }
  const ref = rows.find((x) => x.tool === 'v8-heap-parser' && x.file === r.file);
  // (against a v8-heap-parser that ran out of time: more than the time limit / ours)
  const limit = ref?.error && /did not finish in (\d+) s/.exec(ref.error);
  const ratio = ref && !ref.error ? `${(ref.totalMs / r.totalMs).toFixed(2)}×` : limit ? `> ${(Number(limit[1]) / (r.totalMs / 1000)).toFixed(0)}×` : '';
  // Per-class count and self size, and retained size, digests (bench/heapTool.mjs): the same or not.
  let same = '';
  if (r.digest && ref?.digest && r.tool !== 'v8-heap-parser') {
    if (r.digest !== ref.digest || r.digest === 'varies') same = 'DIFFERENT';
    else same = r.retainedDigest === ref.retainedDigest ? 'same' : 'counts, self: same; retained: ours exact';
  }
  const every = r.totals.map((t) => fmt(t / 1000)).join(' / ');
  let extra = r.afterLastChunkMs !== undefined ? ` (after last chunk: ${fmt(r.afterLastChunkMs / 1000)} s)` : '';
  if (r.retainersMs !== undefined)
    extra += ` (then a class's objects ${fmt(r.objectsPageMs / 1000)} s, an object's retainers ${fmt(r.retainersMs / 1000)} s; every query index built ${fmt(r.indexesBuiltMs / 1000)} s after the classes)`;
  const rssNote = r.rssAtClassesMB !== undefined ? ` (${fmt(r.rssAtClassesMB, 0)} until the classes)` : '';
  lines.push(
    `${head} | ${fmt(r.parseMs / 1000)} | ${fmt(r.analysisMs / 1000)}${extra} | ${fmt(r.totalMs / 1000)} | ${every} | ${fmt(r.mb / (r.totalMs / 1000), 0)} | ${fmt(r.maxRssMB, 0)}${rssNote} | ${fmt(r.maxRssMB / r.mb, 2)}${r.rssAtClassesMB !== undefined ? ` (${fmt(r.rssAtClassesMB / r.mb, 2)})` : ''} | ${ratio} | ${same} |`,
  );
}
console.log(lines.join('\n'));
// Unless --quick: the 1 GB and > 4 GiB shapes (bench/bigShapes.mjs), the capture of a live
// program (bench/capture.mjs): minutes each, ~6 GB of memory and of disk.
if (!process.argv.includes('--quick')) {
  await import('./bigShapes.mjs');
  await import('./capture.mjs');
}
