import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { analyse, type HeapGraph, parseHeapSnapshotFile } from '../../../src/heap';
import { instancesByRetainedSize } from '../../../src/heap/classInstances';
import { rng } from '../../helpers/random';

// The order a class page lists instances in: largest retained size first, equal sizes in node
// order, as a stable comparison sort gives it.
const reference = (g: HeapGraph, classId: number, sizes: Float64Array) => {
  const list: number[] = [];
  for (let o = 0; o < g.nodeCount; o++) if (g.classOf![o] === classId) list.push(o);
  return list.sort((x, y) => sizes[y] - sizes[x]);
};

let dir = '';
let graph: HeapGraph;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'class-instances-'));
  const file = join(dir, 'known.heapsnapshot');
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'fixtures', 'heap', 'known-heap.js'), file]);
  graph = await parseHeapSnapshotFile(file);
  analyse(graph);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('every class of a real heap is listed in the order of a stable sort by retained size', () => {
  const names = graph.classNames!;
  for (let c = 0; c < names.length; c++) {
    assert.deepEqual(Array.from(instancesByRetainedSize(graph, c)), reference(graph, c, graph.retainedSize!), names[c]);
  }
});

test('retained sizes past 2^32 and up to 2^53, with many ties, sort the same', () => {
  const random = rng(7);
  const sizes = graph.retainedSize!;
  const saved = sizes.slice();
  const classId = graph.classNames!.indexOf('(string)');
  try {
    for (let o = 0; o < graph.nodeCount; o++) {
      const r = random();
      // a few distinct huge values (ties), values just around 2^32, and small ones
      sizes[o] = r < 0.3 ? 2 ** 52 + Math.floor(random() * 4) * 2 ** 33 : r < 0.6 ? 2 ** 32 - 2 + Math.floor(random() * 4) : Math.floor(random() * 1000);
    }
    // another graph state: the kept order of the class must not be reused
    instancesByRetainedSize(graph, 0);
    assert.deepEqual(Array.from(instancesByRetainedSize(graph, classId)), reference(graph, classId, sizes));
  } finally {
    sizes.set(saved);
    instancesByRetainedSize(graph, 0);
  }
});
