/**
 * Streaming parser for V8's `.heapsnapshot` JSON. Bytes are consumed as they arrive (file reads
 * or the string chunks of `HeapProfiler.addHeapSnapshotChunk`) and the long number arrays are
 * scanned digit by digit straight into typed arrays; only the small `snapshot` header and
 * individual strings go through `JSON.parse`. The text is never held whole.
 *
 * Field layouts come from `snapshot.meta`. Storage is one typed array per field (structure of
 * arrays): node types and edge types as bytes, edges' `to_node` as node ordinals.
 */
import { existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EdgeRole, EdgeScanner, MAX_U32, scanEdgesOfFile, type EdgeFileJob, type EdgeFileResult, type EdgeLayout } from './edgeScan';
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
  SkipEdges,
}

const enum NodeRole { Ignore, Type, Name, Id, SelfSize, EdgeCount, TraceId, Detachedness }

const MAX_HEADER_BYTES = 16 << 20;
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
  // edges (scanned by `edgeScan`, here or by the parse worker)
  private edgeScan: EdgeScanner | null = null;
  private edgeType: Uint8Array = new Uint8Array(0);
  private edgeName: Uint32Array = new Uint32Array(0);
  private edgeTo: Uint32Array = new Uint32Array(0);
  private edgeCount = -1;
  // strings
  private strings: string[] = [];
  private strInside = false;
  private strParts: Buffer[] = [];
  private strBackslashes = 0;
  private strHasEscape = false;
  private stringsDone = false;
  // small number arrays
  private nums: NumList | null = null;
  private traceFunctionInfos: NumList | null = null;
  private locations: NumList | null = null;
  // largest name index seen in nodes and edges (end() checks them against the strings only when needed)
  private maxNodeName = 0;
  private maxEdgeName = 0;
  // trace tree
  private trace: { id: number[]; fn: number[]; count: number[]; size: number[]; parent: number[] } | null = null;
  private traceStack: number[] = [];
  private traceDepth = 0;
  private traceFieldRoles: number[] = [];
  private traceRow: number[] = [];
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
    // (the scans keep the largest index seen: the full checks only run when it is out of range)
    const names = this.nodeName;
    if (this.maxNodeName >= ns) {
      for (let i = 0; i < n; i++) {
        if (names[i] >= ns) fail(`node ${i} has name index ${names[i]} but there are ${ns} strings`);
      }
    }
    if (this.maxEdgeName >= ns) {
      const et = this.edgeType;
      const en = this.edgeName;
      const isIndexType = new Uint8Array(meta.edgeTypes.length);
      meta.edgeTypes.forEach((t, i) => (isIndexType[i] = t === 'element' || t === 'hidden' ? 1 : 0));
      for (let e = 0; e < this.edgeCount; e++) {
        if (!isIndexType[et[e]] && en[e] >= ns) fail(`edge ${e} has name index ${en[e]} but there are ${ns} strings`);
      }
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
      nodeTraceId: this.nodeTrace ? (this.nodeTrace.length === n ? this.nodeTrace : this.nodeTrace.slice(0, n)) : null,
      nodeDetachedness: this.nodeDetached ? (this.nodeDetached.length === n ? this.nodeDetached : this.nodeDetached.slice(0, n)) : null,
      edgeType: this.edgeType,
      edgeName: this.edgeName,
      edgeTo: this.edgeTo,
      strings: this.strings,
      traceFunctionInfos: this.traceFunctionInfos ? (this.traceFunctionInfos.toArray() as Float64Array) : null,
      traceTree,
      locations: this.locations ? this.locations.toArray() : null,
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
        this.strInside = false;
        this.state = S.Strings;
        return;
      case 'trace_function_infos':
      case 'locations':
      case 'samples':
        needArray();
        // samples are not kept, only counted (for the length limit)
        this.nums = new NumList(key !== 'samples', key === 'locations');
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
    let maxName = this.maxNodeName;
    // the usual layouts (type, name, id, self_size, edge_count[, trace_node_id[, detachedness]]):
    // whole nodes take a specialised loop
    let usual = F >= 5 && F <= 7;
    for (let k = 0; usual && k < F; k++) usual = roles[k] === k + 1;
    const row = new Float64Array(F);
    const fast = new Float64Array(2);
    let i = start;
    while (i < len) {
      if (usual && f === 0 && !inNum && n < cap) {
        // whole nodes in their own small function (optimised apart from this loop)
        fast[0] = n;
        fast[1] = maxName;
        i = scanUsualNodes(buf, i, fast, row, cap, nTypes, types, names, ids, selfs, first, this.nodeTrace, this.nodeDetached);
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
            if (num > maxName) maxName = num;
            break;
          case NodeRole.Id:
            ids[n] = num;
            break;
          case NodeRole.SelfSize:
            if (num > MAX_U32) {
              if (num > 9007199254740991) this.err(`self_size ${num} of node ${n} is too large`, i);
              if (!(selfs instanceof Float64Array)) this.nodeSelf = selfs = Float64Array.from(selfs);
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
    this.maxNodeName = maxName;
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
      this.edgeScan = null;
      this.state = S.AfterValue;
    }
    return i;
  }

  /** @internal Scans the edges elsewhere (a file's parse worker): `fn` is called at the nodes' "[". */
  delegateEdges(fn: (nodesStart: number, layout: EdgeLayout) => boolean): void {
    this.edgesElsewhere = fn;
  }

  /** @internal The edges scanned elsewhere (their "[" at `skippedEdgesStart`). */
  adoptEdges(r: { count: number; maxName: number; types: Uint8Array; names: Uint32Array; tos: Uint32Array }): void {
    this.edgeType = r.types;
    this.edgeName = r.names;
    this.edgeTo = r.tos;
    this.edgeCount = r.count;
    this.maxEdgeName = r.maxName;
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
        const list = this.nums!;
        list.push(this.neg ? -this.num : this.num);
        if (list.length > 1 << 26) this.err(`"${this.key}" is too long`, i);
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
    for (let k = 0; ; ) {
      c = buf[j];
      if (c < 48 || c > 57) break rows;
      let v = c - 48;
      while (++j < len && (c = buf[j]) >= 48 && c <= 57) v = v * 10 + (c - 48);
      row[k++] = v;
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

/**
 * A growing list of numbers in fixed-size typed chunks (no JS array, no regrowth copies). With
 * `compact`, the chunks are `Int32Array`s as long as every number fits one (`locations`: half the
 * memory), and become `Float64Array`s at the first number that does not.
 */
class NumList {
  private chunks: Array<Float64Array | Int32Array> = [];
  private cur: Float64Array | Int32Array = new Float64Array(0);
  private at = 0;
  private wide: boolean;
  length = 0;
  constructor(
    private readonly keep: boolean,
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
  /**
   * Scan the edges array in a worker thread (the parse worker) while this thread parses the nodes
   * and strings. Default: for files of `PARALLEL_MIN_BYTES` or more when a core is idle (the load
   * average is below the core count minus one: on a busy machine the second thread only adds its
   * start-up and a second read of the file). Either way only when the worker script is found; the
   * result is the same.
   */
  parallel?: boolean;
}

/** @internal (tests) How the edges of files parsed in parallel were scanned: by the worker, or here after all. */
export const parallelEdgeStats = { worker: 0, here: 0 };

/** Below this size, starting the parse worker costs more than it saves. */
export const PARALLEL_MIN_BYTES = 32 << 20;

/** Whether another core is likely free for the parse worker (load average 0 where unknown, e.g. Windows). */
function coreIsFree(): boolean {
  const cores = availableParallelism();
  return cores >= 2 && loadavg()[0] <= cores - 1;
}

/**
 * Where the parse worker script is: `heapParseWorker.js` next to this bundle (all bundles are flat
 * in `dist/`), or the TypeScript source under tsx, or `<repo>/dist/heapParseWorker.js`; null when
 * none is there (the edges are then parsed in this thread).
 */
function parseWorkerSource(): { file: string; eval: boolean } | null {
  const here = __dirname;
  const bundled = join(here, 'heapParseWorker.js');
  if (existsSync(bundled)) return { file: bundled, eval: false };
  if (__filename.endsWith('.ts')) {
    try {
      const tsx = require.resolve('tsx/cjs');
      const src = join(here, 'parseWorker.ts');
      if (existsSync(src)) return { file: `require(${JSON.stringify(tsx)}); require(${JSON.stringify(src)});`, eval: true };
    } catch {
      // fall through to the repository's build output
    }
  }
  const repoDist = join(here, '..', '..', 'dist', 'heapParseWorker.js');
  if (existsSync(repoDist)) return { file: repoDist, eval: false };
  return null;
}

interface EdgeWorker {
  /** null when the worker failed (it could not start, crashed, or hit an I/O error) */
  result: Promise<EdgeFileResult | null>;
  /** Stops the worker (if still running) and resolves once its thread is gone, with its memory. */
  terminate(): Promise<void>;
}

/** Starts the parse worker on one file's edges; null when there is no worker script or no thread. */
function startEdgeWorker(job: EdgeFileJob): EdgeWorker | null {
  const src = parseWorkerSource();
  if (!src) return null;
  let w: Worker;
  try {
    w = new Worker(src.file, { eval: src.eval, workerData: job, stdout: false, stderr: false });
  } catch {
    return null;
  }
  const result = new Promise<EdgeFileResult | null>((resolve) => {
    w.once('message', (m: EdgeFileResult | { kind: 'failed' }) => resolve(m.kind === 'failed' ? null : m));
    w.once('error', () => resolve(null));
    w.once('exit', () => resolve(null));
  });
  const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
  return { result, terminate: () => w.terminate().then(() => exited, () => exited) };
}

/**
 * The edges of a file whose parser skipped them: the worker's result when it scanned the same
 * array, else (no worker result, or a different array) a scan in this thread. Throws the
 * `HeapSnapshotError` of the edges, if any; leaves an array cut off by the end of the file to
 * `end()` (which reports the truncation).
 */
async function settleEdges(parser: HeapSnapshotParser, worker: EdgeWorker, job: EdgeFileJob, fh: FileHandle): Promise<void> {
  const start = parser.skippedEdgesStart;
  let r = await worker.result;
  // before the analyses allocate: the worker's heap is returned first
  await worker.terminate();
  if (!r || r.kind === 'declined' || r.start !== start || (r.kind === 'ok' && r.end !== parser.skippedEdgesEnd)) {
    r = await scanEdgesOfFile({ ...job, from: start, findEdges: false }, fh);
    parallelEdgeStats.here++;
  } else {
    parallelEdgeStats.worker++;
  }
  if (r.kind === 'ok') parser.adoptEdges(r);
  else if (r.kind === 'error') throw new HeapSnapshotError(r.problem, r.offset);
}

/**
 * Reads and parses a `.heapsnapshot` file as a stream, through two reused read buffers (no garbage
 * per chunk): the next chunk is read (on libuv's thread pool) while the current one is parsed.
 * On large files, the edges array is scanned by the parse worker on another core meanwhile (this
 * thread skips it). Rejects with `HeapSnapshotError` on bad input (the same error, at the same
 * offset, as a parse in one thread).
 */
export async function parseHeapSnapshotFile(path: string, options: ParseFileOptions = {}): Promise<HeapGraph> {
  const fh = await open(path, 'r');
  let pending: Promise<unknown> | null = null;
  let worker: EdgeWorker | null = null;
  let job: EdgeFileJob | null = null;
  try {
    const totalBytes = (await fh.stat()).size;
    const parser = new HeapSnapshotParser({ totalBytes });
    if (options.parallel ?? (totalBytes >= PARALLEL_MIN_BYTES && coreIsFree())) {
      parser.delegateEdges((nodesStart, layout) => {
        job = { path, totalBytes, layout, from: nodesStart, findEdges: true };
        worker = startEdgeWorker(job);
        return worker !== null;
      });
    }
    const size = options.chunkSize ?? 1 << 20;
    let cur = Buffer.allocUnsafe(size);
    let next = Buffer.allocUnsafe(size);
    let position = 0;
    let reading = fh.read(cur, 0, size, position);
    pending = reading;
    for (;;) {
      const { bytesRead } = await reading;
      pending = null;
      if (bytesRead === 0) break;
      position += bytesRead;
      reading = fh.read(next, 0, size, position);
      pending = reading;
      try {
        parser.write(cur.subarray(0, bytesRead));
      } catch (e) {
        // an error after the skipped edges comes second to one inside them
        if (worker && parser.skippedEdgesStart >= 0 && e instanceof HeapSnapshotError && e.offset > parser.skippedEdgesStart) {
          await settleEdges(parser, worker, job!, fh);
        }
        throw e;
      }
      options.onProgress?.(parser.bytesRead, totalBytes);
      const t = cur;
      cur = next;
      next = t;
    }
    if (worker && parser.skippedEdgesStart >= 0) await settleEdges(parser, worker, job!, fh);
    return parser.end();
  } finally {
    void (worker as EdgeWorker | null)?.terminate();
    // never close the file under a read still in flight (after a parse error)
    if (pending) await pending.catch(() => undefined);
    await fh.close();
  }
}

/** Parses a whole snapshot held in memory (tests, small inputs). */
export function parseHeapSnapshot(input: Uint8Array | string): HeapGraph {
  const parser = new HeapSnapshotParser({ totalBytes: typeof input === 'string' ? undefined : input.byteLength });
  parser.write(input);
  return parser.end();
}
