// A synthetic `.heapsnapshot` of any size, written as a stream (no live heap, constant memory):
// the 1 GB and > 4 GiB shapes of bench/bigShapes.mjs.
// usage: node bench/bigGen.mjs <nodes> <out.heapsnapshot>
// Writes <out>.expected.json too: the node and edge counts, and per object class the count and
// self size, which the generator knows exactly (an oracle independent of any parser).
//
// The heap, in groups of six nodes laid out one after the other: a `Record` (a hidden class, a
// name string, an `items` array, an owner, a heap number, and a `peer` Record: pairs in cycles),
// its string (one in ten unique, the others from a pool of 100 000), an `Array` with its
// elements, an instance of one of 300 classes `Class0`…`Class299` (each a child of the first
// one of its run of 64: shallow trees), and a heap number. The global object holds every Record
// in one array (a registry) and a third of them in a Map (a cache). V8's layout: node fields
// [type, name, id, self_size, edge_count, trace_node_id, detachedness], edges
// [type, name_or_index, to_node], `to_node` an offset into the nodes array.
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';

const [nodesArg, out] = process.argv.slice(2);
if (!nodesArg || !out) {
  process.stderr.write('usage: node bench/bigGen.mjs <nodes> <out.heapsnapshot>\n');
  process.exit(2);
}

const NODE_FIELDS = 7;
const CLASSES = 300;
const POOL = 100_000;
const RUN = 64;
// node types, edge types (V8's order, as in the meta below)
const [HIDDEN, ARRAY, STRING, OBJECT, , , , NUMBER, , SYNTHETIC, , , , , SHAPE] = Array.from({ length: 15 }, (_, i) => i);
const [, ELEMENT, PROPERTY, INTERNAL, , SHORTCUT] = Array.from({ length: 7 }, (_, i) => i);
void HIDDEN;

// the string table: fixed names, then the pool, then the unique strings (one per ten groups)
const fixed = ['<dummy>', '', '(GC roots)', 'global', 'Map', 'Array', 'Record', 'system / Map', '(object elements)', 'system / OrderedHashMap', 'heap number'];
const names = ['map', 'name', 'items', 'owner', 'peer', 'score', 'elements', 'table', 'cache', 'records', 'parent', 'label'];
const strings = [...fixed, ...names];
const S = Object.fromEntries(strings.map((s, i) => [s, i]));
const CLASS0 = strings.length;
for (let k = 0; k < CLASSES; k++) strings.push(`Class${k}`);
const POOL0 = strings.length;
const UNIQUE0 = POOL0 + POOL;
const poolString = (k) => `item-${k}`;
const uniqueString = (g) => `record-${g}-${((g * 2654435761) >>> 0).toString(16)}`;

// the header nodes: root, (GC roots), global, the cache Map and its table, the registry and its
// elements, then one hidden class (object shape) per class
const ROOT = 0;
const GC_ROOTS = 1;
const GLOBAL = 2;
const CACHE = 3;
const TABLE = 4;
const REGISTRY = 5;
const ELEMENTS = 6;
const SHAPE0 = 7;
const shapeNames = ['global', 'Map', 'Array', 'Record', ...Array.from({ length: CLASSES }, (_, k) => `Class${k}`)];
const shapeOf = Object.fromEntries(shapeNames.map((n, i) => [n, SHAPE0 + i]));
const BASE = SHAPE0 + shapeNames.length;
const GROUP = 6;
const groups = Math.max(2, Math.floor((Number(nodesArg) - BASE) / GROUP));
const nodeCount = BASE + groups * GROUP;
const record = (g) => BASE + g * GROUP;
const classOf = (g) => g % CLASSES;
const ownerOf = (g) => record(g) + 4;
const cached = Math.ceil(groups / 3); // the cache holds Record 0, 3, 6…

const RECORD_SELF = 48;
const STRING_SELF = 32;
const ARRAY_SELF = 32;
const ELEMENTS_SELF = 40;
const NUMBER_SELF = 16;
const classSelf = (g) => 24 + 8 * (g % 7);

