// The demo program `memory-profiler demo` profiles: a small web-shop simulation that leaks
// slowly. Orders are cached forever (the leak), sessions come and go (garbage), and a few
// reference cycles are made and dropped every tick.
'use strict';

class Order {
  constructor(id, items) {
    this.id = id;
    this.items = items;
    this.createdAt = new Date();
    this.note = `order #${id} with ${items.length} items`;
  }
}

class Session {
  constructor(user) {
    this.user = user;
    this.history = [];
    this.self = this; // a cycle, collected when the session ends
  }
}

class LineItem {
  constructor(sku, quantity) {
    this.sku = sku;
    this.quantity = quantity;
  }
}

const orderCache = new Map(); // never pruned: the leak
let sessions = [];
let nextOrder = 1;

function tick() {
  for (let i = 0; i < 20; i++) {
    const items = Array.from({ length: 1 + (i % 4) }, (_, k) => new LineItem(`SKU-${(i * 7 + k) % 97}`, 1 + k));
    const order = new Order(nextOrder++, items);
    orderCache.set(order.id, order);
  }
  sessions.push(new Session(`user${nextOrder % 50}`));
  if (sessions.length > 30) sessions = sessions.slice(10);
}

setInterval(tick, 500);
tick();
console.log(`demo shop running (pid ${process.pid}): leaking ~20 orders every 500 ms`);
