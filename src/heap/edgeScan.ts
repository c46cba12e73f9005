/**
 * The scanner of the `edges` array of a heap snapshot, shared by the streaming parser (in its
 * thread) and the parse worker (`parseWorker.ts`, which parses the edges of a *file* on the
 * second core while the parser's thread does the nodes and strings). One code path for both, so
 * results and errors (message and byte offset) are the same whichever thread scanned.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { HeapSnapshotError } from './errors';
import type { DistancesInProgress } from './distances';
import { describe, digitsValue, MAX_U32 } from './snapshotText';

export { MAX_U32 };

export const enum EdgeRole {
  Ignore,
  Type,
  Name,
  ToNode,
}

/** What the edge scan needs from the header (all plain data: it crosses to the worker). */
export interface EdgeLayout {
  /** `EdgeRole` per edge field. */
  roles: number[];
  /** Node field count (to_node indexes are ordinal × this). */
  nodeFieldCount: number;
  /** Number of edge types in meta. */
  edgeTypeCount: number;
  /** Node count (the nodes array holds exactly this many once the scan of edges starts). */
  nodeCount: number;
  /** Edges the nodes announce (= snapshot.edge_count, checked before the edges are scanned). */
  total: number;
  /** The root's ordinal and the weak and shortcut edge types (-1: none), for the page objects. */
  rootIndex: number;
  weakType: number;
  shortcutType: number;
  /**
   * Leave the names in the text (`EdgeScanner.lazyNames`): only where each 1024th edge starts is
   * noted (a file's edge names are read from it when asked, see lazySections.ts).
   */
  lazyNames?: boolean;
  /** The edge types whose `name_or_index` is an element index, not a string (element, hidden); none if not given. */
  indexNameTypes?: number[];
}

/** Edges per block of lazily read edge names: the scan notes where each block starts. */
export const EDGE_BLOCK = 1024;

/**
 * Incremental scan of the edges array (after its "["): feed it chunks with `scan`; `done` once
 * the closing "]" is consumed. The arrays start at the capacity given (the announced total when
 * the input size allows it) and double up to the total when it is short (streams of unknown
 * size); one more edge is an error.
 */
export class EdgeScanner {
  num = 0;
  inNum = false;
  field = 0;
  count = 0;
  /** the largest name of an edge whose name is a string index (not of an `indexNameTypes` edge) */
  maxName = 0;
  done = false;
  /** the name of the edge being read (the general loop, across chunks) */
  private name = 0;
  /** 1 per edge type whose name is an element index */
  private readonly nameIsIndex: Uint8Array;
  types: Uint8Array;
  /** the names; with `lazyNames`, the same array as `tos` (a name is written, then its edge's target over it) */
  names: Uint32Array;
  tos: Uint32Array;
  /** names left in the text: `blockStarts[k]` is the input offset where edge k × EDGE_BLOCK starts */
  readonly lazyNames: boolean;
  blockStarts: Float64Array | null = null;
  private readonly roles: Uint8Array;
  /** the usual layout [type, name_or_index, to_node]: whole edges take a specialised loop */
  private readonly usual: boolean;
  /** edge count and largest name to and from `scanUsualEdges` */
  private readonly fast = new Float64Array(2);

  constructor(
    private readonly layout: EdgeLayout,
    cap: number,
    /** `types` and `tos` in SharedArrayBuffers (see `EdgeFileJob.sharedEdges`) */
    private readonly shared = false,
  ) {
    this.roles = Uint8Array.from(layout.roles);
    this.usual = layout.roles.length === 3 && layout.roles[0] === EdgeRole.Type && layout.roles[1] === EdgeRole.Name && layout.roles[2] === EdgeRole.ToNode;
    this.nameIsIndex = new Uint8Array(256);
    for (const t of layout.indexNameTypes ?? []) if (t >= 0 && t < 256) this.nameIsIndex[t] = 1;
    this.types = new Uint8Array(this.buffer(cap));
    this.tos = new Uint32Array(this.buffer(4 * cap));
    // (lazily only when the target comes after the name in each edge, as in V8's layout, and the
    // arrays hold every edge from the start: the arrays never grow)
    this.lazyNames = !!layout.lazyNames && cap === layout.total && layout.roles.indexOf(EdgeRole.Name) < layout.roles.indexOf(EdgeRole.ToNode);
    this.names = this.lazyNames ? this.tos : new Uint32Array(cap);
    if (this.lazyNames) this.blockStarts = new Float64Array(Math.ceil(cap / EDGE_BLOCK) + 1);
  }

  private buffer(bytes: number): ArrayBufferLike {
    return this.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  }

  private err(problem: string, at: number): never {
    throw new HeapSnapshotError(problem, at);
  }