// Edges of group g's nodes, in node order, as [type, name_or_index, to_node ordinal] triples.
function groupEdges(g, emit) {
  const r = record(g);
  emit(INTERNAL, S.map, shapeOf.Record);
  emit(PROPERTY, S.name, r + 1);
  emit(PROPERTY, S.items, r + 2);
  emit(PROPERTY, S.owner, r + 4);
  if ((g ^ 1) < groups) emit(PROPERTY, S.peer, record(g ^ 1));
  emit(PROPERTY, S.score, r + 5);
  // string r+1: none; Array r+2
  emit(INTERNAL, S.map, shapeOf.Array);
  emit(INTERNAL, S.elements, r + 3);
  // elements r+3
  emit(ELEMENT, 0, r + 4);
  emit(ELEMENT, 1, r + 5);
  emit(ELEMENT, 2, r + 1);
  // Class instance r+4
  emit(INTERNAL, S.map, shapeOf[`Class${classOf(g)}`]);
  if (g % RUN !== 0) emit(PROPERTY, S.parent, ownerOf(g - (g % RUN)));
  emit(PROPERTY, S.label, r + 1);
}
const groupEdgeCount = (g) => ((g ^ 1) < groups ? 6 : 5) + 2 + 3 + (g % RUN !== 0 ? 3 : 2);

const headerEdgeCounts = [2, 2, 3, 2, cached, 2, groups, ...shapeNames.map(() => 0)];
let edgeCount = headerEdgeCounts.reduce((a, b) => a + b, 0);
for (let g = 0; g < groups; g++) edgeCount += groupEdgeCount(g);

const fd = openSync(out, 'w');
// Output goes straight into a byte buffer, integers written digit by digit (string building was
// 5× slower): the file is mostly small integers and commas.
const BUF_BYTES = 1 << 22;
const bytes = Buffer.allocUnsafe(BUF_BYTES + (1 << 16));
let pos = 0;
let written = 0;
function flush() {
  let at = 0;
  while (at < pos) at += writeSync(fd, bytes, at, pos - at);
  written += pos;
  pos = 0;
}
const put = (s) => {
  pos += bytes.write(s, pos, 'latin1');
  if (pos >= BUF_BYTES) flush();
};
const digits = new Uint8Array(20);
/** A non-negative integer, then `sep` (a character code), or none when sep < 0. */
function int(n, sep) {
  if (n < 10) bytes[pos++] = 48 + n;
  else {
    let k = 0;
    while (n > 0) {
      const q = Math.floor(n / 10);
      digits[k++] = 48 + (n - q * 10);
      n = q;
    }
    while (k > 0) bytes[pos++] = digits[--k];
  }
  if (sep >= 0) bytes[pos++] = sep;
}
const COMMA = 44;
const NEWLINE = 10;

const meta = {
  node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
  node_types: [
    [
      'hidden',
      'array',
      'string',
      'object',
      'code',
      'closure',
      'regexp',
      'number',
      'native',
      'synthetic',
      'concatenated string',
      'sliced string',
      'symbol',
      'bigint',
      'object shape',
    ],
    'string',
    'number',
    'number',
    'number',
    'number',
    'number',
  ],
  edge_fields: ['type', 'name_or_index', 'to_node'],
  edge_types: [['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'], 'string_or_number', 'node'],
  trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
  trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
  sample_fields: ['timestamp_us', 'last_assigned_id'],
  location_fields: ['object_index', 'script_id', 'line', 'column'],
};
put(`{"snapshot":{"meta":${JSON.stringify(meta)},"node_count":${nodeCount},"edge_count":${edgeCount},"trace_function_count":0},\n"nodes":[`);

