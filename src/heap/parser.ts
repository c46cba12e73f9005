/**
 * Streaming parser for V8's `.heapsnapshot` JSON. Bytes are consumed as they arrive (file reads
 * or the string chunks of `HeapProfiler.addHeapSnapshotChunk`) and the long number arrays are
 * scanned digit by digit straight into typed arrays; only the small `snapshot` header and
 * individual strings go through `JSON.parse`. The text is never held whole.
 *
 * Field layouts come from `snapshot.meta`. Storage is one typed array per field (structure of
 * arrays): node types and edge types as bytes, edges' `to_node` as node ordinals.
 */
import { open } from 'node:fs/promises';
import { HeapSnapshotError } from './errors';
import { HeapGraph, type HeapGraphData, type SnapshotMeta, type TraceTree } from './graph';

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
}

const enum NodeRole { Ignore, Type, Name, Id, SelfSize, EdgeCount, TraceId, Detachedness }
const enum EdgeRole { Ignore, Type, Name, ToNode }

const MAX_HEADER_BYTES = 16 << 20;
const MAX_U32 = 4294967295;
/** Without a known input size, a header's counts are trusted only this far before arrays grow. */
const STREAM_NODE_CAP = 1 << 23;
const STREAM_EDGE_CAP = 1 << 25;

export interface HeapSnapshotParserOptions {
  /** Total input size in bytes when known (a file): caps preallocation by what the input can hold. */
  totalBytes?: number;
}

/** Parses one snapshot: `write()` chunks in order, then `end()` returns the graph. */
export class HeapSnapshotParser {
  private state = S.Start;
  private pos = 0; // bytes consumed before the current chunk
  private readonly totalBytes: number | undefined;
  private key = '';
  private keyBytes: number[] = [];
  private expectKey = false;
  private seen = new Set<string>();
  // generic capture/skip of a value
  private capParts: Buffer[] | null = null;
  private capLen = 0;
  private capDepth = 0;
  private capStarted = false;
  private capInString = false;
  private capEscape = false;
  // number scanning
  private num = 0;
  private inNum = false;
  private neg = false;
  private field = 0;
  private count = 0; // nodes or edges completed
  // header
  private meta: SnapshotMeta | null = null;
  private headerNodeCount = 0;
  private headerEdgeCount = 0;
  private rootIndex = 0;
  private nodeRoles = new Uint8Array(0);
  private edgeRoles = new Uint8Array(0);
  // nodes
  private nodeCap = 0;
  private nodeType = new Uint8Array(0);
  private nodeName = new Uint32Array(0);
  private nodeId = new Uint32Array(0);
  private nodeSelf: Uint32Array | Float64Array = new Uint32Array(0);
  private firstEdge = new Uint32Array(1);
  private nodeTrace: Uint32Array | null = null;
  private nodeDetached: Uint8Array | null = null;
  private nodeCount = -1;
  // edges
  private edgeCap = 0;
  private edgeType = new Uint8Array(0);
  private edgeName = new Uint32Array(0);
  private edgeTo = new Uint32Array(0);
  private edgeCount = -1;
  // strings
  private strings: string[] = [];
  private strInside = false;
  private strParts: Buffer[] = [];
  private strBackslashes = 0;
  private strHasEscape = false;
  private stringsDone = false;
  // small number arrays
  private nums: number[] = [];
  private traceFunctionInfos: number[] | null = null;
  private locations: number[] | null = null;
  // trace tree
  private trace: { id: number[]; fn: number[]; count: number[]; size: number[]; parent: number[] } | null = null;
  private traceStack: number[] = [];
  private traceDepth = 0;
  private traceFieldRoles: number[] = [];
  private traceRow: number[] = [];
  private failed: HeapSnapshotError | null = null;
  private pendingHigh = '';

