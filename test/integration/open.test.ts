import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { HeapClassSummary, HeapDiff, HeapRetainerGraph, HeapSnapshotEntry } from '../../src/model';
import { CLI, type Program, fixture, getJson, startNode } from '../helpers/programs';

const dir = mkdtempSync(join(tmpdir(), 'mp-open-'));
const running: Program[] = [];
const before100 = join(dir, 'before.heapsnapshot');
const after220 = join(dir, 'after.heapsnapshot');

before(() => {
  execFileSync(process.execPath, [fixture('writeSnapshot.js'), before100, after220]);
});
after(() => {
  running.forEach((p) => p.kill());
  rmSync(dir, { recursive: true, force: true });
});

function open(args: string[]): Program {
  const p = startNode([CLI, 'open', ...args, '--port', '0']);
  running.push(p);
  return p;
}

describe('memory-profiler open', () => {
  test('serves classes, a diff by object id and retainer paths of saved snapshots', async () => {
    const p = open([before100, after220]);
    // The URL printed lands on the heap page, where saved snapshots are read.
    const url = (await p.waitFor(/serving 2 snapshots at (http:\S+\/)heap$/, 30_000, 'stderr'))[1];
    const heapPage = await fetch(url + 'heap');
    assert.equal(heapPage.status, 200);
    assert.match(await heapPage.text(), /<html/i);
    assert.ok(p.stderrLines.some((l) => /before\.heapsnapshot: [\d,]+ objects, [\d,]+ references, loaded in/.test(l)));

    const list = (await getJson<HeapSnapshotEntry[]>(url + 'api/heap/snapshots')).body;
    assert.deepEqual(
      list.map((s) => [s.index, s.label]),
      [
        [0, 'before.heapsnapshot'],
        [1, 'after.heapsnapshot'],
      ],
    );

    const classes0 = (await getJson<HeapClassSummary[]>(url + 'api/heap/classes?snapshot=0')).body;
    const classes1 = (await getJson<HeapClassSummary[]>(url + 'api/heap/classes?snapshot=1')).body;
    const leaf0 = classes0.find((c) => c.name === 'Leaf')!;
    const leaf1 = classes1.find((c) => c.name === 'Leaf')!;
    assert.equal(leaf0.count, 100);
    assert.equal(leaf1.count, 220);
    assert.equal(leaf1.selfSize, 220 * (leaf0.selfSize / 100), 'every Leaf has the same size');
    // The latest snapshot is the default.
    assert.deepEqual((await getJson(url + 'api/heap/classes')).body, classes1);

    // Matched by V8's object ids, stable within one process.
    const diff = (await getJson<HeapDiff>(url + 'api/heap/diff?from=0&to=1')).body;
    const leafDelta = diff.classes.find((c) => c.name === 'Leaf')!;
    assert.equal(leafDelta.addedCount, 150);
    assert.equal(leafDelta.removedCount, 30);
    assert.equal(leafDelta.countDelta, 120);
    assert.equal(leafDelta.sizeDelta, 120 * (leaf0.selfSize / 100));
    assert.deepEqual((await getJson(url + 'api/heap/diff')).body, diff, 'the two latest by default');

    const leaves = (await getJson<{ total: number; objects: Array<{ id: number; className: string }> }>(url + 'api/heap/classes/Leaf/objects?snapshot=1&end=3')).body;
    assert.equal(leaves.total, 220);
    assert.equal(leaves.objects.length, 3);
    const retainers = (await getJson<HeapRetainerGraph>(url + `api/heap/objects/${leaves.objects[0].id}/retainers?snapshot=1`)).body;
    const path = retainers.paths[0].map((id) => retainers.nodes.find((n) => n.id === id)!);
    assert.equal(path[0].className, 'Leaf');
    assert.equal(path[1].className, 'Array', 'held by the leaves array');
    assert.ok(path[path.length - 1].root, 'the path ends at a root');
    assert.ok(retainers.edges.some((e) => e.to === leaves.objects[0].id && e.edgeType === 'element'));

    // The referent tree, a level and a page at a time: the leaves array refers to its 220 Leafs.
    const array = path[1];
    const referents = (
      await getJson<{ total: number; referents: Array<{ edgeType: string; name: string; object: { id: number; className: string } }> }>(
        url + `api/heap/objects/${array.id}/referents?snapshot=1&end=1000`,
      )
    ).body;
    const elements = referents.referents.filter((r) => r.edgeType === 'element' && r.object.className === 'Leaf');
    assert.equal(elements.length, 220);
    assert.ok(referents.total >= 220);
    const page = (await getJson<{ referents: unknown[] }>(url + `api/heap/objects/${array.id}/referents?snapshot=1&start=10&end=15`)).body;
    assert.equal(page.referents.length, 5);

    for (const [query, status, error] of [
      ['api/heap/classes?snapshot=5', 404, 'no such snapshot'],
      ['api/heap/classes?snapshot=-1', 400, 'bad snapshot'],
      ['api/heap/objects/2/retainers', 404, 'no such object'],
      ['api/process', 404, 'not available offline'],
      ['api/garbage/collector', 404, 'not available offline'],
    ] as const) {
      const r = await getJson(url + query);
      assert.equal(r.status, status, query);
      assert.equal(r.body.error, error, query);
    }
    p.child.kill('SIGINT');
    assert.equal((await p.exited).code, 0);
  });

  test('a broken file is one line naming the problem and the byte offset, and a non-zero exit', async () => {
    const text = readFileSync(before100);
    const cases: Array<[string, Buffer | string, RegExp]> = [
      ['truncated.heapsnapshot', text.subarray(0, Math.floor(text.length / 2)), /truncated.heapsnapshot: Invalid heap snapshot: .*\(at byte \d+\)$/],
      ['random.heapsnapshot', Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256)), /random.heapsnapshot: Invalid heap snapshot: .*\(at byte \d+\)$/],
      ['other.heapsnapshot', '{"hello": [1, 2, 3]}', /other.heapsnapshot: Invalid heap snapshot: .*\(at byte \d+\)$/],
    ];
    for (const [name, content, pattern] of cases) {
      const file = join(dir, name);
      writeFileSync(file, content);
      const p = open([file]);
      const { code } = await p.exited;
      assert.equal(code, 1, name);
      assert.equal(p.stderrLines.length, 1, p.stderrLines.join('\n'));
      assert.match(p.stderrLines[0], /^memory-profiler: error: /);
      assert.match(p.stderrLines[0], pattern);
    }
    const missing = open([join(dir, 'nope.heapsnapshot')]);
    assert.equal((await missing.exited).code, 1);
    assert.match(missing.stderrLines[0], /nope\.heapsnapshot: no such file$/);
  });
});
