/**
 * The small allocation-tracking sections: the flat number arrays `trace_function_infos`,
 * `locations` and `samples` (samples only counted), and the nested `trace_tree`, turned into the
 * graph's `TraceTree` (structure of arrays, parents as indexes).
 */
import { HeapSnapshotError } from './errors';
import type { TraceTree } from './graph';
import { describe } from './snapshotText';

/**
 * A growing list of numbers in fixed-size typed chunks (no JS array, no regrowth copies). With
 * `compact`, the chunks are `Int32Array`s as long as every number fits one (`locations`: half the
 * memory), and become `Float64Array`s at the first number that does not.
 */
export class NumList {
  private chunks: Array<Float64Array | Int32Array> = [];
  /** @internal the chunk being filled and the next index in it (the scanner writes there directly) */
  cur: Float64Array | Int32Array = new Float64Array(0);
  /** @internal */
  at = 0;
  /** @internal false while the chunks are `Int32Array`s */
  wide: boolean;
  length = 0;
  constructor(
    readonly keep: boolean,
    compact = false,
  ) {
    this.wide = !compact;
  }

  push(v: number): void {
    this.length++;
    if (!this.keep) return;
    if (!this.wide && (v | 0) !== v) this.widen();
    if (this.at === this.cur.length) {
      const size = Math.min(1 << 20, Math.max(1024, this.length * 2));
      this.cur = this.wide ? new Float64Array(size) : new Int32Array(size);
      this.chunks.push(this.cur);
      this.at = 0;
    }
    this.cur[this.at++] = v;
  }

  private widen(): void {
    this.wide = true;
    this.chunks = this.chunks.map((c) => Float64Array.from(c));
    if (this.chunks.length) this.cur = this.chunks[this.chunks.length - 1];
  }

  toArray(): Float64Array | Int32Array {
    if (this.chunks.length === 1 && this.at === this.cur.length) return this.cur;
    const out = this.wide ? new Float64Array(this.length) : new Int32Array(this.length);
    let k = 0;
    for (const c of this.chunks) {
      const take = Math.min(c.length, this.length - k);
      out.set(take === c.length ? c : c.subarray(0, take), k);
      k += take;
    }
    return out;
  }
}

/**
 * Incremental scan of a flat array of integers (`trace_function_infos`, `locations`, `samples`)
 * after its "[", into `list`; `done` once its "]" is consumed.
 */
export class NumberArrayScanner {
  done = false;
  private num = 0;
  private inNum = false;
  private neg = false;

  /** `key`: the array's key (for error messages). */
  constructor(
    private readonly key: string,
    readonly list: NumList,
  ) {}

  /**
   * Scans `buf` from `start`; `base` is the input offset of `buf[0]` (for error offsets).
   * Returns where it stopped: `buf.length`, or just after the closing "]" (then `done`).
   */
  scan(buf: Buffer, start: number, base: number): number {
    const len = buf.length;
    const list = this.list;
    // the state in locals for the loop (no closure over them: that would keep them in memory);
    // numbers go straight into the list's current chunk while they fit it (else through push)
    let num = this.num;
    let inNum = this.inNum;
    let neg = this.neg;
    let cur = list.cur;
    let at = list.at;
    let wide = list.wide;
    const keep = list.keep;
    let room = (1 << 26) - list.length + at; // the list's length limit, as a bound of `at`
    let i = start;
    let done = false;
    for (; i < len; i++) {
      let c = buf[i];
      if (c >= 48 && c <= 57) {
        // the digits in a tight loop (a number may have begun in the previous chunk)
        num = num * 10 + (c - 48);
        while (++i < len && (c = buf[i]) >= 48 && c <= 57) num = num * 10 + (c - 48);
        inNum = true;
        if (i === len) break;
      }
      if (c === 45 && !inNum && !neg) {
        neg = true;
        continue;
      }
      if (inNum) {
        const v = neg ? -num : num;
        if (keep && at < cur.length && at < room && (wide || (v | 0) === v)) {
          cur[at++] = v;
        } else {
          list.length += at - list.at;
          list.at = at;
          list.push(v);
          if (list.length > 1 << 26) throw new HeapSnapshotError(`"${this.key}" is too long`, base + i);
          cur = list.cur;
          at = list.at;
          wide = list.wide;
          room = (1 << 26) - list.length + at;
        }
        num = 0;
        inNum = false;
        neg = false;
      } else if (neg) throw new HeapSnapshotError(`bad number in "${this.key}"`, base + i);
      if (c === 44 || c === 32 || c === 10 || c === 13 || c === 9) continue;
      if (c === 93) {
        done = true;
        i++;
        break;
      }
      throw new HeapSnapshotError(`unexpected ${describe(c)} in "${this.key}"`, base + i);
    }
    this.num = num;
    this.inNum = inNum;
    this.neg = neg;
    list.length += at - list.at;
    list.at = at;
    this.done = done;
    return i;
  }
}