// nodes
const expected = new Map();
const count = (name, self) => {
  const e = expected.get(name) ?? { count: 0, selfSize: 0 };
  e.count++;
  e.selfSize += self;
  expected.set(name, e);
};
let totalSelf = 0;
let first = true;
function node(type, name, ordinal, self, edges) {
  if (!first) {
    bytes[pos++] = COMMA;
    bytes[pos++] = NEWLINE;
  }
  first = false;
  int(type, COMMA);
  int(name, COMMA);
  int(2 * ordinal + 1, COMMA);
  int(self, COMMA);
  int(edges, COMMA);
  bytes[pos++] = 48;
  bytes[pos++] = COMMA;
  bytes[pos++] = 48;
  if (pos >= BUF_BYTES) flush();
  totalSelf += self;
  if (type === OBJECT) count(strings[name] ?? '?', self);
}
node(SYNTHETIC, S[''], ROOT, 0, headerEdgeCounts[ROOT]);
node(SYNTHETIC, S['(GC roots)'], GC_ROOTS, 0, headerEdgeCounts[GC_ROOTS]);
node(OBJECT, S.global, GLOBAL, 56, headerEdgeCounts[GLOBAL]);
node(OBJECT, S.Map, CACHE, 32, headerEdgeCounts[CACHE]);
node(ARRAY, S['system / OrderedHashMap'], TABLE, 16 + 24 * cached, headerEdgeCounts[TABLE]);
node(OBJECT, S.Array, REGISTRY, ARRAY_SELF, headerEdgeCounts[REGISTRY]);
node(ARRAY, S['(object elements)'], ELEMENTS, 16 + 8 * groups, headerEdgeCounts[ELEMENTS]);
for (let i = 0; i < shapeNames.length; i++) node(SHAPE, S['system / Map'], SHAPE0 + i, 40, 0);
const started = performance.now();
for (let g = 0; g < groups; g++) {
  const r = record(g);
  node(OBJECT, S.Record, r, RECORD_SELF, (g ^ 1) < groups ? 6 : 5);
  node(STRING, g % 10 === 0 ? UNIQUE0 + g / 10 : POOL0 + ((g * 7919) % POOL), r + 1, STRING_SELF, 0);
  node(OBJECT, S.Array, r + 2, ARRAY_SELF, 2);
  node(ARRAY, S['(object elements)'], r + 3, ELEMENTS_SELF, 3);
  node(OBJECT, CLASS0 + classOf(g), r + 4, classSelf(g), g % RUN !== 0 ? 3 : 2);
  node(NUMBER, S['heap number'], r + 5, NUMBER_SELF, 0);
  if (g % 1_000_000 === 0 && g) process.stderr.write(`nodes: ${g} of ${groups} groups, ${((written + pos) / 1e9).toFixed(2)} GB\n`);
}
put('],\n"edges":[');

// edges (to_node: ordinal × node fields)
first = true;
let edgesWritten = 0;
function edge(type, name, to) {
  if (!first) {
    bytes[pos++] = COMMA;
    bytes[pos++] = NEWLINE;
  }
  first = false;
  int(type, COMMA);
  int(name, COMMA);
  int(to * NODE_FIELDS, -1);
  if (pos >= BUF_BYTES) flush();
  edgesWritten++;
}
edge(ELEMENT, 1, GC_ROOTS);
edge(SHORTCUT, S.global, GLOBAL);
edge(ELEMENT, 1, GLOBAL);
edge(ELEMENT, 2, CACHE);
edge(PROPERTY, S.cache, CACHE);
edge(PROPERTY, S.records, REGISTRY);
edge(INTERNAL, S.map, shapeOf.global);
edge(INTERNAL, S.table, TABLE);
edge(INTERNAL, S.map, shapeOf.Map);
for (let i = 0; i < cached; i++) edge(ELEMENT, i, record(3 * i));
edge(INTERNAL, S.elements, ELEMENTS);
edge(INTERNAL, S.map, shapeOf.Array);
for (let g = 0; g < groups; g++) edge(ELEMENT, g, record(g));
for (let g = 0; g < groups; g++) groupEdges(g, edge);
if (edgesWritten !== edgeCount) throw new Error(`wrote ${edgesWritten} edges, announced ${edgeCount}`);
put('],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n"locations":[],\n"strings":[');

// strings
first = true;
const str = (s) => {
  put(`${first ? '' : ',\n'}${JSON.stringify(s)}`);
  first = false;
};
for (const s of strings) str(s);
for (let k = 0; k < POOL; k++) str(poolString(k));
for (let g = 0; g < groups; g += 10) str(uniqueString(g));
put(']}\n');
flush();
closeSync(fd);

const summary = {
  nodeCount,
  edgeCount,
  bytes: written,
  totalSelfSize: totalSelf,
  // the last Record: its id, and the ids of what retains it (the registry's elements, the cache's table, its peer)
  lastRecord: {
    id: 2 * record(groups - 1) + 1,
    retainers: [2 * ELEMENTS + 1, ...((groups - 1) % 3 === 0 ? [2 * TABLE + 1] : []), ...(((groups - 1) ^ 1) < groups ? [2 * record((groups - 1) ^ 1) + 1] : [])].sort(
      (a, b) => a - b,
    ),
  },
  classes: Object.fromEntries([...expected].sort(([a], [b]) => (a < b ? -1 : 1))),
};
writeFileSync(`${out}.expected.json`, JSON.stringify(summary, null, 1));
process.stderr.write(`${out}: ${(written / 1e9).toFixed(2)} GB, ${nodeCount} nodes, ${edgeCount} edges in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