  /** More room (doubling, up to the announced total); an error when the total is reached. */
  private more(at: number): void {
    const total = this.layout.total;
    const cap0 = this.types.length;
    if (cap0 >= total) this.err(`the edges array holds more than the ${total} edges the nodes announce`, at);
    const cap = Math.min(total, Math.max(1024, cap0 * 2));
    const t = new Uint8Array(this.buffer(cap));
    t.set(this.types);
    const nm = new Uint32Array(cap);
    nm.set(this.names);
    const to = new Uint32Array(this.buffer(4 * cap));
    to.set(this.tos);
    this.types = t;
    this.names = nm;
    this.tos = to;
  }

  /**
   * Scans `buf` from `start`; `base` is the input offset of `buf[0]` (for error offsets).
   * Returns where it stopped: `buf.length`, or just after the closing "]" (then `done`).
   */
  scan(buf: Uint8Array, start: number, base: number): number {
    const len = buf.length;
    const roles = this.roles;
    const EF = roles.length;
    const { nodeFieldCount: F, edgeTypeCount: nTypes, nodeCount } = this.layout;
    const usual = this.usual;
    let num = this.num;
    let inNum = this.inNum;
    let f = this.field;
    let e = this.count;
    let cap = this.types.length;
    let types = this.types;
    let names = this.names;
    let tos = this.tos;
    let maxName = this.maxName;
    const blockStarts = this.blockStarts;
    let i = start;
    while (i < len) {
      if (usual && f === 0 && !inNum && e < cap) {
        // whole edges in their own small function (optimised apart from this loop)
        const st = this.fast;
        st[0] = e;
        st[1] = maxName;
        i = scanUsualEdges(buf, i, st, types, names, tos, F, nTypes, nodeCount, base, blockStarts, this.nameIsIndex);
        e = st[0];
        maxName = st[1];
        if (i >= len) break;
      }
      let c = buf[i];
      if (inNum || (c >= 48 && c <= 57)) {
        // one whole number in a tight loop (it may have begun in the previous chunk)
        if (!inNum) {
          if (f === 0 && blockStarts !== null && e % EDGE_BLOCK === 0 && e < cap) blockStarts[e / EDGE_BLOCK] = base + i;
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
        if (e === cap) {
          this.more(base + i);
          cap = this.types.length;
          types = this.types;
          names = this.names;
          tos = this.tos;
        }
        if (num > MAX_U32) this.err(`number ${num} in edges is too large`, base + i);
        const role = roles[f];
        if (role === EdgeRole.ToNode) {
          const o = num / F;
          if (o >= nodeCount || o !== Math.floor(o)) {
            this.err(`edge ${e} points to node index ${num}, outside the nodes (${nodeCount} nodes of ${F} fields)`, base + i);
          }
          tos[e] = o;
        } else if (role === EdgeRole.Type) {
          if (num >= nTypes) this.err(`edge ${e} has type ${num} but meta lists ${nTypes} edge types`, base + i);
          types[e] = num;
        } else if (role === EdgeRole.Name) {
          names[e] = num;
          this.name = num;
        }
        num = 0;
        if (++f === EF) {
          if (this.name > maxName && this.nameIsIndex[types[e]] === 0) maxName = this.name;
          f = 0;
          e++;
        }
      }
      if (c === 44 || c === 32 || c === 10 || c === 13 || c === 9) {
        i++;
        continue;
      }
      if (c === 93) {
        if (f !== 0) this.err(`the edges array ends inside an edge (${f} of ${EF} fields)`, base + i);
        const total = this.layout.total;
        if (e !== total) this.err(`the nodes announce ${total} edges but the edges array holds ${e}`, base + i);
        this.done = true;
        i++;
        break;
      }
      this.err(`unexpected ${describe(c)} in the edges array`, base + i);
    }
    this.num = num;
    this.inNum = inNum;
    this.field = f;
    this.count = e;
    this.maxName = maxName;
    return i;
  }
}

/**
 * Whole edges "type,name,to" followed by separators, from `i`, committed one edge at a time while
 * `st[0]` (the edge count) is below the capacity. Anything else (other separators inside an
 * edge, the chunk's end, a value to reject) stops before that edge: the general loop takes it
 * (and reports any error). Returns where it stopped; updates `st` = [edge count, largest name].
 */
function scanUsualEdges(
  buf: Uint8Array,
  i: number,
  st: Float64Array,
  types: Uint8Array,
  names: Uint32Array,
  tos: Uint32Array,
  F: number,
  nTypes: number,
  nodeCount: number,
  base: number,
  blockStarts: Float64Array | null,
  nameIsIndex: Uint8Array,
): number {
  const len = buf.length;
  const cap = types.length;
  let e = st[0];
  let maxName = st[1];
  while (e < cap && i < len) {
    // (where a block of lazily read names starts; an edge left to the general loop is noted again there, alike)
    if (blockStarts !== null && (e & (EDGE_BLOCK - 1)) === 0) blockStarts[e / EDGE_BLOCK] = base + i;
    let j = i;
    let c = buf[j];
    if (c < 48 || c > 57) break;
    // digits accumulate as int32 (no float multiply-add chain); past 9 digits, read again exactly
    let a = c - 48;
    while (++j < len && (c = buf[j]) >= 48 && c <= 57) a = (a * 10 + (c - 48)) | 0;
    if (j - i > 9) a = digitsValue(buf, i, j);
    if (c !== 44 || j + 1 >= len) break;
    let j0 = ++j;
    c = buf[j];
    if (c < 48 || c > 57) break;
    let b = c - 48;
    while (++j < len && (c = buf[j]) >= 48 && c <= 57) b = (b * 10 + (c - 48)) | 0;
    if (j - j0 > 9) b = digitsValue(buf, j0, j);
    if (c !== 44 || j + 1 >= len) break;
    j0 = ++j;
    c = buf[j];
    if (c < 48 || c > 57) break;
    let t = c - 48;
    while (++j < len && (c = buf[j]) >= 48 && c <= 57) t = (t * 10 + (c - 48)) | 0;
    if (j - j0 > 9) t = digitsValue(buf, j0, j);
    if (j >= len) break; // the number may go on in the next chunk
    if (a >= nTypes || b > MAX_U32 || t > MAX_U32) break;
    const o = t / F;
    if (o >= nodeCount || o !== Math.floor(o)) break;
    types[e] = a;
    names[e] = b;
    if (b > maxName && nameIsIndex[a] === 0) maxName = b;
    tos[e] = o;
    e++;
    while (c === 44 || c === 10 || c === 32 || c === 13 || c === 9) {
      if (++j >= len) break;
      c = buf[j];
    }
    i = j;
  }
  st[0] = e;
  st[1] = maxName;
  return i;
}

/** @internal (tests) Jumps over the nodes while finding the edges, and searches started over after one. */
export const edgeSearchStats = { jumps: 0, retries: 0 };

/** 80 % of the nodes array's length in bytes, guessed from the numbers in its first chunk. */
function nodesLengthGuess(first: Uint8Array, layout: EdgeLayout): number {
  let commas = 1;
  for (let i = 0; i < first.length; i++) if (first[i] === 44) commas++;
  return Math.floor(0.8 * layout.nodeCount * layout.nodeFieldCount * (first.length / commas));
}

/**
 * Where the next top-level key starts after a value ending at `from` - 1: past spaces, one ","
 * and spaces (within 4 KiB); -1 if something else comes first.
 */
async function nextKeyAfter(fh: FileHandle, from: number): Promise<number> {
  const b = Buffer.alloc(4096);
  const { bytesRead } = await fh.read(b, 0, b.length, from);
  let comma = false;
  for (let i = 0; i < bytesRead; i++) {
    const c = b[i];
    if (SP(c)) continue;
    if (c === 44 && !comma) comma = true;
    else return comma ? from + i : -1;
  }
  return -1;
}

/** The outcome of scanning the edges of a file (in the parse worker, or replayed in the parser's thread). */
export type EdgeFileResult =
  /** `start`: offset of the edges' "["; `end`: offset of their "]" */
  /**
   * `nextKey`: offset of what follows the edges' "]", a "," and any spaces (the next key's quote
   * in a well-formed file), or -1; `pageFlags`: the page objects, when the parse worker marked them (see parseWorker.ts)
   */
  | {
      kind: 'ok';
      start: number;
      end: number;
      nextKey: number;
      count: number;
      maxName: number;
      types: Uint8Array;
      names: Uint32Array;
      tos: Uint32Array;
      /** the edge names left in the file (`EdgeLayout.lazyNames`): where each block of them starts, else null */
      blockStarts: Float64Array | null;
      pageFlags?: Uint8Array | null;
      /** the distances the parse worker walks after sending this (`EdgeFileJob.sharedEdges`) */
      distances?: DistancesInProgress | null;
    }
  | { kind: 'error'; start: number; problem: string; offset: number }
  /** the file ends inside the edges array */
  | { kind: 'incomplete'; start: number }
  /** the edges do not follow the nodes directly, or their count cannot fit: left to the parser */
  | { kind: 'declined' };

export interface EdgeFileJob {
  path: string;
  totalBytes: number;
  layout: EdgeLayout;
  /**
   * Where to start: the offset of the nodes' "[" (`findEdges`: the edges' "[" is located after the
   * first "]", the end of a well-formed nodes array, then `, "edges" : [`), or of the edges' "[".
   */
  from: number;
  findEdges: boolean;
  chunkSize?: number;
  /**
   * The edge targets and types in SharedArrayBuffers: the parse worker goes on with them once it
   * has sent them (the distances, during the analyses: see parseWorker.ts).
   */
  sharedEdges?: boolean;
}

const SP = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;
const EDGES_KEY = Buffer.from('"edges"', 'latin1');

/** Scans the edges array of a snapshot file (see `EdgeFileJob`). Throws only on I/O failures. */
export async function scanEdgesOfFile(job: EdgeFileJob, fhIn?: FileHandle, jump = true): Promise<EdgeFileResult> {
  const fh = fhIn ?? (await open(job.path, 'r'));
  const size = job.chunkSize ?? 1 << 20;
  let cur = Buffer.allocUnsafe(size);
  let next = Buffer.allocUnsafe(size);
  let pending: Promise<unknown> | null = null;
  try {
    let position = job.from + 1;
    let reading = fh.read(cur, 0, size, position);
    pending = reading;
    // offset of the edges' "[" once known; before that, what is being matched
    let start = job.findEdges ? -1 : job.from;
    let phase = job.findEdges ? 0 : 8; // 0 nodes, 1 ",", 2 key, 3 ":", 4 "[", 8 edges
    let keyAt = 0;
    let scanner: EdgeScanner | null = null;
    // Finding the edges: after the first chunk of nodes, the read jumps to 80 % of their estimated
    // length (the first "]" after any point inside the nodes is theirs); if what follows that "]"
    // is not the edges, the search starts over without the jump.
    let jumped = false;
    const declined = async (): Promise<EdgeFileResult> => {
      if (!jumped) return { kind: 'declined' };
      edgeSearchStats.retries++;
      return scanEdgesOfFile(job, fh, false);
    };
    for (;;) {
      const { bytesRead } = await reading;
      pending = null;
      if (bytesRead === 0) break;
      const base = position;
      position += bytesRead;
      reading = fh.read(next, 0, size, position);
      pending = reading;
      const buf = cur.subarray(0, bytesRead);
      const filled = cur;
      cur = next;
      next = filled;
      let i = 0;
      while (phase < 8 && i < bytesRead) {
        if (phase === 0) {
          const q = buf.indexOf(93, i);
          if (q < 0) i = bytesRead;
          else {
            i = q + 1;
            phase = 1;
          }
          continue;
        }
        const c = buf[i];
        if (phase === 2 && (keyAt > 0 || !SP(c))) {
          if (c !== EDGES_KEY[keyAt]) return await declined();
          i++;
          if (++keyAt === EDGES_KEY.length) phase = 3;
          continue;
        }
        if (SP(c)) {
          i++;
          continue;
        }
        if (phase === 1 && c === 44) phase = 2;
        else if (phase === 3 && c === 58) phase = 4;
        else if (phase === 4 && c === 91) {
          start = base + i;
          phase = 8;
        } else return await declined();
        i++;
      }
      if (phase === 0 && jump && !jumped && base === job.from + 1) {
        const target = base + nodesLengthGuess(buf, job.layout);
        if (target > position + size) {
          jumped = true;
          edgeSearchStats.jumps++;
          await reading;
          position = target;
          // into the buffer the next turn scans (`cur`, after the swap above)
          reading = fh.read(cur, 0, size, position);
          pending = reading;
        }
      }
      if (phase < 8) continue;
      if (!scanner) {
        const { total } = job.layout;
        // the parser rejects this input at the "[" (it checks the same): nothing to allocate for
        if (total * 2 * job.layout.roles.length > job.totalBytes - start) return { kind: 'declined' };
        scanner = new EdgeScanner(job.layout, total, job.sharedEdges);
      }
      try {
        const at = scanner.scan(buf, i, base);
        if (scanner.done) {
          const { count, maxName, types, names, tos } = scanner;
          const end = base + at - 1;
          const lazy = scanner.lazyNames;
          return {
            kind: 'ok',
            start,
            end,
            nextKey: await nextKeyAfter(fh, end + 1),
            count,
            maxName,
            types,
            names: lazy ? new Uint32Array(0) : names,
            tos,
            blockStarts: lazy ? scanner.blockStarts : null,
          };
        }
      } catch (e) {
        if (e instanceof HeapSnapshotError) return { kind: 'error', start, problem: e.problem, offset: e.offset };
        throw e;
      }
    }
    return phase === 8 ? { kind: 'incomplete', start } : await declined();
  } finally {
    if (pending) await pending.catch(() => undefined);
    if (!fhIn) await fh.close();
  }
}
