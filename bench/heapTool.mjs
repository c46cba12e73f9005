// One heap-snapshot tool on one file, in its own process so that peak RSS is its own.
// usage: node bench/heapTool.mjs <ours|ours-stream|v8-heap-parser|memlab|json> <file> [engine.cjs]
// Prints one JSON line: {parseMs, analysisMs, totalMs, maxRssMB, ...}.
import { readFileSync, createReadStream, statSync } from 'node:fs';
import { createRequire } from 'node:module';

const [tool, file, engine] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const now = () => performance.now();
const out = {};

if (tool === 'ours') {
  const heap = require(engine);
  const t0 = now();
  const g = await heap.parseHeapSnapshotFile(file);
  const t1 = now();
  const classes = heap.classSummary(g);
  const t2 = now();
  Object.assign(out, { parseMs: t1 - t0, analysisMs: t2 - t1, classes: classes.length, nodes: g.nodeCount, edges: g.edgeCount });
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
  Object.assign(out, { parseMs: tLast - t0, analysisMs: t2 - tLast, afterLastChunkMs: t2 - tLast, classes: classes.length });
} else if (tool === 'v8-heap-parser') {
  const v8p = require('@vscode/v8-heap-parser');
  const t0 = now();
  const graph = v8p.decode_bytes(readFileSync(file));
  const t1 = now();
  const groups = graph.get_class_groups(0, 1e9, false);
  const t2 = now();
  Object.assign(out, { parseMs: t1 - t0, analysisMs: t2 - t1, classes: groups.length });
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
out.maxRssMB = process.resourceUsage().maxRSS / 1024;
out.fileMB = statSync(file).size / 1e6;
process.stdout.write(JSON.stringify(out) + '\n');
