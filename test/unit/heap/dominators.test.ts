/**
 * The dominator tree against its definition: an independent textbook computation (the graph of
 * the edges that retain rebuilt here from the rules in analysis.ts, then the plain iterative
 * algorithm, every node on every pass, until nothing changes) on random hand-built heaps and a
 * real snapshot; and a 200 000-long linked list from a real program, whose retained sizes are
 * known exactly.
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHeapSnapshot, parseHeapSnapshotFile, classSummary, type HeapGraph } from '../../../src/heap';
import { SnapshotBuilder } from './builder';
import { rng } from '../../helpers/random';

const fixtures = join(__dirname, '..', '..', 'fixtures', 'heap');
let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'heap-dominators-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Immediate dominators by the definition's fixpoint (Cooper, Harvey, Kennedy, all nodes each pass). */
function textbookDominators(g: HeapGraph): Int32Array {
  const n = g.nodeCount;
  const root = g.rootIndex;
  const weak = g.meta.edgeTypes.indexOf('weak');
  const shortcut = g.meta.edgeTypes.indexOf('shortcut');
  const out: number[][] = Array.from({ length: n }, () => []);
  const edgesOf = (o: number) => Array.from({ length: g.firstEdge[o + 1] - g.firstEdge[o] }, (_, i) => g.firstEdge[o] + i);
  // page objects: reachable from the root's shortcut edges without weak edges
  const page = new Uint8Array(n);
  const stack = edgesOf(root)
    .filter((e) => g.edgeType[e] === shortcut)
    .map((e) => g.edgeTo[e]);
  for (const t of stack) page[t] = 1;
  while (stack.length) {
    const o = stack.pop()!;
    for (const e of edgesOf(o)) {
      const t = g.edgeTo[e];
      if (g.edgeType[e] !== weak && !page[t]) {
        page[t] = 1;
        stack.push(t);
      }
    }
  }
  const strongIn = new Uint8Array(n);
  for (let o = 0; o < n; o++) {
    for (const e of edgesOf(o)) {
      const t = g.edgeTo[e];
      const et = g.edgeType[e];
      if (o !== root && et !== weak && et !== shortcut) strongIn[t] = 1;
      if (et === weak) continue;
      if (o === root || (et !== shortcut && !(page[t] && !page[o]))) out[o].push(t);
    }
  }
  const reach = () => {
    const seen = new Uint8Array(n);
    const s = [root];
    seen[root] = 1;
    while (s.length) {
      for (const t of out[s.pop()!]) {
        if (seen[t]) continue;
        seen[t] = 1;
        s.push(t);
      }
    }
    return seen;
  };
  // what the root does not reach hangs off it: first what nothing strong points at, then the rest
  let seen = reach();
  for (let o = 0; o < n; o++) if (!seen[o] && !strongIn[o]) out[root].push(o);
  seen = reach();
  for (let o = 0; o < n; o++) if (!seen[o]) out[root].push(o);
  // reverse post-order numbers
  const post = new Int32Array(n).fill(-1);
  const order: number[] = [];
  const visited = new Uint8Array(n);
  const st: Array<[number, number]> = [[root, 0]];
  visited[root] = 1;
  while (st.length) {
    const top = st[st.length - 1];
    if (top[1] < out[top[0]].length) {
      const t = out[top[0]][top[1]++];
      if (!visited[t]) {
        visited[t] = 1;
        st.push([t, 0]);
      }
    } else {
      post[top[0]] = order.length;
      order.push(top[0]);
      st.pop();
    }
  }
  const preds: number[][] = Array.from({ length: n }, () => []);
  for (let o = 0; o < n; o++) for (const t of out[o]) preds[t].push(o);
  const idom = new Int32Array(n).fill(-1);
  idom[root] = root;
  for (let changed = true; changed;) {
    changed = false;
    for (let i = order.length - 2; i >= 0; i--) {
      const v = order[i];
      let d = -1;
      for (const p of preds[v]) {
        if (idom[p] < 0) continue;
        if (d < 0) d = p;
        else {
          let a = p;
          let b = d;
          while (a !== b) {
            while (post[a] < post[b]) a = idom[a];
            while (post[b] < post[a]) b = idom[b];
          }
          d = a;
        }
      }
      if (d !== idom[v]) {
        idom[v] = d;
        changed = true;
      }
    }
  }
  return idom;
}

function assertDominatorsExact(g: HeapGraph, what: string): void {
  classSummary(g);
  const expected = textbookDominators(g);
  const retained = Float64Array.from(g.nodeSelfSize);
  // sum up the textbook tree: children before parents (repeat until stable; the tree is small)
  const depth = (o: number) => {
    let d = 0;
    for (let x = o; x !== g.rootIndex; x = expected[x]) d++;
    return d;
  };
  const byDepth = Array.from({ length: g.nodeCount }, (_, o) => o).sort((a, b) => depth(b) - depth(a));
  for (const o of byDepth) if (o !== g.rootIndex) retained[expected[o]] += retained[o];
  for (let o = 0; o < g.nodeCount; o++) {
    assert.equal(g.dominator![o], expected[o], `${what}: dominator of node ${o}`);
    assert.equal(g.retainedSize![o], retained[o], `${what}: retained size of node ${o}`);
  }
}

