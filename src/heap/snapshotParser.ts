/**
 * `HeapSnapshotParser`: the streaming tokenizer of the snapshot's top-level object. It walks the
 * keys and hands each value to its section: the `snapshot` header (`valueCapture.ts`,
 * `snapshotHeader.ts`), `nodes` (`nodeScan.ts`), `edges` (`edgeScan.ts`, or skipped when the
 * parse worker scans them), `strings` (`stringTable.ts`), the trace sections
 * (`traceSections.ts`); unknown keys are skipped. `end()` checks the whole and builds the graph.
 */
import { EdgeScanner, type EdgeLayout } from './edgeScan';
import { HeapSnapshotError } from './errors';
import { HeapGraph, type HeapGraphData, type SnapshotMeta } from './graph';
import { NodeScanner } from './nodeScan';
import { readSnapshotHeader } from './snapshotHeader';
import { describe } from './snapshotText';
import { SnapshotStrings, StringTableScanner } from './stringTable';
import { NumberArrayScanner, NumList, TraceTreeScanner } from './traceSections';
import { ValueCapture } from './valueCapture';
import { LazyEdgeNames, readLocations, type SnapshotFile } from './lazySections';

const enum S {
  Start,
  KeyOrEnd,
  Key,
  Colon,
  Value,
  AfterValue,
  Done,
  Capture,
  Nodes,
  Edges,
  Strings,
  Numbers,
  Trace,
  SkipEdges,
}

/** Without a known input size, a header's counts are trusted only this far before arrays grow. */
const STREAM_NODE_CAP = 1 << 23;
const STREAM_EDGE_CAP = 1 << 25;
/** The largest first size of the strings' text store (strings that come early would ask for most of a file). */
const STRINGS_GUESS_MAX = 64 << 20;

export interface HeapSnapshotParserOptions {
  /** Total input size in bytes when known (a file): caps preallocation by what the input can hold. */
  totalBytes?: number;
  /** @internal The nodes' first-edge offsets in a SharedArrayBuffer (a file's parse worker reads them). */
  sharedFirstEdge?: boolean;
  /**
   * @internal The file being parsed, open: the edge names and `locations` are left in it and read
   * from it when first asked (see lazySections.ts).
   */
  file?: SnapshotFile;
}

/** Parses one snapshot: `write()` chunks in order, then `end()` returns the graph. */
export class HeapSnapshotParser {
  private state = S.Start;
  private pos = 0; // bytes consumed before the current chunk
  private readonly totalBytes: number | undefined;
  private readonly sharedFirstEdge: boolean;
  private readonly file: SnapshotFile | null;
  private textBuffer: Buffer | null = null;
  private key = '';
  private keyBytes: number[] = [];
  private expectKey = false;
  private seen = new Set<string>();
  // the section being scanned (one of them, by state)
  private capture: ValueCapture | null = null;
  private nodeScan: NodeScanner | null = null;
  private stringScan: StringTableScanner | null = null;
  private numberScan: NumberArrayScanner | null = null;
  private traceScan: TraceTreeScanner | null = null;
  // header
  private meta: SnapshotMeta | null = null;
  private headerNodeCount = 0;
  private headerEdgeCount = 0;
  private rootIndex = 0;
  private nodeRoles: Uint8Array = new Uint8Array(0);
  private edgeRoles: Uint8Array = new Uint8Array(0);
  // nodes (from the node scanner once done)
  private nodeType = new Uint8Array(0);
  private nodeName = new Uint32Array(0);
  private nodeId = new Uint32Array(0);
  private nodeSelf: Uint32Array | Float64Array = new Uint32Array(0);
  private firstEdge: Uint32Array = new Uint32Array(1);
  private nodeTrace: Uint32Array | null = null;
  private nodeDetached: Uint8Array | null = null;
  private nodeCount = -1;
  // edges (scanned by `edgeScan`, here or by the parse worker)
  private edgeScan: EdgeScanner | null = null;
  private edgeType: Uint8Array = new Uint8Array(0);
  private edgeName: Uint32Array = new Uint32Array(0);
  private edgeTo: Uint32Array = new Uint32Array(0);
  private edgeCount = -1;
  // edge names left in the file: where their blocks start, and the offset of the edges' "]"
  private edgeBlockStarts: Float64Array | null = null;
  private edgesEnd = -1;
  // `locations` left in the file: the offsets of its "[" and "]"
  private locationsStart = -1;
  private locationsEnd = -1;
  // strings
  private strings = SnapshotStrings.of([]);
  private stringsDone = false;
  // small number arrays
  private traceFunctionInfos: NumList | null = null;
  private locations: NumList | null = null;
  // largest name index seen in nodes and edges (end() checks them against the strings only when needed)
  private maxNodeName = 0;
  private maxEdgeName = 0;
  private failed: HeapSnapshotError | null = null;
  private pendingHigh = '';
  // parallel edges (parseHeapSnapshotFile): called at the nodes' "[", true = the edges are scanned elsewhere
  private edgesElsewhere: ((nodesStart: number, layout: EdgeLayout) => boolean) | null = null;
  private delegated = false;
  /** @internal offsets of the skipped edges array's "[" and "]" (-1 while unknown) */
  skippedEdgesStart = -1;
  /** @internal */
  skippedEdgesEnd = -1;

