/**
 * The instances of one class, largest retained size first (ties in node order), for paging
 * through a class of millions. Sorted once per class with a stable radix sort on the retained
 * sizes (integers below 2^53: four 16-bit digits, the digits every instance shares skipped), in
 * typed arrays: on 12.7 M instances a comparison sort of a JavaScript array took tens of seconds
 * and ~100 MB more; the last class asked is kept, so that the next pages answer at once.
 */
import type { HeapGraph } from './graph';

const DIGIT_BITS = 16;
const DIGITS = 1 << DIGIT_BITS;
const TWO_32 = 2 ** 32;

const sorted = new WeakMap<HeapGraph, { classId: number; order: Uint32Array }>();

/** Node ordinals of class `classId`, largest retained size first, equal sizes in node order. */
export function instancesByRetainedSize(g: HeapGraph, classId: number): Uint32Array {
  const kept = sorted.get(g);
  if (kept?.classId === classId) return kept.order;
  const classOf = g.classOf!;
  const rs = g.retainedSize!;
  const n = g.nodeCount;
  let count = 0;
  for (let o = 0; o < n; o++) if (classOf[o] === classId) count++;
  let order: Uint32Array = new Uint32Array(count);
  for (let o = 0, k = 0; o < n; o++) if (classOf[o] === classId) order[k++] = o;
  if (count > 1) order = radixSortDescending(order, rs);
  sorted.set(g, { classId, order });
  return order;
}

/** `order` stably sorted by `key[order[i]]` descending (keys: non-negative integers below 2^53). */
function radixSortDescending(order: Uint32Array, key: Float64Array): Uint32Array {
  const count = order.length;
  // which 16-bit digits differ between the instances: the others need no pass
  let orLow = 0;
  let andLow = 0xffffffff;
  let orHigh = 0;
  let andHigh = 0xffffffff;
  for (let i = 0; i < count; i++) {
    const v = key[order[i]];
    // (ToUint32 of an integer is its low 32 bits)
    const low = v >>> 0;
    const high = v >= TWO_32 ? Math.floor(v / TWO_32) : 0;
    orLow |= low;
    andLow &= low;
    orHigh |= high;
    andHigh &= high;
  }
  const varies = [(orLow ^ andLow) & 0xffff, (orLow ^ andLow) >>> 16, (orHigh ^ andHigh) & 0xffff, (orHigh ^ andHigh) >>> 16];
  if (varies.every((v) => v === 0)) return order;
  let from: Uint32Array = order;
  let to: Uint32Array = new Uint32Array(count);
  const counts = new Uint32Array(DIGITS);
  for (let pass = 0; pass < 4; pass++) {
    if (varies[pass] === 0) continue;
    const high = pass >= 2;
    const shift = (pass & 1) * DIGIT_BITS;
    // descending: the largest digit first
    const digit = high
      ? (o: number): number => DIGITS - 1 - ((Math.floor(key[o] / TWO_32) >>> shift) & (DIGITS - 1))
      : (o: number): number => DIGITS - 1 - ((key[o] >>> shift) & (DIGITS - 1));
    counts.fill(0);
    for (let i = 0; i < count; i++) counts[digit(from[i])]++;
    for (let d = 0, sum = 0; d < DIGITS; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < count; i++) {
      const o = from[i];
      to[counts[digit(o)]++] = o;
    }
    const t = from;
    from = to;
    to = t;
  }
  return from;
}
