/**
 * The scanner of the `nodes` array of a heap snapshot: numbers straight into one typed array per
 * field (node types as bytes, `firstEdge` from the running sum of edge counts), whole rows of the
 * usual layouts through a specialised loop (`scanUsualNodes`), everything else (and every error)
 * through the general loop.
 */
import { HeapSnapshotError } from './errors';
import { NodeRole } from './snapshotHeader';
import { describe, digitsValue, MAX_U32 } from './snapshotText';

/**
 * Incremental scan of the nodes array (after its "["): feed it chunks with `scan`; `done` once the
 * closing "]" is consumed. The arrays start at the capacity given (the announced count when the
 * input size allows it) and double up to that count when it is short (streams of unknown size);
 * one more node is an error. The arrays may be longer than `count` (the parser trims them).
 */
export class NodeScanner {
  num = 0;
  inNum = false;
  field = 0;
  count = 0;
  maxName = 0;
  done = false;
  cap = 0;
  types = new Uint8Array(0);
  names = new Uint32Array(0);
  ids = new Uint32Array(0);
  selfs: Uint32Array | Float64Array = new Uint32Array(0);
  firstEdge: Uint32Array = new Uint32Array(1);
  /** made at the first non-zero trace id */
  trace: Uint32Array | null = null;
  /** made at the first non-zero detachedness */
  detached: Uint8Array | null = null;
  /** the usual layouts (type, name, id, self_size, edge_count[, trace_node_id[, detachedness]]): whole nodes take a specialised loop */
  private readonly usual: boolean;
  /** one node's fields, scratch of `scanUsualNodes` */
  private readonly row: Float64Array;
  /** node count and largest name to and from `scanUsualNodes` */
  private readonly fast = new Float64Array(2);

  /**
   * `total`: snapshot.node_count; `nTypes`: node types in meta; `cap`: initial capacity;
   * `sharedFirstEdge`: `firstEdge` in a SharedArrayBuffer (the parse worker reads it too).
   */
  constructor(
    private readonly roles: Uint8Array,
    private readonly nTypes: number,
    private readonly total: number,
    cap: number,
    private readonly sharedFirstEdge = false,
  ) {
    const F = roles.length;
    let usual = F >= 5 && F <= 7;
    for (let k = 0; usual && k < F; k++) usual = roles[k] === k + 1;
    this.usual = usual;
    this.row = new Float64Array(F);
    this.setCap(cap);
  }

  private setCap(cap: number): void {
    const grow = <T extends Uint8Array | Uint32Array | Float64Array>(a: T, n: number, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a.subarray(0, Math.min(a.length, n)) as never);
      return b;
    };
    this.types = grow(this.types, cap, (n) => new Uint8Array(n));
    this.names = grow(this.names, cap, (n) => new Uint32Array(n));
    this.ids = grow(this.ids, cap, (n) => new Uint32Array(n));
    this.selfs = this.selfs instanceof Float64Array ? grow(this.selfs, cap, (n) => new Float64Array(n)) : grow(this.selfs, cap, (n) => new Uint32Array(n));
    this.firstEdge = grow(this.firstEdge, cap + 1, (n) => new Uint32Array(this.sharedFirstEdge ? new SharedArrayBuffer(4 * n) : new ArrayBuffer(4 * n)));
    if (this.trace) this.trace = grow(this.trace, cap, (n) => new Uint32Array(n));
    if (this.detached) this.detached = grow(this.detached, cap, (n) => new Uint8Array(n));
    this.cap = cap;
  }

  /** More room (doubling, up to the announced count); an error when that count is reached. */
  private more(at: number): void {
    if (this.cap >= this.total) throw new HeapSnapshotError(`the nodes array holds more than snapshot.node_count = ${this.total} nodes`, at);
    this.setCap(Math.min(this.total, Math.max(1024, this.cap * 2)));
  }

  private err(problem: string, at: number): never {
    throw new HeapSnapshotError(problem, at);
  }

  /**
   * Scans `buf` from `start`; `base` is the input offset of `buf[0]` (for error offsets).
   * Returns where it stopped: `buf.length`, or just after the closing "]" (then `done`).
   */
  scan(buf: Uint8Array, start: number, base: number): number {
    const len = buf.length;
    const roles = this.roles;
    const F = roles.length;
    const nTypes = this.nTypes;
    let num = this.num;
    let inNum = this.inNum;
    let f = this.field;
    let n = this.count;
    let cap = this.cap;
    let types = this.types;
    let names = this.names;
    let ids = this.ids;
    let selfs = this.selfs;
    let first = this.firstEdge;
    let maxName = this.maxName;
    const usual = this.usual;
    const row = this.row;
    const fast = this.fast;
    let i = start;
    while (i < len) {
      if (usual && f === 0 && !inNum && n < cap) {
        // whole nodes in their own small function (optimised apart from this loop)
        fast[0] = n;
        fast[1] = maxName;
        i = scanUsualNodes(buf, i, fast, row, cap, nTypes, types, names, ids, selfs, first, this.trace, this.detached);
        n = fast[0];
        maxName = fast[1];
        if (i >= len) break;
      }
      let c = buf[i];
      if (inNum || (c >= 48 && c <= 57)) {
        // one whole number in a tight loop (it may have begun in the previous chunk)
        if (!inNum) {
          num = c - 48;
          i++;
        }
        while (i < len) {
          c = buf[i];
          if (c < 48 || c > 57) break;
          num = num * 10 + (c - 48);
          i++;
        }
        if (i === len) {
          inNum = true;
          break;
        }
        inNum = false;
        if (n === cap) {
          this.more(base + i);
          cap = this.cap;
          types = this.types;
          names = this.names;
          ids = this.ids;
          selfs = this.selfs;
          first = this.firstEdge;
        }
        const role = roles[f];
        if (num > MAX_U32 && role !== NodeRole.SelfSize) this.err(`number ${num} in nodes is too large`, base + i);
        switch (role) {
          case NodeRole.Type:
            if (num >= nTypes) this.err(`node ${n} has type ${num} but meta lists ${nTypes} node types`, base + i);
            types[n] = num;
            break;
          case NodeRole.Name:
            names[n] = num;
            if (num > maxName) maxName = num;
            break;
          case NodeRole.Id:
            ids[n] = num;
            break;
          case NodeRole.SelfSize:
            if (num > MAX_U32) {
              if (num > 9007199254740991) this.err(`self_size ${num} of node ${n} is too large`, base + i);
              if (!(selfs instanceof Float64Array)) this.selfs = selfs = Float64Array.from(selfs);
            }
            selfs[n] = num;
            break;
          case NodeRole.EdgeCount: {
            const next = first[n] + num;
            if (next > MAX_U32) this.err('the edge counts of the nodes add up to more than 2^32', base + i);
            first[n + 1] = next;
            break;
          }
          case NodeRole.TraceId:
            if (num !== 0) {
              if (!this.trace) this.trace = new Uint32Array(cap);
              this.trace[n] = num;
            }
            break;
          case NodeRole.Detachedness:
            if (num !== 0) {
              if (!this.detached) this.detached = new Uint8Array(cap);
              this.detached[n] = num > 255 ? 255 : num;
            }
            break;
        }
        num = 0;
        if (++f === F) {
          f = 0;
          n++;
        }
      }
      if (c === 44 || c === 32 || c === 10 || c === 13 || c === 9) {
        i++;
        continue;
      }
      if (c === 93) {
        if (f !== 0) this.err(`the nodes array ends inside a node (${f} of ${F} fields)`, base + i);
        if (n !== this.total) this.err(`snapshot.node_count is ${this.total} but the nodes array holds ${n} nodes`, base + i);
        this.done = true;
        i++;
        break;
      }
      this.err(`unexpected ${describe(c)} in the nodes array`, base + i);
    }
    this.num = num;
    this.inNum = inNum;
    this.field = f;
    this.count = n;
    this.maxName = maxName;
    return i;
  }
}