  constructor(options: HeapSnapshotParserOptions = {}) {
    this.totalBytes = options.totalBytes;
    this.sharedFirstEdge = options.sharedFirstEdge ?? false;
    this.file = options.file ?? null;
  }

  /** Bytes consumed so far. */
  get bytesRead(): number {
    return this.pos;
  }

  /** Feeds the next piece of the snapshot text. Throws `HeapSnapshotError` on bad input. */
  write(chunk: Uint8Array | string): void {
    if (this.failed) throw this.failed;
    if (typeof chunk === 'string') {
      // keep a high surrogate cut off from its pair for the next chunk
      if (this.pendingHigh) {
        chunk = this.pendingHigh + chunk;
        this.pendingHigh = '';
      }
      const last = chunk.charCodeAt(chunk.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        this.pendingHigh = chunk.slice(-1);
        chunk = chunk.slice(0, -1);
      }
    }
    const buf = typeof chunk === 'string' ? this.encode(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    try {
      this.scan(buf);
    } catch (e) {
      this.failed = e instanceof HeapSnapshotError ? e : new HeapSnapshotError(`internal parser failure: ${(e as Error)?.message ?? e}`, this.pos);
      throw this.failed;
    }
    this.pos += buf.length;
  }

  /**
   * A string chunk as UTF-8, in one reused buffer (a capture sends hundreds of ~100 KB chunks: a
   * new Buffer each would be garbage; nothing here keeps a chunk's bytes past its write).
   */
  private encode(chunk: string): Buffer {
    const most = 3 * chunk.length; // UTF-8 bytes per UTF-16 code unit, at most
    if (!this.textBuffer || this.textBuffer.length < most) this.textBuffer = Buffer.allocUnsafeSlow(Math.max(most, 64 << 10));
    return this.textBuffer.subarray(0, this.textBuffer.write(chunk, 0, 'utf8'));
  }

  /** Finishes the input, checks it is complete and consistent, and returns the graph. */
  end(): HeapGraph {
    if (this.failed) throw this.failed;
    if (this.pendingHigh) {
      const h = this.pendingHigh;
      this.pendingHigh = '';
      this.write(h);
    }
    const at = this.pos;
    const fail = (m: string) => {
      this.failed = new HeapSnapshotError(m, at);
      throw this.failed;
    };
    if (this.state !== S.Done) {
      if (this.state === S.Start && at === 0) fail('empty input');
      fail(`unexpected end of input${this.key ? ` inside "${this.key}"` : ''}; the snapshot is truncated`);
    }
    if (!this.meta) fail('no "snapshot" header with meta');
    if (this.nodeCount < 0) fail('no "nodes" array');
    if (this.edgeCount < 0) fail('no "edges" array');
    if (!this.stringsDone) fail('no "strings" array');
    const meta = this.meta!;
    const n = this.nodeCount;
    const ns = this.strings.length;
    // Every name must be a string index.
    // (the scans keep the largest index seen: the full checks only run when it is out of range)
    const names = this.nodeName;
    if (this.maxNodeName >= ns) {
      for (let i = 0; i < n; i++) {
        if (names[i] >= ns) fail(`node ${i} has name index ${names[i]} but there are ${ns} strings`);
      }
    }
    const F = meta.nodeFields.length;
    const lazyNames =
      this.file && this.edgeBlockStarts
        ? new LazyEdgeNames(
            this.file,
            { blockStarts: this.edgeBlockStarts, end: this.edgesEnd, roles: Array.from(this.edgeRoles), nodeFieldCount: F },
            this.edgeType,
            this.edgeTo,
            this.edgeCount,
          )
        : null;
    if (this.maxEdgeName >= ns) {
      const et = this.edgeType;
      const en = lazyNames ? lazyNames.all() : this.edgeName;
      const isIndexType = new Uint8Array(meta.edgeTypes.length);
      meta.edgeTypes.forEach((t, i) => (isIndexType[i] = t === 'element' || t === 'hidden' ? 1 : 0));
      for (let e = 0; e < this.edgeCount; e++) {
        if (!isIndexType[et[e]] && en[e] >= ns) fail(`edge ${e} has name index ${en[e]} but there are ${ns} strings`);
      }
    }
    const file = this.file;
    const [locStart, locEnd] = [this.locationsStart, this.locationsEnd];
    if (this.rootIndex >= n) fail(`root_index ${this.rootIndex} is outside the ${n} nodes`);
    const data: HeapGraphData = {
      meta,
      rootIndex: this.rootIndex,
      nodeCount: n,
      edgeCount: this.edgeCount,
      nodeType: this.nodeType.length === n ? this.nodeType : this.nodeType.slice(0, n),
      nodeName: this.nodeName.length === n ? this.nodeName : this.nodeName.slice(0, n),
      nodeId: this.nodeId.length === n ? this.nodeId : this.nodeId.slice(0, n),
      nodeSelfSize: this.nodeSelf.length === n ? this.nodeSelf : this.nodeSelf.slice(0, n),
      firstEdge: this.firstEdge.length === n + 1 ? this.firstEdge : this.firstEdge.slice(0, n + 1),
      nodeTraceId: this.nodeTrace ? (this.nodeTrace.length === n ? this.nodeTrace : this.nodeTrace.slice(0, n)) : null,
      nodeDetachedness: this.nodeDetached ? (this.nodeDetached.length === n ? this.nodeDetached : this.nodeDetached.slice(0, n)) : null,
      edgeType: this.edgeType,
      edgeName: lazyNames ? null : this.edgeName,
      lazyEdgeNames: lazyNames,
      edgeTo: this.edgeTo,
      strings: this.strings,
      traceFunctionInfos: this.traceFunctionInfos ? (this.traceFunctionInfos.toArray() as Float64Array) : null,
      traceTree: this.traceScan ? this.traceScan.result() : null,
      locations: file && locStart >= 0 ? null : this.locations ? this.locations.toArray() : null,
      lazyLocations: file && locStart >= 0 ? () => readLocations(file, locStart, locEnd) : null,
      file,
    };
    return new HeapGraph(data);
  }

  private err(problem: string, i: number): never {
    throw new HeapSnapshotError(problem, this.pos + i);
  }

  private scan(buf: Buffer): void {
    let i = 0;
    const len = buf.length;
    while (i < len) {
      switch (this.state) {
        case S.Nodes:
          i = this.scanNodes(buf, i);
          continue;
        case S.Edges:
          i = this.scanEdges(buf, i);
          continue;
        case S.SkipEdges: {
          // scanned elsewhere: the first "]" ends them (the scanner there rejects anything else before it)
          const q = buf.indexOf(93, i);
          if (q < 0) {
            i = len;
            continue;
          }
          this.skippedEdgesEnd = this.pos + q;
          this.state = S.AfterValue;
          i = q + 1;
          continue;
        }
        case S.Strings:
          i = this.scanStrings(buf, i);
          continue;
        case S.Numbers:
          i = this.scanNumbers(buf, i);
          continue;
        case S.Trace:
          i = this.scanTrace(buf, i);
          continue;
        case S.Capture:
          i = this.scanCapture(buf, i);
          continue;
      }
      const c = buf[i];
      if (c === 32 || c === 10 || c === 13 || c === 9) {
        i++;
        continue;
      }
      switch (this.state) {
        case S.Start:
          if (i === 0 && this.pos === 0 && c === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
            i += 3; // UTF-8 byte order mark
            continue;
          }
          if (c !== 123) this.err(`expected "{" at the start of a heap snapshot, found ${describe(c)}`, i);
          this.state = S.KeyOrEnd;
          this.expectKey = false;
          i++;
          break;
        case S.KeyOrEnd:
          if (c === 125 && !this.expectKey) {
            this.state = S.Done;
          } else if (c === 34) {
            this.state = S.Key;
            this.keyBytes.length = 0;
          } else {
            this.err(`expected a key of the top-level object, found ${describe(c)}`, i);
          }
          i++;
          break;
        case S.Key: {
          const q = buf.indexOf(34, i);
          const end = q < 0 ? len : q;
          for (let j = i; j < end; j++) {
            this.keyBytes.push(buf[j]);
            if (this.keyBytes.length > 256) this.err('top-level key too long', j);
          }
          i = end;
          if (q >= 0) {
            this.key = Buffer.from(this.keyBytes).toString('utf8');
            if (this.seen.has(this.key)) this.err(`duplicate top-level key "${this.key}"`, i);
            this.seen.add(this.key);
            this.state = S.Colon;
            i++;
          }
          break;
        }
        case S.Colon:
          if (c !== 58) this.err(`expected ":" after key "${this.key}", found ${describe(c)}`, i);
          this.state = S.Value;
          i++;
          break;
        case S.Value:
          this.startValue(c, i);
          if ((this.state as S) !== S.Capture) i++;
          break;
        case S.AfterValue:
          if (c === 44) {
            this.state = S.KeyOrEnd;
            this.expectKey = true;
          } else if (c === 125) {
            this.state = S.Done;
          } else {
            this.err(`expected "," or "}" after the value of "${this.key}", found ${describe(c)}`, i);
          }
          this.key = '';
          i++;
          break;
        case S.Done:
          this.err(`unexpected ${describe(c)} after the end of the snapshot`, i);
      }
    }
  }

  private startValue(c: number, i: number): void {
    const key = this.key;
    const needArray = () => {
      if (c !== 91) this.err(`expected "[" to start "${key}", found ${describe(c)}`, i);
    };
    switch (key) {
      case 'snapshot':
        if (c !== 123) this.err(`expected "{" to start "snapshot", found ${describe(c)}`, i);
        this.beginCapture(true);
        return;
      case 'nodes':
        needArray();
        if (!this.meta) this.err('"nodes" comes before the "snapshot" header', i);
        this.allocNodes(i);
        this.state = S.Nodes;
        if (this.edgesElsewhere) this.delegated = this.edgesElsewhere(this.pos + i, this.edgeLayout());
        return;
      case 'edges':
        needArray();
        if (this.nodeCount < 0) this.err('"edges" comes before "nodes"', i);
        if (this.delegated) {
          this.checkEdgeCount(i);
          this.skippedEdgesStart = this.pos + i;
          this.state = S.SkipEdges;
          return;
        }
        this.allocEdges(i);
        this.state = S.Edges;
        return;
      case 'strings':
        needArray();
        // a file's rest bounds the array's text (V8 writes the strings last): the store is allocated
        // once, up to a size that any allocation can take (it doubles past that)
        this.stringScan = new StringTableScanner(this.totalBytes !== undefined ? Math.min(this.totalBytes - this.pos - i, STRINGS_GUESS_MAX) : undefined);
        this.state = S.Strings;
        return;
      case 'trace_function_infos':
      case 'locations':
      case 'samples': {
        needArray();
        // samples are not kept, only counted (for the length limit)
        // (with the file open, locations are left in it: only checked here, read when asked)
        const nums = new NumList(key !== 'samples' && !(key === 'locations' && this.file), key === 'locations');
        if (key === 'locations' && this.file) this.locationsStart = this.pos + i;
        if (key === 'trace_function_infos') this.traceFunctionInfos = nums;
        else if (key === 'locations') this.locations = nums;
        this.numberScan = new NumberArrayScanner(key, nums);
        this.state = S.Numbers;
        return;
      }
      case 'trace_tree':
        needArray();
        this.traceScan = new TraceTreeScanner(this.meta!.traceNodeFields, this.pos + i);
        this.state = S.Trace;
        return;
      default:
        this.beginCapture(false);
    }
  }

  // ---- generic values: the snapshot header (captured and JSON.parsed) and unknown keys (skipped)
  private beginCapture(keep: boolean): void {
    this.capture = new ValueCapture(this.key, keep);
    this.state = S.Capture;
  }

  private scanCapture(buf: Buffer, start: number): number {
    const cap = this.capture!;
    const stop = cap.scan(buf, start, this.pos);
    if (cap.done) {
      const text = cap.text();
      if (text !== null) this.readHeader(text, stop);
      this.capture = null;
      this.state = S.AfterValue;
    }
    return stop;
  }

  private readHeader(text: string, at: number): void {
    const h = readSnapshotHeader(text, this.pos + at);
    this.meta = h.meta;
    this.headerNodeCount = h.nodeCount;
    this.headerEdgeCount = h.edgeCount;
    this.rootIndex = h.rootIndex;
    this.nodeRoles = h.nodeRoles;
    this.edgeRoles = h.edgeRoles;
  }

  /** How many items to preallocate for `count` announced ones of at least `perItemMinBytes` bytes each. */
  private capFor(count: number, perItemMinBytes: number, streamCap: number, i: number): number {
    if (this.totalBytes !== undefined) {
      const left = Math.max(0, this.totalBytes - (this.pos + i));
      return Math.min(count, Math.floor(left / perItemMinBytes) + 1);
    }
    return Math.min(count, streamCap);
  }

  // ---- nodes
  private allocNodes(i: number): void {
    const F = this.meta!.nodeFields.length;
    const cap = this.capFor(this.headerNodeCount, 2 * F, STREAM_NODE_CAP, i);
    this.nodeScan = new NodeScanner(this.nodeRoles, this.meta!.nodeTypes.length, this.headerNodeCount, cap, this.sharedFirstEdge);
  }

  private scanNodes(buf: Buffer, start: number): number {
    const sc = this.nodeScan!;
    const i = sc.scan(buf, start, this.pos);
    if (sc.done) {
      this.nodeType = sc.types;
      this.nodeName = sc.names;
      this.nodeId = sc.ids;
      this.nodeSelf = sc.selfs;
      this.firstEdge = sc.firstEdge;
      this.nodeTrace = sc.trace;
      this.nodeDetached = sc.detached;
      this.nodeCount = sc.count;
      this.maxNodeName = sc.maxName;
      this.nodeScan = null;
      this.state = S.AfterValue;
    }
    return i;
  }

  // ---- edges
  private edgeLayout(): EdgeLayout {
    const meta = this.meta!;
    return {
      roles: Array.from(this.edgeRoles),
      nodeFieldCount: meta.nodeFields.length,
      edgeTypeCount: meta.edgeTypes.length,
      nodeCount: this.headerNodeCount,
      total: this.headerEdgeCount,
      rootIndex: this.rootIndex,
      weakType: meta.edgeTypes.indexOf('weak'),
      shortcutType: meta.edgeTypes.indexOf('shortcut'),
      lazyNames: this.file !== null,
      indexNameTypes: meta.edgeTypes.flatMap((t, k) => (t === 'element' || t === 'hidden' ? [k] : [])),
    };
  }

  /** The checks at the edges' "[" (the same whether the edges are scanned here or elsewhere). */
  private checkEdgeCount(i: number): void {
    const total = this.firstEdge[this.nodeCount];
    if (total !== this.headerEdgeCount) this.err(`snapshot.edge_count is ${this.headerEdgeCount} but the nodes' edge counts add up to ${total}`, i);
    const EF = this.meta!.edgeFields.length;
    if (this.totalBytes !== undefined && total * 2 * EF > this.totalBytes - (this.pos + i)) {
      this.err(`the nodes announce ${total} edges but only ${this.totalBytes - this.pos - i} bytes are left`, i);
    }
  }

  private allocEdges(i: number): void {
    this.checkEdgeCount(i);
    const total = this.firstEdge[this.nodeCount];
    const EF = this.meta!.edgeFields.length;
    const cap = this.capFor(total, 2 * EF, STREAM_EDGE_CAP, i);
    // the nodes hold exactly headerNodeCount nodes and announce total = headerEdgeCount edges
    this.edgeScan = new EdgeScanner(this.edgeLayout(), cap);
  }

  private scanEdges(buf: Buffer, start: number): number {
    const sc = this.edgeScan!;
    const i = sc.scan(buf, start, this.pos);
    if (sc.done) {
      this.edgeType = sc.types;
      this.edgeName = sc.names;
      this.edgeTo = sc.tos;
      this.edgeCount = sc.count;
      this.maxEdgeName = sc.maxName;
      if (sc.lazyNames) {
        this.edgeName = new Uint32Array(0);
        this.edgeBlockStarts = sc.blockStarts;
        this.edgesEnd = this.pos + i - 1;
      }
      this.edgeScan = null;
      this.state = S.AfterValue;
    }
    return i;
  }

  /** @internal Scans the edges elsewhere (a file's parse worker): `fn` is called at the nodes' "[". */
  delegateEdges(fn: (nodesStart: number, layout: EdgeLayout) => boolean): void {
    this.edgesElsewhere = fn;
  }

  /** @internal Whether the parser is skipping the edges scanned elsewhere (not at their "]" yet). */
  get skippingEdges(): boolean {
    return this.state === S.SkipEdges;
  }

  /**
   * @internal Jumps from the skipped edges to the top-level key whose quote is at input offset
   * `at` (the file's parse found it from the end): as if the edges' "]" and a "," had been read.
   * The caller checks, once the edges are scanned, that exactly that lies in between.
   */
  jumpToKey(at: number): void {
    if (this.state !== S.SkipEdges) throw new Error('internal: jumpToKey outside the skipped edges');
    this.state = S.KeyOrEnd;
    this.expectKey = true;
    this.pos = at;
  }

  /** @internal The nodes' first-edge offsets once the nodes are parsed, else null. */
  get nodeFirstEdge(): Uint32Array | null {
    return this.nodeCount >= 0 ? this.firstEdge : null;
  }

  /** @internal The nodes and strings, once parsed (for class ids computed before `end()`). */
  nodesAndStrings(): {
    nodeType: Uint8Array;
    nodeName: Uint32Array;
    nodeSelfSize: Uint32Array | Float64Array;
    strings: SnapshotStrings;
    meta: SnapshotMeta;
    nodeCount: number;
  } | null {
    if (this.nodeCount < 0 || !this.stringsDone || !this.meta) return null;
    return { nodeType: this.nodeType, nodeName: this.nodeName, nodeSelfSize: this.nodeSelf, strings: this.strings, meta: this.meta, nodeCount: this.nodeCount };
  }

  /** @internal The edges scanned elsewhere (their "[" at `skippedEdgesStart`). */
  adoptEdges(r: { count: number; maxName: number; types: Uint8Array; names: Uint32Array; tos: Uint32Array; end: number; blockStarts: Float64Array | null }): void {
    this.edgeType = r.types;
    this.edgeName = r.names;
    this.edgeTo = r.tos;
    this.edgeCount = r.count;
    this.maxEdgeName = r.maxName;
    this.edgeBlockStarts = r.blockStarts;
    this.edgesEnd = r.end;
  }

  // ---- strings, trace_function_infos / locations / samples, trace_tree
  private scanStrings(buf: Buffer, start: number): number {
    const sc = this.stringScan!;
    const i = sc.scan(buf, start, this.pos);
    if (sc.done) {
      this.strings = sc.result();
      this.stringsDone = true;
      this.stringScan = null;
      this.state = S.AfterValue;
    }
    return i;
  }

  private scanNumbers(buf: Buffer, start: number): number {
    const sc = this.numberScan!;
    const i = sc.scan(buf, start, this.pos);
    if (sc.done) {
      if (this.locationsStart >= 0 && this.locationsEnd < 0 && sc.list === this.locations) this.locationsEnd = this.pos + i - 1;
      this.numberScan = null;
      this.state = S.AfterValue;
    }
    return i;
  }

  private scanTrace(buf: Buffer, start: number): number {
    const sc = this.traceScan!;
    const i = sc.scan(buf, start, this.pos);
    if (sc.done) this.state = S.AfterValue;
    return i;
  }
}
