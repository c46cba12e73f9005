// Builds a heap with many objects of diverse types and writes a heap snapshot.
// usage: node bench/heapGen.mjs <objects> <out.heapsnapshot>
import { writeHeapSnapshot } from 'node:v8';

const count = Number(process.argv[2]);
const out = process.argv[3];

class Item {
  constructor(i) {
    this.id = i;
    this.name = 'item-' + i;
    this.tags = [i & 7, i & 15, i & 31];
    this.point = { x: i, y: -i };
    this.parent = null;
  }
}
class Order {
  constructor(i, items) {
    this.i = i;
    this.items = items;
    this.total = i * 1.5;
  }
}
const keep = [];
const maps = [];
const closures = [];
let prev = null;
for (let i = 0; i < count; i++) {
  const it = new Item(i);
  if (i % 3 === 0) it.parent = prev; // chains
  prev = it;
  keep.push(it);
  if (i % 10 === 0)
    closures.push(
      (
        (k) => () =>
          k + i
      )(it),
    );
  if (i % 50 === 0) keep.push(new Order(i, keep.slice(-5)));
  if (i % 200 === 0) {
    const m = new Map();
    for (let k = 0; k < 10; k++) m.set('k' + k + '-' + i, { k, s: `v${k}` });
    maps.push(m);
  }
  if (i % 1000 === 0) keep.push(new Set([i, i + 1, 'x' + i]), new Uint8Array(64), /re\d+/g, Symbol('s' + i), BigInt(i) * 1000000000000n);
}
globalThis.__bench = { keep, maps, closures };
writeHeapSnapshot(out);
