/**
 * The heap graph in flat typed arrays, as the parser fills it (structure of arrays, one entry per
 * node ordinal or edge index), plus the derived indexes the analyses add. Vocabulary: a node
 * *ordinal* is the node's position (0…nodeCount-1); V8's `to_node` *index* (ordinal × field
 * count) is converted to an ordinal by the parser. Edges of node `o` are
 * `firstEdge[o] … firstEdge[o+1]-1`.
 */
import type { HeapObjectInfo, HeapReference } from '../model/heap';
import type { SnapshotStrings } from './stringTable';
import type { LazyEdgeNames, SnapshotFile } from './lazySections';
import type { DistancesInProgress } from './distances';

export interface SnapshotMeta {
  nodeFields: string[];
  nodeTypes: string[];
  edgeFields: string[];
  edgeTypes: string[];
  traceFunctionInfoFields: string[];
  traceNodeFields: string[];
  sampleFields: string[];
  locationFields: string[];
}

/** The allocation trace tree, flattened: one entry per trace node, `parent` -1 at the top. */
export interface TraceTree {
  id: Uint32Array;
  functionInfo: Uint32Array;
  count: Float64Array;
  size: Float64Array;
  parent: Int32Array;
}

export interface HeapGraphData {
  meta: SnapshotMeta;
  rootIndex: number;
  nodeCount: number;
  edgeCount: number;
  nodeType: Uint8Array;
  nodeName: Uint32Array;
  nodeId: Uint32Array;
  nodeSelfSize: Uint32Array | Float64Array;
  firstEdge: Uint32Array;
  nodeTraceId: Uint32Array | null;
  nodeDetachedness: Uint8Array | null;
  edgeType: Uint8Array;
  /** null when the names are left in the file (`lazyEdgeNames`) */
  edgeName: Uint32Array | null;
  /** @internal the edge names, read from the file when asked (see lazySections.ts) */
  lazyEdgeNames?: LazyEdgeNames | null;
  edgeTo: Uint32Array;
  /** The string table, decoded on demand. */
  strings: SnapshotStrings;
  traceFunctionInfos: Float64Array | null;
  traceTree: TraceTree | null;
  /** `Int32Array` when every number fits one (the usual case), else `Float64Array`. */
  locations: Int32Array | Float64Array | null;
  /** @internal `locations`, read from the file when asked */
  lazyLocations?: (() => Int32Array | Float64Array) | null;
  /** @internal the open file the lazy parts are read from */
  file?: SnapshotFile | null;
}

/** Sentinel in `EdgeKinds`: a type the meta does not list. */
const NONE = 255;

/** Type numbers of the edge and node types the analyses care about (255 when absent from meta). */
export interface TypeCodes {
  edgeWeak: number;
  edgeShortcut: number;
  edgeElement: number;
  edgeHidden: number;
  edgeProperty: number;
  edgeInternal: number;
  edgeContext: number;
  nodeHidden: number;
  nodeObject: number;
  nodeNative: number;
  nodeString: number;
  nodeConsString: number;
  nodeSlicedString: number;
  nodeSynthetic: number;
  nodeClosure: number;
  nodeNumber: number;
}

/** DevTools' class names for node types that are not grouped by constructor name. */
const TYPE_CLASS_NAMES: Record<string, string> = {
  hidden: '(system)',
  array: '(array)',
  string: '(string)',
  code: '(compiled code)',
  closure: '(closure)',
  regexp: '(regexp)',
  number: '(number)',
  synthetic: '(synthetic)',
  'concatenated string': '(concatenated string)',
  'sliced string': '(sliced string)',
  bigint: '(bigint)',
  symbol: '(symbol)',
  'object shape': '(object shape)',
};