  constructor(options: HeapSnapshotParserOptions = {}) {
    this.totalBytes = options.totalBytes;
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
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    try {
      this.scan(buf);
    } catch (e) {
      this.failed = e instanceof HeapSnapshotError ? e : new HeapSnapshotError(`internal parser failure: ${(e as Error)?.message ?? e}`, this.pos);
      throw this.failed;
    }
    this.pos += buf.length;
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
    const names = this.nodeName;
    for (let i = 0; i < n; i++) {
      if (names[i] >= ns) fail(`node ${i} has name index ${names[i]} but there are ${ns} strings`);
    }
    const et = this.edgeType;
    const en = this.edgeName;
    const isIndexType = new Uint8Array(meta.edgeTypes.length);
    meta.edgeTypes.forEach((t, i) => (isIndexType[i] = t === 'element' || t === 'hidden' ? 1 : 0));
    for (let e = 0; e < this.edgeCount; e++) {
      if (!isIndexType[et[e]] && en[e] >= ns) fail(`edge ${e} has name index ${en[e]} but there are ${ns} strings`);
    }
    if (this.rootIndex >= n) fail(`root_index ${this.rootIndex} is outside the ${n} nodes`);
    let traceTree: TraceTree | null = null;
    if (this.trace && this.trace.id.length) {
      const t = this.trace;
      traceTree = {
        id: Uint32Array.from(t.id),
        functionInfo: Uint32Array.from(t.fn),
        count: Float64Array.from(t.count),
        size: Float64Array.from(t.size),
        parent: Int32Array.from(t.parent),
      };
    }
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
      nodeTraceId: this.nodeTrace ? this.nodeTrace.slice(0, n) : null,
      nodeDetachedness: this.nodeDetached ? this.nodeDetached.slice(0, n) : null,
      edgeType: this.edgeType,
      edgeName: this.edgeName,
      edgeTo: this.edgeTo,
      strings: this.strings,
      traceFunctionInfos: this.traceFunctionInfos ? Float64Array.from(this.traceFunctionInfos) : null,
      traceTree,
      locations: this.locations ? Float64Array.from(this.locations) : null,
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
    this.num = 0;
    this.inNum = false;
    this.neg = false;
    this.field = 0;
    this.count = 0;
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
        return;
      case 'edges':
        needArray();
        if (this.nodeCount < 0) this.err('"edges" comes before "nodes"', i);
        this.allocEdges(i);
        this.state = S.Edges;
        return;
      case 'strings':
        needArray();
        this.strInside = false;
        this.state = S.Strings;
        return;
      case 'trace_function_infos':
      case 'locations':
      case 'samples':
        needArray();
        this.nums = [];
        if (key === 'trace_function_infos') this.traceFunctionInfos = this.nums;
        else if (key === 'locations') this.locations = this.nums;
        this.state = S.Numbers;
        return;
      case 'trace_tree':
        needArray();
        this.beginTrace(i);
        this.state = S.Trace;
        return;
      default:
        this.beginCapture(false);
    }
  }

  // ---- generic values: the snapshot header (captured and JSON.parsed) and unknown keys (skipped)
  private beginCapture(keep: boolean): void {
    this.capParts = keep ? [] : null;
    this.capLen = 0;
    this.capDepth = 0;
    this.capStarted = false;
    this.capInString = false;
    this.capEscape = false;
    this.state = S.Capture;
  }

  private scanCapture(buf: Buffer, start: number): number {
    const len = buf.length;
    let i = start;
    let done = false;
    let consumeLast = true;
    for (; i < len; i++) {
      const c = buf[i];
      if (this.capInString) {
        if (this.capEscape) this.capEscape = false;
        else if (c === 92) this.capEscape = true;
        else if (c === 34) {
          this.capInString = false;
          if (this.capDepth === 0) {
            done = true;
            break;
          }
        }
        continue;
      }
      if (c === 34) {
        this.capInString = true;
        this.capStarted = true;
      } else if (c === 123 || c === 91) {
        this.capDepth++;
        this.capStarted = true;
      } else if (c === 125 || c === 93) {
        if (this.capDepth === 0) {
          if (!this.capStarted) this.err(`missing value for "${this.key}"`, i);
          done = true;
          consumeLast = false;
          break;
        }
        this.capDepth--;
        if (this.capDepth === 0) {
          done = true;
          break;
        }
      } else if (c === 44 && this.capDepth === 0) {
        if (!this.capStarted) this.err(`missing value for "${this.key}"`, i);
        done = true;
        consumeLast = false;
        break;
      } else if (c !== 32 && c !== 10 && c !== 13 && c !== 9) {
        this.capStarted = true;
      }
    }
    const stop = done ? (consumeLast ? i + 1 : i) : len;
    if (this.capParts) {
      this.capLen += stop - start;
      if (this.capLen > MAX_HEADER_BYTES) this.err(`"${this.key}" is larger than ${MAX_HEADER_BYTES} bytes`, i);
      this.capParts.push(Buffer.from(buf.subarray(start, stop)));
    }
    if (done) {
      if (this.capParts) this.readHeader(Buffer.concat(this.capParts).toString('utf8'), stop);
      this.capParts = null;
      this.state = S.AfterValue;
    }
    return stop;
  }

  private readHeader(text: string, at: number): void {
    let h: unknown;
    try {
      h = JSON.parse(text);
    } catch (e) {
      this.err(`the "snapshot" header is not valid JSON (${(e as Error).message})`, at);
    }
    const bad = (m: string): never => this.err(`bad "snapshot" header: ${m}`, at);
    if (typeof h !== 'object' || h === null) bad('not an object');
    const hh = h as Record<string, unknown>;
    const m = hh.meta as Record<string, unknown> | undefined;
    if (typeof m !== 'object' || m === null) bad('no "meta"');
    const strList = (k: string, required: boolean): string[] => {
      const v = m![k];
      if (v === undefined && !required) return [];
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) bad(`meta.${k} is not a list of strings`);
      return v as string[];
    };
    const nodeFields = strList('node_fields', true);
    const edgeFields = strList('edge_fields', true);
    const typeList = (k: string, fields: string[]): string[] => {
      const v = m![k];
      const ti = fields.indexOf('type');
      if (!Array.isArray(v) || !Array.isArray(v[ti]) || !(v[ti] as unknown[]).every((x) => typeof x === 'string')) bad(`meta.${k}[${ti}] is not the list of type names`);
      const list = (v as unknown[][])[ti] as string[];
      if (list.length === 0 || list.length > 255) bad(`meta.${k} has ${list.length} type names`);
      return list;
    };
    for (const f of ['type', 'name', 'id', 'self_size', 'edge_count']) if (!nodeFields.includes(f)) bad(`meta.node_fields lacks "${f}"`);
    for (const f of ['type', 'name_or_index', 'to_node']) if (!edgeFields.includes(f)) bad(`meta.edge_fields lacks "${f}"`);
    if (new Set(nodeFields).size !== nodeFields.length || new Set(edgeFields).size !== edgeFields.length) bad('repeated field names');
    const count = (k: string, required: boolean): number => {
      const v = hh[k];
      if (v === undefined && !required) return 0;
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) bad(`"${k}" is not a count`);
      return v as number;
    };
    const meta: SnapshotMeta = {
      nodeFields,
      nodeTypes: typeList('node_types', nodeFields),
      edgeFields,
      edgeTypes: typeList('edge_types', edgeFields),
      traceFunctionInfoFields: strList('trace_function_info_fields', false),
      traceNodeFields: strList('trace_node_fields', false),
      sampleFields: strList('sample_fields', false),
      locationFields: strList('location_fields', false),
    };
    this.meta = meta;
    this.headerNodeCount = count('node_count', true);
    this.headerEdgeCount = count('edge_count', true);
    this.rootIndex = 0;
    if (hh.root_index !== undefined) {
      const r = count('root_index', false);
      if (r % nodeFields.length !== 0) bad('root_index is not at the start of a node');
      this.rootIndex = r / nodeFields.length;
    }
    const roles: Record<string, number> = {
      type: NodeRole.Type,
      name: NodeRole.Name,
      id: NodeRole.Id,
      self_size: NodeRole.SelfSize,
      edge_count: NodeRole.EdgeCount,
      trace_node_id: NodeRole.TraceId,
      detachedness: NodeRole.Detachedness,
    };
    this.nodeRoles = Uint8Array.from(nodeFields, (f) => roles[f] ?? NodeRole.Ignore);
    const eroles: Record<string, number> = { type: EdgeRole.Type, name_or_index: EdgeRole.Name, to_node: EdgeRole.ToNode };
    this.edgeRoles = Uint8Array.from(edgeFields, (f) => eroles[f] ?? EdgeRole.Ignore);
  }

  // ---- nodes
  private capFor(count: number, perItemMinBytes: number, streamCap: number, i: number): number {
    if (this.totalBytes !== undefined) {
      const left = Math.max(0, this.totalBytes - (this.pos + i));
      return Math.min(count, Math.floor(left / perItemMinBytes) + 1);
    }
    return Math.min(count, streamCap);
  }

  private allocNodes(i: number): void {
    const F = this.meta!.nodeFields.length;
    const cap = this.capFor(this.headerNodeCount, 2 * F, STREAM_NODE_CAP, i);
    this.setNodeCap(cap);
  }

  private setNodeCap(cap: number): void {
    const grow = <T extends Uint8Array | Uint32Array | Float64Array>(a: T, n: number, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a.subarray(0, Math.min(a.length, n)) as never);
      return b;
    };
    this.nodeType = grow(this.nodeType, cap, (n) => new Uint8Array(n));
    this.nodeName = grow(this.nodeName, cap, (n) => new Uint32Array(n));
    this.nodeId = grow(this.nodeId, cap, (n) => new Uint32Array(n));
    this.nodeSelf = this.nodeSelf instanceof Float64Array ? grow(this.nodeSelf, cap, (n) => new Float64Array(n)) : grow(this.nodeSelf, cap, (n) => new Uint32Array(n));
    this.firstEdge = grow(this.firstEdge, cap + 1, (n) => new Uint32Array(n));
    if (this.nodeTrace) this.nodeTrace = grow(this.nodeTrace, cap, (n) => new Uint32Array(n));
    if (this.nodeDetached) this.nodeDetached = grow(this.nodeDetached, cap, (n) => new Uint8Array(n));
    this.nodeCap = cap;
  }

  private moreNodes(i: number): void {
    if (this.nodeCap >= this.headerNodeCount) this.err(`the nodes array holds more than snapshot.node_count = ${this.headerNodeCount} nodes`, i);
    this.setNodeCap(Math.min(this.headerNodeCount, Math.max(1024, this.nodeCap * 2)));
  }

  private scanNodes(buf: Buffer, start: number): number {
    const len = buf.length;
    const roles = this.nodeRoles;
    const F = roles.length;
    const nTypes = this.meta!.nodeTypes.length;
    let num = this.num;
    let inNum = this.inNum;
    let f = this.field;
    let n = this.count;
    let cap = this.nodeCap;
    let types = this.nodeType;
    let names = this.nodeName;
    let ids = this.nodeId;
    let selfs = this.nodeSelf;
    let first = this.firstEdge;
    let i = start;
    for (; i < len; i++) {
      const c = buf[i];
      if (c >= 48 && c <= 57) {
        num = num * 10 + (c - 48);
        inNum = true;
        continue;
      }
      if (inNum) {
        if (n === cap) {
          this.moreNodes(i);
          cap = this.nodeCap;
          types = this.nodeType;
          names = this.nodeName;
          ids = this.nodeId;
          selfs = this.nodeSelf;
          first = this.firstEdge;
        }
        const role = roles[f];
        if (num > MAX_U32 && role !== NodeRole.SelfSize) this.err(`number ${num} in nodes is too large`, i);
        switch (role) {
          case NodeRole.Type:
            if (num >= nTypes) this.err(`node ${n} has type ${num} but meta lists ${nTypes} node types`, i);
            types[n] = num;
            break;
          case NodeRole.Name:
            names[n] = num;
            break;
          case NodeRole.Id:
            ids[n] = num;
            break;
          case NodeRole.SelfSize:
            if (num > 9007199254740991) this.err(`self_size ${num} of node ${n} is too large`, i);
            if (num > MAX_U32 && !(selfs instanceof Float64Array)) {
              this.nodeSelf = selfs = Float64Array.from(selfs);
            }
            selfs[n] = num;
            break;
          case NodeRole.EdgeCount: {
            const next = first[n] + num;
            if (next > MAX_U32) this.err('the edge counts of the nodes add up to more than 2^32', i);
            first[n + 1] = next;
            break;
          }
          case NodeRole.TraceId:
            if (num !== 0) {
              if (!this.nodeTrace) this.nodeTrace = new Uint32Array(cap);
              this.nodeTrace[n] = num;
            }
            break;
          case NodeRole.Detachedness:
            if (num !== 0) {
              if (!this.nodeDetached) this.nodeDetached = new Uint8Array(cap);
              this.nodeDetached[n] = num > 255 ? 255 : num;
            }
            break;
        }
        num = 0;
        inNum = false;
        if (++f === F) {
          f = 0;
          n++;
        }
      }
      if (c === 44 || c === 32 || c === 10 || c === 13 || c === 9) continue;
      if (c === 93) {
        if (f !== 0) this.err(`the nodes array ends inside a node (${f} of ${F} fields)`, i);
        if (n !== this.headerNodeCount) this.err(`snapshot.node_count is ${this.headerNodeCount} but the nodes array holds ${n} nodes`, i);
        this.nodeCount = n;
        this.state = S.AfterValue;
        i++;
        break;
      }
      this.err(`unexpected ${describe(c)} in the nodes array`, i);
    }
    this.num = num;
    this.inNum = inNum;
    this.field = f;
    this.count = n;
    return i;
  }

  // ---- edges
  private allocEdges(i: number): void {
    const total = this.firstEdge[this.nodeCount];
    if (total !== this.headerEdgeCount) this.err(`snapshot.edge_count is ${this.headerEdgeCount} but the nodes' edge counts add up to ${total}`, i);
    const EF = this.meta!.edgeFields.length;
    if (this.totalBytes !== undefined && total * 2 * EF > this.totalBytes - (this.pos + i)) {
      this.err(`the nodes announce ${total} edges but only ${this.totalBytes - this.pos - i} bytes are left`, i);
    }
    const cap = this.capFor(total, 2 * EF, STREAM_EDGE_CAP, i);
    this.edgeType = new Uint8Array(cap);
    this.edgeName = new Uint32Array(cap);
    this.edgeTo = new Uint32Array(cap);
    this.edgeCap = cap;
  }

  private moreEdges(i: number): void {
    const total = this.firstEdge[this.nodeCount];
    if (this.edgeCap >= total) this.err(`the edges array holds more than the ${total} edges the nodes announce`, i);
    const cap = Math.min(total, Math.max(1024, this.edgeCap * 2));
    const t = new Uint8Array(cap);
    t.set(this.edgeType);
    const nm = new Uint32Array(cap);
    nm.set(this.edgeName);
    const to = new Uint32Array(cap);
    to.set(this.edgeTo);
    this.edgeType = t;
    this.edgeName = nm;
    this.edgeTo = to;
    this.edgeCap = cap;
  }

  private scanEdges(buf: Buffer, start: number): number {
    const len = buf.length;
    const roles = this.edgeRoles;
    const EF = roles.length;
    const F = this.meta!.nodeFields.length;
    const nTypes = this.meta!.edgeTypes.length;
    const nodeCount = this.nodeCount;
    let num = this.num;
    let inNum = this.inNum;
    let f = this.field;
    let e = this.count;
    let cap = this.edgeCap;
    let types = this.edgeType;
    let names = this.edgeName;
    let tos = this.edgeTo;
    let i = start;
    for (; i < len; i++) {
      const c = buf[i];
      if (c >= 48 && c <= 57) {
        num = num * 10 + (c - 48);
        inNum = true;
        continue;
      }
      if (inNum) {
        if (e === cap) {
          this.moreEdges(i);
          cap = this.edgeCap;
          types = this.edgeType;
          names = this.edgeName;
          tos = this.edgeTo;
        }
        if (num > MAX_U32) this.err(`number ${num} in edges is too large`, i);
        const role = roles[f];
        if (role === EdgeRole.ToNode) {
          const o = num / F;
          if (o >= nodeCount || o !== Math.floor(o)) {
            this.err(`edge ${e} points to node index ${num}, outside the nodes (${nodeCount} nodes of ${F} fields)`, i);
          }
          tos[e] = o;
        } else if (role === EdgeRole.Type) {
          if (num >= nTypes) this.err(`edge ${e} has type ${num} but meta lists ${nTypes} edge types`, i);
          types[e] = num;
        } else if (role === EdgeRole.Name) {
          names[e] = num;
        }
        num = 0;
        inNum = false;
        if (++f === EF) {
          f = 0;
          e++;
        }
      }
      if (c === 44 || c === 32 || c === 10 || c === 13 || c === 9) continue;
      if (c === 93) {
        if (f !== 0) this.err(`the edges array ends inside an edge (${f} of ${EF} fields)`, i);
        const total = this.firstEdge[nodeCount];
        if (e !== total) this.err(`the nodes announce ${total} edges but the edges array holds ${e}`, i);
        this.edgeCount = e;
        this.state = S.AfterValue;
        i++;
        break;
      }
      this.err(`unexpected ${describe(c)} in the edges array`, i);
    }
    this.num = num;
    this.inNum = inNum;
    this.field = f;
    this.count = e;
    return i;
  }

  // ---- strings
  private scanStrings(buf: Buffer, start: number): number {
    const len = buf.length;
    let i = start;
    while (i < len) {
      if (this.strInside) {
        // scan to the closing quote, noting escapes and non-ASCII bytes
        let esc = this.strHasEscape;
        let wide = false;
        let q = i;
        let pendingEscape = this.strBackslashes & 1; // an escape cut by the chunk boundary
        for (; q < len; q++) {
          const c = buf[q];
          if (pendingEscape) {
            pendingEscape = 0;
            continue;
          }
          if (c === 34) break;
          if (c === 92) {
            esc = true;
            pendingEscape = 1;
          } else if (c >= 128) wide = true;
        }
        if (q === len) {
          // the string continues in the next chunk
          this.strHasEscape = esc;
          this.strBackslashes = pendingEscape;
          this.strParts.push(Buffer.from(buf.subarray(i, len)));
          return len;
        }
        let s: string;
        if (this.strParts.length) {
          this.strParts.push(buf.subarray(i, q));
          s = Buffer.concat(this.strParts).toString('utf8');
          this.strParts = [];
        } else {
          s = wide ? buf.toString('utf8', i, q) : buf.toString('latin1', i, q);
        }
        if (esc) {
          try {
            s = JSON.parse('"' + s + '"') as string;
          } catch {
            this.err(`string ${this.strings.length} is not a valid JSON string`, q);
          }
        }
        this.strings.push(s);
        this.strInside = false;
        this.strHasEscape = false;
        this.strBackslashes = 0;
        i = q + 1;
        continue;
      }
      const c = buf[i];
      if (c === 34) {
        this.strInside = true;
        this.strHasEscape = false;
        this.strBackslashes = 0;
        i++;
        continue;
      }
      if (c === 44 || c === 32 || c === 10 || c === 13 || c === 9) {
        i++;
        continue;
      }
      if (c === 93) {
        this.stringsDone = true;
        this.state = S.AfterValue;
        return i + 1;
      }
      this.err(`unexpected ${describe(c)} in the strings array`, i);
    }
    return i;
  }

  // ---- small flat number arrays (trace_function_infos, locations, samples)
  private scanNumbers(buf: Buffer, start: number): number {
    const len = buf.length;
    let i = start;
    for (; i < len; i++) {
      const c = buf[i];
      if (c >= 48 && c <= 57) {
        this.num = this.num * 10 + (c - 48);
        this.inNum = true;
        continue;
      }
      if (c === 45 && !this.inNum && !this.neg) {
        this.neg = true;
        continue;
      }
      if (this.inNum) {
        this.nums.push(this.neg ? -this.num : this.num);
        if (this.nums.length > 1 << 26) this.err(`"${this.key}" is too long`, i);
        this.num = 0;
        this.inNum = false;
        this.neg = false;
      } else if (this.neg) this.err(`bad number in "${this.key}"`, i);
      if (c === 44 || c === 32 || c === 10 || c === 13 || c === 9) continue;
      if (c === 93) {
        this.state = S.AfterValue;
        return i + 1;
      }
      this.err(`unexpected ${describe(c)} in "${this.key}"`, i);
    }
    return i;
  }

  // ---- trace_tree: nested [id, function_info_index, count, size, [children…], …]
  private beginTrace(i: number): void {
    const fields = this.meta!.traceNodeFields;
    const ci = fields.indexOf('children');
    if (ci < 0 || ci !== fields.length - 1) this.err('meta.trace_node_fields must end with "children"', i);
    const roles: Record<string, number> = { id: 1, function_info_index: 2, count: 3, size: 4 };
    this.traceFieldRoles = fields.slice(0, -1).map((f) => roles[f] ?? 0);
    this.traceRow = [];
    this.trace = { id: [], fn: [], count: [], size: [], parent: [] };
    this.traceStack = [-1];
    this.traceDepth = 1;
  }

  private scanTrace(buf: Buffer, start: number): number {
    const len = buf.length;
    const t = this.trace!;
    const roles = this.traceFieldRoles;
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
        this.traceRow.push(this.num);
        this.num = 0;
        this.inNum = false;
        if (this.traceRow.length > W) this.err('a trace_tree node has too many fields', i);
      }
      if (c === 44 || c === 32 || c === 10 || c === 13 || c === 9) continue;
      if (c === 91) {
        // children of the node just read
        if (this.traceRow.length !== W) this.err('a trace_tree node lacks fields before its children', i);
        const idx = t.id.length;
        const row = this.traceRow;
        let id = 0, fn = 0, count = 0, size = 0;
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
        t.parent.push(this.traceStack[this.traceStack.length - 1]);
        if (t.id.length > 1 << 24) this.err('trace_tree is too large', i);
        this.traceStack.push(idx);
        this.traceRow = [];
        this.traceDepth++;
        continue;
      }
      if (c === 93) {
        if (this.traceRow.length !== 0) this.err('a trace_tree node lacks its children array', i);
        this.traceStack.pop();
        if (--this.traceDepth === 0) {
          this.state = S.AfterValue;
          return i + 1;
        }
        continue;
      }
      this.err(`unexpected ${describe(c)} in "trace_tree"`, i);
    }
    return i;
  }
}

