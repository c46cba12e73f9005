/**
 * Sections of a snapshot file that opening it does not need, left in the file and read from it
 * when first asked: the edge names (4 bytes per edge in memory, about a sixth of the file, read by
 * the queries about a few objects only) and `locations` (read by nothing the product shows). The
 * file stays open (so a file deleted or renamed since is still read); a file changed since is an
 * error when a section is read (its size or time changed, or the edges read do not match).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { EDGE_BLOCK, EdgeRole } from './edgeScan';
import { NumberArrayScanner, NumList } from './traceSections';

/** The open file the lazy sections are read from; closed with its graph (or when the graph is collected). */
export class SnapshotFile {
  private fd: number;
  private readonly size: number;
  private readonly mtimeMs: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    const st = fstatSync(this.fd);
    this.size = st.size;
    this.mtimeMs = st.mtimeMs;
    closer.register(this, this.fd, this);
  }

  /** A file changed since it was opened: reading it on would give another snapshot's data. */
  changed(): Error {
    return new Error(`${this.path} changed since it was opened (parts of it are read when first asked): open it again`);
  }

  /** The bytes [from, to) of the file. */
  read(from: number, to: number): Buffer {
    if (this.fd < 0) throw new Error(`${this.path} was closed with its snapshot`);
    const st = fstatSync(this.fd);
    if (st.size !== this.size || st.mtimeMs !== this.mtimeMs) throw this.changed();
    const buf = Buffer.allocUnsafe(to - from);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(this.fd, buf, got, buf.length - got, from + got);
      if (n === 0) throw this.changed();
      got += n;
    }
    return buf;
  }

  close(): void {
    if (this.fd < 0) return;
    closer.unregister(this);
    closeSync(this.fd);
    this.fd = -1;
  }
}

const closer = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
});

/** Where the edge names are in the file, from the edge scan. */
export interface EdgeNameSpots {
  /** offset where edge k × EDGE_BLOCK starts, per block */
  blockStarts: Float64Array;
  /** offset of the edges' closing "]" */
  end: number;
  /** `EdgeRole` per edge field */
  roles: number[];
  /** node fields (a `to_node` is an ordinal × this) */
  nodeFieldCount: number;
}

/** Blocks of names kept decoded (4 KiB each). */
const CACHED_BLOCKS = 256;

/** The names of a file's edges, read from it by blocks of EDGE_BLOCK edges. */
export class LazyEdgeNames {
  private readonly cache = new Map<number, Uint32Array>();

  constructor(
    private readonly file: SnapshotFile,
    private readonly spots: EdgeNameSpots,
    private readonly edgeType: Uint8Array,
    private readonly edgeTo: Uint32Array,
    private readonly edgeCount: number,
  ) {}

  /** The name (or element index) of edge `e`. */
  get(e: number): number {
    const k = Math.floor(e / EDGE_BLOCK);
    let block = this.cache.get(k);
    if (!block) {
      if (this.cache.size >= CACHED_BLOCKS) this.cache.clear();
      block = new Uint32Array(Math.min(EDGE_BLOCK, this.edgeCount - k * EDGE_BLOCK));
      this.readBlocks(k, k + 1, block, 0);
      this.cache.set(k, block);
    }
    return block[e - k * EDGE_BLOCK];
  }

  /** Every edge's name, read from the file in one go. */
  all(): Uint32Array {
    const out = new Uint32Array(this.edgeCount);
    const blocks = Math.ceil(this.edgeCount / EDGE_BLOCK);
    // about 1 MiB of text per read
    for (let k = 0; k < blocks; k += 64) this.readBlocks(k, Math.min(blocks, k + 64), out, k * EDGE_BLOCK);
    return out;
  }

  /** Reads the names of blocks [k0, k1) into `out` from `at`; checks each edge's type and target against the graph's. */
  private readBlocks(k0: number, k1: number, out: Uint32Array, at: number): void {
    const { blockStarts, end, roles, nodeFieldCount: F } = this.spots;
    const blocks = Math.ceil(this.edgeCount / EDGE_BLOCK);
    const from = blockStarts[k0];
    const to = k1 < blocks ? blockStarts[k1] : end;
    const buf = this.file.read(from, to);
    const EF = roles.length;
    const types = this.edgeType;
    const tos = this.edgeTo;
    let e = k0 * EDGE_BLOCK;
    const last = Math.min(this.edgeCount, k1 * EDGE_BLOCK);
    let f = 0;
    let num = 0;
    let inNum = false;
    for (let i = 0; i <= buf.length && e < last; i++) {
      const c = i < buf.length ? buf[i] : 44;
      if (c >= 48 && c <= 57) {
        num = num * 10 + (c - 48);
        inNum = true;
        continue;
      }
      if (!inNum) continue;
      const role = roles[f];
      if (role === EdgeRole.Name) out[at + e - k0 * EDGE_BLOCK] = num;
      else if ((role === EdgeRole.Type && num !== types[e]) || (role === EdgeRole.ToNode && num !== tos[e] * F)) throw this.file.changed();
      num = 0;
      inNum = false;
      if (++f === EF) {
        f = 0;
        e++;
      }
    }
    if (e !== last) throw this.file.changed();
  }
}

/** The `locations` array read from [start, end] (its "[" and "]") of the file, as the parser keeps it. */
export function readLocations(file: SnapshotFile, start: number, end: number): Int32Array | Float64Array {
  const list = new NumList(true, true);
  const scan = new NumberArrayScanner('locations', list);
  scan.scan(file.read(start + 1, end + 1), 0, start + 1);
  if (!scan.done) throw file.changed();
  return list.toArray();
}