/**
 * Whole nodes "a,b,c,…" of the usual layouts (type, name, id, self_size, edge_count[,
 * trace_node_id[, detachedness]], F = row.length) followed by separators, from `i`, committed one
 * node at a time while `st[0]` (the node count) is below `cap`. Anything else (other separators
 * inside a node, the chunk's end, a value to reject, a first non-zero trace id or detachedness, a
 * self size above 2^32) stops before that node: the general loop takes it (and reports any
 * error). Returns where it stopped; updates `st` = [node count, largest name].
 */
function scanUsualNodes(
  buf: Uint8Array,
  i: number,
  st: Float64Array,
  row: Float64Array,
  cap: number,
  nTypes: number,
  types: Uint8Array,
  names: Uint32Array,
  ids: Uint32Array,
  selfs: Uint32Array | Float64Array,
  first: Uint32Array,
  trace: Uint32Array | null,
  det: Uint8Array | null,
): number {
  const len = buf.length;
  const F = row.length;
  let n = st[0];
  let maxName = st[1];
  rows: while (n < cap && i < len) {
    let j = i;
    let c = 0;
    for (let k = 0; ;) {
      c = buf[j];
      if (c < 48 || c > 57) break rows;
      // int32 digits; past 9 digits, read again exactly (see scanUsualEdges)
      const j0 = j;
      let v = c - 48;
      while (++j < len && (c = buf[j]) >= 48 && c <= 57) v = (v * 10 + (c - 48)) | 0;
      row[k++] = j - j0 > 9 ? digitsValue(buf, j0, j) : v;
      if (j >= len) break rows; // the number may go on in the next chunk
      if (k === F) break;
      if (c !== 44 || ++j >= len) break rows;
    }
    const ty = row[0];
    const nm = row[1];
    const id = row[2];
    const ss = row[3];
    const ec = row[4];
    if (ty >= nTypes || nm > MAX_U32 || id > MAX_U32 || ss > MAX_U32 || ec > MAX_U32) break;
    const next = first[n] + ec;
    if (next > MAX_U32) break;
    const tr = F > 5 ? row[5] : 0;
    const dt = F > 6 ? row[6] : 0;
    if (tr !== 0 && (tr > MAX_U32 || !trace)) break;
    if (dt !== 0 && (dt > MAX_U32 || !det)) break;
    types[n] = ty;
    names[n] = nm;
    if (nm > maxName) maxName = nm;
    ids[n] = id;
    selfs[n] = ss;
    first[n + 1] = next;
    if (tr !== 0) trace![n] = tr;
    if (dt !== 0) det![n] = dt > 255 ? 255 : dt;
    n++;
    while (c === 44 || c === 10 || c === 32 || c === 13 || c === 9) {
      if (++j >= len) break;
      c = buf[j];
    }
    i = j;
  }
  st[0] = n;
  st[1] = maxName;
  return i;
}