test('random heaps: dominators and retained sizes equal the textbook computation', () => {
  const types = ['property', 'property', 'property', 'element', 'internal', 'hidden', 'context', 'weak', 'shortcut'];
  for (let seed = 1; seed <= 300; seed++) {
    const rand = rng(seed);
    const b = new SnapshotBuilder();
    const root = b.node('synthetic', '', 0);
    const size = 2 + Math.floor(rand() * 40);
    const nodes = [root];
    for (let i = 1; i < size; i++) nodes.push(b.obj(`C${i % 5}`, 1 + Math.floor(rand() * 100)));
    // a few user roots (shortcut edges from the root), GC-root-like element edges, random edges
    for (let k = 0; k < 1 + rand() * 3; k++) b.edge(root, nodes[1 + Math.floor(rand() * (size - 1))], rand() < 0.5 ? 'shortcut' : 'element', k);
    const m = Math.floor(rand() * size * 3);
    for (let k = 0; k < m; k++) {
      const from = nodes[Math.floor(rand() * size)];
      const type = types[Math.floor(rand() * types.length)];
      b.edge(from, nodes[1 + Math.floor(rand() * (size - 1))], type, type === 'element' || type === 'hidden' ? k : `p${k}`);
    }
    assertDominatorsExact(parseHeapSnapshot(b.toJSON()), `seed ${seed}`);
  }
});

test('a real snapshot: dominators and retained sizes equal the textbook computation', async () => {
  const file = join(dir, 'known.heapsnapshot');
  execFileSync(process.execPath, [join(fixtures, 'known-heap.js'), file]);
  assertDominatorsExact(await parseHeapSnapshotFile(file), 'known-heap');
});

test('a 200 000-long linked list: each node retains exactly the rest of the list', async () => {
  const file = join(dir, 'chain.heapsnapshot');
  const length = 200_000;
  const program = `
    class ChainLink { constructor(next, i) { this.next = next; this.i = i; } }
    let head = null;
    for (let i = 0; i < ${length}; i++) head = new ChainLink(head, i);
    globalThis.chainHead = head;
    require('v8').writeHeapSnapshot(${JSON.stringify(file)});`;
  execFileSync(process.execPath, ['-e', program]);
  const g = await parseHeapSnapshotFile(file);
  const summary = classSummary(g);
  const links = summary.find((c) => c.name === 'ChainLink')!;
  assert.equal(links.count, length);
  // the links hold small integers only: a link retains itself and every link after it
  const c = g.classNames!.indexOf('ChainLink');
  const self = links.selfSize / length;
  const byIndex = new Map<number, number>();
  const next = new Map<number, number>();
  for (let o = 0; o < g.nodeCount; o++) {
    if (g.classOf![o] !== c) continue;
    assert.equal(g.nodeSelfSize[o], self);
    for (let e = g.firstEdge[o]; e < g.firstEdge[o + 1]; e++) if (g.edgeNameText(e) === 'next' && g.classOf![g.edgeTo[e]] === c) next.set(o, g.edgeTo[e]);
  }
  // walk from the head (the link no other link points at), numbering by position
  const pointedAt = new Set(next.values());
  let o = [...next.keys()].find((x) => !pointedAt.has(x))!;
  for (let k = 0; k < length; k++) {
    byIndex.set(k, o);
    if (k > 0) assert.equal(g.dominator![o], byIndex.get(k - 1), `the dominator of link ${k} is link ${k - 1}`);
    o = next.get(o) ?? -1;
  }
  assert.equal(o, -1, 'the last link points at no link');
  // A link may also be the only holder of something else (here the shape of the newest link):
  // that, with what it holds, is in the link's retained size too; it is small.
  const extra = new Map<number, number>();
  for (let x = 0; x < g.nodeCount; x++) {
    const d = g.dominator![x];
    if (g.classOf![x] !== c && g.classOf![d] === c) extra.set(d, (extra.get(d) ?? 0) + g.retainedSize![x]);
  }
  const extras = [...extra.values()].reduce((a, b) => a + b, 0);
  assert.ok(extras < 1000, `the links hold ${extras} bytes besides each other`);
  let rest = 0;
  for (let k = length - 1; k >= 0; k--) {
    const link = byIndex.get(k)!;
    rest += self + (extra.get(link) ?? 0);
    assert.equal(g.retainedSize![link], rest, `link ${k} from the head`);
  }
  assert.equal(links.retainedSize, length * self + extras);
});