export class HeapGraph {
  readonly meta: SnapshotMeta;
  readonly rootIndex: number;
  readonly nodeCount: number;
  readonly edgeCount: number;
  readonly nodeType: Uint8Array;
  readonly nodeName: Uint32Array;
  readonly nodeId: Uint32Array;
  readonly nodeSelfSize: Uint32Array | Float64Array;
  readonly firstEdge: Uint32Array;
  readonly nodeTraceId: Uint32Array | null;
  readonly nodeDetachedness: Uint8Array | null;
  readonly edgeType: Uint8Array;
  readonly edgeTo: Uint32Array;
  readonly strings: SnapshotStrings;
  readonly traceFunctionInfos: Float64Array | null;
  readonly traceTree: TraceTree | null;
  readonly codes: TypeCodes;
  private edgeNames: Uint32Array | null;
  private readonly lazyEdgeNames: LazyEdgeNames | null;
  private locationList: Int32Array | Float64Array | null;
  private lazyLocations: (() => Int32Array | Float64Array) | null;
  private readonly file: SnapshotFile | null;

  // ---- derived, filled by analyse() (see analysis.ts)
  /** Retainers in compressed rows: retainers of `o` are `retainerNode[firstRetainer[o] … firstRetainer[o+1]-1]`. Bit 31 set = the edge does not retain (weak, non-root shortcut…). */
  firstRetainer: Uint32Array | null = null;
  retainerNode: Uint32Array | null = null;
  /** Edges from the root on a shortest path that skips weak edges; -1 unreachable. */
  distance: Int32Array | null = null;
  /** The retainer a shortest path from the root takes to each node: the lowest ordinal one step closer (with `distance`). */
  distanceParent: Uint32Array | null = null;
  /** The distances the parse worker is walking meanwhile (large files; see distances.ts), until taken. */
  pendingDistances: DistancesInProgress | null = null;
  /** Immediate dominator ordinal of each node (the root dominates itself). */
  dominator: Uint32Array | null = null;
  retainedSize: Float64Array | null = null;
  /** Class id of each node and the class names (see `className`). */
  classOf: Uint32Array | null = null;
  classNames: string[] | null = null;
  /** Per class id: instance count and self size (summed with the class ids). */
  classTotals: { count: number[]; self: number[] } | null = null;
  private idOrder: Uint32Array | null = null;
  /** DevTools' page objects (bit PAGE_OBJECT) when the parse worker or the dominator phase marked them (see pageObjects.ts); taken by the analyses. */
  pageFlags: Uint8Array | null = null;
  /** Reusable node-sized scratch arrays of the analyses (see analysis.ts). */
  scratchPool: Uint32Array[] | null = null;

  constructor(d: HeapGraphData) {
    this.meta = d.meta;
    this.rootIndex = d.rootIndex;
    this.nodeCount = d.nodeCount;
    this.edgeCount = d.edgeCount;
    this.nodeType = d.nodeType;
    this.nodeName = d.nodeName;
    this.nodeId = d.nodeId;
    this.nodeSelfSize = d.nodeSelfSize;
    this.firstEdge = d.firstEdge;
    this.nodeTraceId = d.nodeTraceId;
    this.nodeDetachedness = d.nodeDetachedness;
    this.edgeType = d.edgeType;
    this.lazyEdgeNames = d.lazyEdgeNames ?? null;
    this.edgeNames = d.edgeName ?? (this.lazyEdgeNames ? null : new Uint32Array(d.edgeCount));
    this.edgeTo = d.edgeTo;
    this.strings = d.strings;
    this.traceFunctionInfos = d.traceFunctionInfos;
    this.traceTree = d.traceTree;
    this.locationList = d.locations;
    this.lazyLocations = d.lazyLocations ?? null;
    this.file = d.file ?? null;
    const et = (t: string) => {
      const i = d.meta.edgeTypes.indexOf(t);
      return i < 0 ? NONE : i;
    };
    const nt = (t: string) => {
      const i = d.meta.nodeTypes.indexOf(t);
      return i < 0 ? NONE : i;
    };
    this.codes = {
      edgeWeak: et('weak'),
      edgeShortcut: et('shortcut'),
      edgeElement: et('element'),
      edgeHidden: et('hidden'),
      edgeProperty: et('property'),
      edgeInternal: et('internal'),
      edgeContext: et('context'),
      nodeHidden: nt('hidden'),
      nodeObject: nt('object'),
      nodeNative: nt('native'),
      nodeString: nt('string'),
      nodeConsString: nt('concatenated string'),
      nodeSlicedString: nt('sliced string'),
      nodeSynthetic: nt('synthetic'),
      nodeClosure: nt('closure'),
      nodeNumber: nt('number'),
    };
  }

