/**
 * Fuzz: mutations of a real (cut-down) snapshot must end in a HeapSnapshotError or a graph the
 * analyses handle — never another error, a crash or a hang.
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cutDown } from '../../helpers/snapshots';
import { HeapSnapshotError, HeapSnapshotParser, classSummary, retainerGraph, componentsOf, diffSnapshots } from '../../../src/heap';
import { rng } from '../../helpers/random';

let small = '';
let dir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'heap-fuzz-'));
  const file = join(dir, 'f.heapsnapshot');
  execFileSync(process.execPath, ['-e', `globalThis.x = Array.from({length: 50}, (_, i) => ({i, s: 'str' + i})); require('v8').writeHeapSnapshot(${JSON.stringify(file)})`]);
  small = cutDown(readFileSync(file, 'utf8'), 400);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function tryParse(input: Buffer, chunk: number): 'ok' | 'error' {
  const p = new HeapSnapshotParser({ totalBytes: input.length });
  try {
    for (let i = 0; i < input.length; i += chunk) p.write(input.subarray(i, i + chunk));
    const g = p.end();
    // a harmless mutation: the analyses must cope with whatever graph it gives
    classSummary(g);
    retainerGraph(g, g.nodeCount - 1, { maxNodes: 20 });
    componentsOf(
      g,
      [0, 1, 2].filter((o) => o < g.nodeCount),
    );
    diffSnapshots(g, g);
    return 'ok';
  } catch (e) {
    if (e instanceof HeapSnapshotError) {
      assert.match(e.message, /at byte \d+\)$/);
      assert.ok(e.offset >= 0 && e.offset <= input.length, `offset ${e.offset} within input`);
      return 'error';
    }
    throw new Error(`mutation gave ${(e as Error)?.stack ?? e}`);
  }
}

test('the cut-down snapshot itself parses', () => {
  assert.equal(tryParse(Buffer.from(small), 1 << 20), 'ok');
  assert.ok(small.length < 100_000, `input is small (${small.length} bytes)`);
});

test('1000+ mutated inputs end in HeapSnapshotError or a usable graph', () => {
  const base = Buffer.from(small);
  const rand = rng(12345);
  const results = { ok: 0, error: 0 };
  let n = 0;
  const run = (input: Buffer) => {
    const chunk = [1 << 20, 4096, 97, 13][n++ % 4];
    results[tryParse(input, chunk)]++;
  };
  // truncations at many points
  for (let k = 0; k < 300; k++) run(base.subarray(0, Math.floor(rand() * base.length)));
  // byte flips (1–3 bytes)
  for (let k = 0; k < 400; k++) {
    const b = Buffer.from(base);
    const flips = 1 + Math.floor(rand() * 3);
    for (let f = 0; f < flips; f++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
    run(b);
  }
  // structural characters swapped in
  for (let k = 0; k < 100; k++) {
    const b = Buffer.from(base);
    b[Math.floor(rand() * b.length)] = '{}[]",:-\\'.charCodeAt(Math.floor(rand() * 9));
    run(b);
  }
  // wrong counts
  const s = JSON.parse(small);
  for (let k = 0; k < 60; k++) {
    const t = structuredClone(s);
    const field = k % 2 ? 'node_count' : 'edge_count';
    const deltas = [-1, 1, -100, 1000, 1e9, 1e15];
    t.snapshot[field] = Math.max(0, t.snapshot[field] + deltas[k % deltas.length]);
    run(Buffer.from(JSON.stringify(t)));
  }
  // edges out of range, misaligned, huge numbers
  for (let k = 0; k < 60; k++) {
    const t = structuredClone(s);
    const F = t.snapshot.meta.node_fields.length;
    const i = Math.floor(rand() * (t.edges.length / 3)) * 3 + 2;
    t.edges[i] = [t.snapshot.node_count * F, t.edges[i] + 1, 2 ** 40, t.snapshot.node_count * F * 1000][k % 4];
    run(Buffer.from(JSON.stringify(t)));
  }
  // bad meta
  const metas: Array<(m: Record<string, unknown>) => void> = [
    (m) => delete m.node_fields,
    (m) => (m.node_fields = 'type'),
    (m) => (m.node_types = [[]]),
    (m) => (m.edge_types = [['context']]),
    (m) => (m.node_fields = ['type', 'type', 'name', 'id', 'self_size', 'edge_count']),
    (m) => (m.edge_fields = ['type', 'name_or_index']),
    (m) => (m.node_fields as string[]).reverse(),
    (m) => (m.trace_node_fields = ['id']),
  ];
  for (let k = 0; k < 40; k++) {
    const t = structuredClone(s);
    metas[k % metas.length](t.snapshot.meta);
    run(Buffer.from(JSON.stringify(t)));
  }
  // valid JSON that is not a heap snapshot, and random bytes
  for (const j of ['{}', '[]', 'null', '"x"', '{"snapshot": 1}', '{"snapshot": {}}', '{"nodes": [1,2]}', JSON.stringify({ a: [1, 2, { b: 'c' }] })]) run(Buffer.from(j));
  for (let k = 0; k < 100; k++) {
    const b = Buffer.alloc(1 + Math.floor(rand() * 2000));
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
    if (k % 2) b.write('{"snapshot":', 0);
    run(b);
  }
  assert.ok(n >= 1000, `${n} inputs`);
  assert.ok(results.error > 600, JSON.stringify(results));
});