/**
 * Incremental scan of `trace_tree` after its "[": nested [id, function_info_index, count, size,
 * [children…], …] (the fields as meta.trace_node_fields orders them); `done` once its "]" is
 * consumed.
 */
export class TraceTreeScanner {
  done = false;
  private readonly tree: { id: number[]; fn: number[]; count: number[]; size: number[]; parent: number[] } = { id: [], fn: [], count: [], size: [], parent: [] };
  private readonly roles: number[];
  private stack: number[] = [-1];
  private depth = 1;
  private row: number[] = [];
  private num = 0;
  private inNum = false;

  /** `fields`: meta.trace_node_fields; `at`: the input offset of the "[" (for its error). */
  constructor(fields: string[], at: number) {
    const ci = fields.indexOf('children');
    if (ci < 0 || ci !== fields.length - 1) throw new HeapSnapshotError('meta.trace_node_fields must end with "children"', at);
    const roles: Record<string, number> = { id: 1, function_info_index: 2, count: 3, size: 4 };
    this.roles = fields.slice(0, -1).map((f) => roles[f] ?? 0);
  }

  /**
   * Scans `buf` from `start`; `base` is the input offset of `buf[0]` (for error offsets).
   * Returns where it stopped: `buf.length`, or just after the closing "]" (then `done`).
   */
  scan(buf: Buffer, start: number, base: number): number {
    const len = buf.length;
    const t = this.tree;
    const roles = this.roles;
    const W = roles.length;
    let i = start;
    for (; i < len; i++) {
      const c = buf[i];
      if (c >= 48 && c <= 57) {
        this.num = this.num * 10 + (c - 48);
        this.inNum = true;
        continue;
      }
      if (this.inNum) {
        this.row.push(this.num);
        this.num = 0;
        this.inNum = false;
        if (this.row.length > W) throw new HeapSnapshotError('a trace_tree node has too many fields', base + i);
      }
      if (c === 44 || c === 32 || c === 10 || c === 13 || c === 9) continue;
      if (c === 91) {
        // children of the node just read
        if (this.row.length !== W) throw new HeapSnapshotError('a trace_tree node lacks fields before its children', base + i);
        const idx = t.id.length;
        const row = this.row;
        let id = 0,
          fn = 0,
          count = 0,
          size = 0;
        for (let k = 0; k < W; k++) {
          const r = roles[k];
          if (r === 1) id = row[k];
          else if (r === 2) fn = row[k];
          else if (r === 3) count = row[k];
          else if (r === 4) size = row[k];
        }
        t.id.push(id);
        t.fn.push(fn);
        t.count.push(count);
        t.size.push(size);
        t.parent.push(this.stack[this.stack.length - 1]);
        if (t.id.length > 1 << 24) throw new HeapSnapshotError('trace_tree is too large', base + i);
        this.stack.push(idx);
        this.row = [];
        this.depth++;
        continue;
      }
      if (c === 93) {
        if (this.row.length !== 0) throw new HeapSnapshotError('a trace_tree node lacks its children array', base + i);
        this.stack.pop();
        if (--this.depth === 0) {
          this.done = true;
          return i + 1;
        }
        continue;
      }
      throw new HeapSnapshotError(`unexpected ${describe(c)} in "trace_tree"`, base + i);
    }
    return i;
  }

  /** The tree read, as typed arrays; null when it has no node. */
  result(): TraceTree | null {
    const t = this.tree;
    if (!t.id.length) return null;
    return {
      id: Uint32Array.from(t.id),
      functionInfo: Uint32Array.from(t.fn),
      count: Float64Array.from(t.count),
      size: Float64Array.from(t.size),
      parent: Int32Array.from(t.parent),
    };
  }
}
