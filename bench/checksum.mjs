// Hashes every output of the engine on one file (graph arrays, strings, dominators, retained
// sizes, classes, class summary, retainer index, distances), to check that a change keeps results
// byte-identical. usage: node bench/checksum.mjs <engine.cjs> <file> [--sequential] [--lazy]
// (--lazy: the edge names and locations left in the file and read from it, as `open` does)
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

const [engine, file, ...flags] = process.argv.slice(2);
const heap = createRequire(import.meta.url)(engine);
const h = (x) => {
  const c = createHash('sha1');
  if (ArrayBuffer.isView(x)) c.update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  else c.update(JSON.stringify(x));
  return c.digest('hex').slice(0, 12);
};
const opts = { ...(flags.includes('--sequential') ? { parallel: false } : {}), ...(flags.includes('--lazy') ? { lazySections: true } : {}) };
const g = await heap.parseHeapSnapshotFile(file, opts);
const out = {};
for (const k of [
  'nodeType',
  'nodeName',
  'nodeId',
  'nodeSelfSize',
  'firstEdge',
  'nodeTraceId',
  'nodeDetachedness',
  'edgeType',
  'edgeName',
  'edgeTo',
  'strings',
  'traceFunctionInfos',
  'traceTree',
  'locations',
  'meta',
  'rootIndex',
  'nodeCount',
  'edgeCount',
])
  out[k] = g[k] == null ? null : h(g[k]);
// strings: by value (a `SnapshotStrings` table decoded on demand since the lazy-strings pass)
out.strings = h(Array.isArray(g.strings) ? g.strings : g.strings.toArray());
// locations: by value (stored as Int32Array when they fit since the memory pass, Float64Array before)
if (g.locations) out.locations = h(Float64Array.from(g.locations));
const summary = heap.classSummary(g);
out.summary = h(summary);
out.dominator = h(g.dominator);
out.retainedSize = h(g.retainedSize);
out.classOf = h(g.classOf);
out.classNames = h(g.classNames);
heap.analyseForQueries(g);
out.firstRetainer = h(g.firstRetainer);
out.retainerNode = h(g.retainerNode);
out.distance = h(g.distance);
console.log(JSON.stringify(out, null, 1));