  /**
   * Per edge, its name's string index (or its element index). A snapshot opened from a file with
   * its edge names left there (see lazySections.ts) reads them all on first use: `edgeNameIndex`
   * reads one.
   */
  get edgeName(): Uint32Array {
    return (this.edgeNames ??= this.lazyEdgeNames!.all());
  }

  /** Edge `e`'s name as a string index (or its element index). */
  edgeNameIndex(e: number): number {
    const names = this.edgeNames;
    return names ? names[e] : this.lazyEdgeNames!.get(e);
  }

  /** The snapshot's `locations` (per object with a source position: its node index, script id, line, column), read from the file on first use when left there. */
  get locations(): Int32Array | Float64Array | null {
    if (this.lazyLocations) {
      this.locationList = this.lazyLocations();
      this.lazyLocations = null;
    }
    return this.locationList;
  }

  /** Closes the file the parts not read yet are read from (see lazySections.ts): they can be read no more. */
  closeFile(): void {
    this.file?.close();
  }

  /** Sum of all self sizes. */
  totalSize(): number {
    let t = 0;
    const s = this.nodeSelfSize;
    for (let i = 0; i < this.nodeCount; i++) t += s[i];
    return t;
  }

  typeName(o: number): string {
    return this.meta.nodeTypes[this.nodeType[o]];
  }

  name(o: number): string {
    return this.strings.get(this.nodeName[o]) ?? '';
  }

  /** The summary group of a node as DevTools names it: constructor name for objects, `(closure)`, `(array)`… */
  className(o: number): string {
    if (this.classOf && this.classNames) return this.classNames[this.classOf[o]];
    const t = this.nodeType[o];
    if (t === this.codes.nodeObject || t === this.codes.nodeNative) return this.name(o);
    const tn = this.meta.nodeTypes[t];
    return HeapGraph.typeClassName(tn);
  }

  /** Class name used for a node type that is not grouped by name. */
  static typeClassName(typeName: string): string {
    return TYPE_CLASS_NAMES[typeName] ?? `(${typeName})`;
  }

  edgeTypeName(e: number): string {
    return this.meta.edgeTypes[this.edgeType[e]];
  }

  /** Property name or element index of an edge, as text. */
  edgeNameText(e: number): string {
    const t = this.edgeType[e];
    const name = this.edgeNameIndex(e);
    if (t === this.codes.edgeElement || t === this.codes.edgeHidden) return String(name);
    return this.strings.get(name) ?? String(name);
  }