function describe(c: number): string {
  if (c >= 33 && c < 127) return `"${String.fromCharCode(c)}"`;
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}

/** Options for `parseHeapSnapshotFile`. */
export interface ParseFileOptions {
  /** Called after each chunk with bytes read so far and the file size. */
  onProgress?: (bytes: number, totalBytes: number) => void;
  /** Read size; default 1 MiB. */
  chunkSize?: number;
}

/**
 * Reads and parses a `.heapsnapshot` file as a stream, through one reused read buffer (no garbage
 * per chunk). Rejects with `HeapSnapshotError` on bad input.
 */
export async function parseHeapSnapshotFile(path: string, options: ParseFileOptions = {}): Promise<HeapGraph> {
  const fh = await open(path, 'r');
  try {
    const totalBytes = (await fh.stat()).size;
    const parser = new HeapSnapshotParser({ totalBytes });
    const buf = Buffer.allocUnsafe(options.chunkSize ?? 1 << 20);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      parser.write(buf.subarray(0, bytesRead));
      options.onProgress?.(parser.bytesRead, totalBytes);
    }
    return parser.end();
  } finally {
    await fh.close();
  }
}

/** Parses a whole snapshot held in memory (tests, small inputs). */
export function parseHeapSnapshot(input: Uint8Array | string): HeapGraph {
  const parser = new HeapSnapshotParser({ totalBytes: typeof input === 'string' ? undefined : input.byteLength });
  parser.write(input);
  return parser.end();
}
