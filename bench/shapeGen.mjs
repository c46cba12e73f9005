// Heaps of particular shapes for the bench, written with v8.writeHeapSnapshot.
// usage: node bench/shapeGen.mjs <maps|chain|flat> <count> <out.heapsnapshot>
//   maps:  <count> invoices with line items, a Map cache of a third of them, pairs of objects
//          in reference cycles (a Map-heavy program's heap)
//   chain: one linked list <count> long
//   flat:  the same <count> objects in one array (what the chain is compared with)
import { writeHeapSnapshot } from 'node:v8';

const [shape, countArg, out] = process.argv.slice(2);
const count = Number(countArg);

class LineItem {
  constructor(sku, qty, price) {
    this.sku = sku;
    this.qty = qty;
    this.price = price;
  }
}
class Invoice {
  constructor(i) {
    this.id = i;
    this.customer = 'customer-' + (i % 5000);
    this.items = [];
    for (let k = 0; k < 1 + (i % 6); k++) this.items.push(new LineItem('sku-' + ((i * 7 + k) % 20000), 1 + k, (i % 100) + k / 4));
    this.total = this.items.reduce((s, it) => s + it.qty * it.price, 0);
  }
}
class Pair {
  constructor(i) {
    this.i = i;
    this.peer = null;
  }
}
class ChainLink {
  constructor(next, i) {
    this.next = next;
    this.i = i;
  }
}

if (shape === 'maps') {
  const invoices = [];
  const cache = new Map();
  const byCustomer = new Map();
  const pairs = [];
  for (let i = 0; i < count; i++) {
    const inv = new Invoice(i);
    invoices.push(inv);
    if (i % 3 === 0) cache.set('invoice-' + i, inv);
    let list = byCustomer.get(inv.customer);
    if (!list) byCustomer.set(inv.customer, (list = []));
    list.push(i);
    if (i % 4 === 0) {
      const a = new Pair(i);
      const b = new Pair(-i);
      a.peer = b;
      b.peer = a;
      pairs.push(a);
    }
  }
  globalThis.__bench = { invoices, cache, byCustomer, pairs };
} else if (shape === 'chain') {
  let head = null;
  for (let i = 0; i < count; i++) head = new ChainLink(head, i);
  globalThis.__bench = head;
} else if (shape === 'flat') {
  const list = [];
  for (let i = 0; i < count; i++) list.push(new ChainLink(null, i));
  globalThis.__bench = list;
} else {
  throw new Error(`unknown shape ${shape}`);
}
writeHeapSnapshot(out);