  /** Source node of an edge (binary search over `firstEdge`). */
  edgeSource(e: number): number {
    const f = this.firstEdge;
    let lo = 0;
    let hi = this.nodeCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (f[mid] <= e) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Node ordinal of an object id, or -1 (sorts the objects by id first, once: see `sortedById`). */
  ordinalOf(id: number): number {
    const order = this.sortedById();
    const ids = this.nodeId;
    let lo = 0;
    let hi = order.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = ids[order[mid]];
      if (v === id) return order[mid];
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /**
   * Node ordinal of one object id, or -1, without waiting for the id order: a search in it when
   * it is there, else one scan of the ids (milliseconds, where the sort takes up to seconds).
   */
  findOrdinal(id: number): number {
    if (this.idOrder) return this.ordinalOf(id);
    return this.nodeId.indexOf(id);
  }

  /** Whether `sortedById` has its result already. */
  hasIdOrder(): boolean {
    return this.idOrder !== null;
  }

  /** Node ordinals sorted by object id (radix sort, built once; `spare`: n entries of scratch space). */
  sortedById(spare?: Uint32Array): Uint32Array {
    if (!this.idOrder) {
      const steps = this.idOrderSteps(spare);
      while (!steps.next().done);
    }
    return this.idOrder!;
  }

  /** `sortedById` in steps (yields every `step` nodes), for a build between requests. */
  *idOrderSteps(spare?: Uint32Array, step = 1 << 16): Generator<void, void> {
    const n = this.nodeCount;
    const ids = this.nodeId;
    let a: Uint32Array = new Uint32Array(n);
    let b: Uint32Array = spare && spare.length >= n ? spare.subarray(0, n) : new Uint32Array(n);
    for (let i = 0; i < n; i++) a[i] = i;
    const counts = new Uint32Array(65537);
    for (const shift of [0, 16]) {
      counts.fill(0);
      for (let i0 = 0; i0 < n; i0 += step) {
        for (let i = i0, end = Math.min(n, i0 + step); i < end; i++) counts[((ids[a[i]] >>> shift) & 0xffff) + 1]++;
        yield;
      }
      for (let k = 1; k <= 65536; k++) counts[k] += counts[k - 1];
      for (let i0 = 0; i0 < n; i0 += step) {
        for (let i = i0, end = Math.min(n, i0 + step); i < end; i++) {
          const o = a[i];
          b[counts[(ids[o] >>> shift) & 0xffff]++] = o;
        }
        yield;
      }
      const t = a;
      a = b;
      b = t;
    }
    if (!this.idOrder) this.idOrder = a;
  }

  /** A short preview: `Leaf @123`, `"text…" @5`, `(closure) foo @7`. */
  repr(o: number, maxString = 60): string {
    const c = this.codes;
    const t = this.nodeType[o];
    const id = this.nodeId[o];
    const name = this.name(o) ?? '';
    if (t === c.nodeString || t === c.nodeConsString || t === c.nodeSlicedString) {
      const s = name.length > maxString ? name.slice(0, maxString) + '…' : name;
      return `${JSON.stringify(s)} @${id}`;
    }
    if (t === c.nodeClosure) return `${name || '(anonymous)'}() @${id}`;
    if (t === c.nodeObject || t === c.nodeNative) return `${name} @${id}`;
    const cls = this.className(o);
    return name && name !== cls ? `${cls} ${name.length > maxString ? name.slice(0, maxString) + '…' : name} @${id}` : `${cls} @${id}`;
  }

  /** Plain-data description of one node. */
  info(o: number): HeapObjectInfo {
    const info: HeapObjectInfo = {
      id: this.nodeId[o],
      type: this.typeName(o),
      className: this.className(o),
      name: clip(this.name(o) ?? '', 200),
      selfSize: this.nodeSelfSize[o],
      repr: this.repr(o),
    };
    if (this.retainedSize) info.retainedSize = this.retainedSize[o];
    if (this.distance && this.distance[o] >= 0) info.distance = this.distance[o];
    return info;
  }

  /** Outgoing references of a node, in snapshot order (`start`/`end` page through them). */
  referents(o: number, start = 0, end = Infinity): HeapReference[] {
    const out: HeapReference[] = [];
    const from = this.firstEdge[o];
    const to = this.firstEdge[o + 1];
    for (let e = from + Math.max(0, start); e < to && e - from < end; e++) {
      out.push({ edgeType: this.edgeTypeName(e), name: this.edgeNameText(e), object: this.info(this.edgeTo[e]) });
    }
    return out;
  }

  /** Number of outgoing edges of a node. */
  edgeCountOf(o: number): number {
    return this.firstEdge[o + 1] - this.firstEdge[o];
  }
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) + '…' : s;
}
