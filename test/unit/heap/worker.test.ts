import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeapWorkerClient, HeapSnapshotError, parseHeapSnapshotFile, classSummary } from '../../../src/heap';
import type { HeapProgress } from '../../../src/model/heap';

let dir = '';
let file = '';
let client: HeapWorkerClient;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'heap-worker-'));
  file = join(dir, 'known.heapsnapshot');
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'fixtures', 'heap', 'known-heap.js'), file]);
  client = new HeapWorkerClient();
});
after(async () => {
  await client.terminate();
  rmSync(dir, { recursive: true, force: true });
});

test('the worker opens a file, reports progress and gives the same classes as in-process', async () => {
  const progress: HeapProgress[] = [];
  const { snapshot, info } = await client.open(file, (p) => progress.push(p));
  assert.ok(progress.some((p) => p.phase === 'parse' && p.totalBytes && p.bytes === p.totalBytes));
  assert.ok(progress.some((p) => p.phase === 'dominators'));
  const classes = await client.classes(snapshot);
  const local = classSummary(await parseHeapSnapshotFile(file));
  assert.deepEqual(classes, local);
  assert.equal(info.nodeCount > 10000, true);
  assert.equal(classes.find((c) => c.name === 'Leaf')!.count, 1234);

  // objects, referents, retainers, components
  const leaves = await client.objectsOfClass(snapshot, 'Leaf', 0, 5);
  assert.equal(leaves.total, 1234);
  const id = leaves.objects[0].id;
  const obj = await client.object(snapshot, id);
  assert.equal(obj!.className, 'Leaf');
  const refs = await client.referents(snapshot, id);
  assert.ok(refs.some((r) => r.name === 'label' && r.object.type === 'string'));
  const r = await client.retainers(snapshot, id, { maxNodes: 30 });
  assert.ok(r.paths.length > 0 && r.nodes.length <= 30);
  const comps = await client.components(
    snapshot,
    leaves.objects.map((o) => o.id),
  );
  assert.equal(comps.length, 5);
  await client.dispose(snapshot);
  await assert.rejects(client.classes(snapshot), /unknown snapshot/);
});

test('streamed string chunks (as CDP sends them) give the same snapshot; diff of two snapshots', async () => {
  const text = readFileSync(file, 'utf8');
  const stream = await client.beginStream();
  for (let i = 0; i < text.length; i += 100_000) stream.write(text.slice(i, i + 100_000));
  const a = await stream.end();
  const b = await client.open(file);
  const d = await client.diff(a.snapshot, b.snapshot);
  assert.equal(d.addedCount, 0);
  assert.equal(d.removedCount, 0);
  assert.deepEqual(await client.classes(a.snapshot), await client.classes(b.snapshot));
});

test('a bad file gives HeapSnapshotError through the worker', async () => {
  const bad = join(dir, 'bad.heapsnapshot');
  writeFileSync(bad, readFileSync(file).subarray(0, 100_000));
  await assert.rejects(client.open(bad), (e: unknown) => e instanceof HeapSnapshotError && /truncated/.test(e.message) && e.offset === 100_000);
  const stream = await client.beginStream();
  stream.write('{"snapshot": garbage');
  await assert.rejects(stream.end(), HeapSnapshotError);
  // the worker is still usable
  const ok = await client.open(file);
  assert.ok(ok.snapshot > 0);
});
