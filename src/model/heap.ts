/**
 * Heap snapshot results as the heap engine's worker returns them: plain data only (no imports,
 * no classes) so the server, the UI and stats dumps can share them. Sizes are bytes.
 */

/** One row of the summary: all objects of one class (constructor name, or a group like `(closure)`). */
export interface HeapClassSummary {
  name: string;
  count: number;
  selfSize: number;
  /**
   * Sum of the retained sizes of this class's instances that are not dominated by another
   * instance of the same class (as DevTools computes it), so nested instances count once.
   */
  retainedSize: number;
}

/** Per-class change between two snapshots, matched by object id. */
export interface HeapClassDelta {
  name: string;
  addedCount: number;
  removedCount: number;
  countDelta: number;
  addedSize: number;
  removedSize: number;
  sizeDelta: number;
}

export interface HeapDiff {
  /** Objects present in the second snapshot and not in the first. */
  addedCount: number;
  removedCount: number;
  addedSize: number;
  removedSize: number;
  /** Sorted by absolute size delta, largest first; classes without change are left out. */
  classes: HeapClassDelta[];
}

/** A short description of one heap object. */
export interface HeapObjectInfo {
  /** V8's object id: stable across snapshots of one isolate. */
  id: number;
  /** Node type: `object`, `closure`, `string`, `array`, `hidden`… */
  type: string;
  /** Class name as the summary groups it. */
  className: string;
  /** Raw node name (constructor name, function name, string value…). */
  name: string;
  selfSize: number;
  /** Absent when dominators were not computed. */
  retainedSize?: number;
  /** Edges from the roots on a shortest path; absent when unreachable or not computed. */
  distance?: number;
  /** A short human-readable preview, e.g. `Leaf @123`, `"some text…"`. */
  repr: string;
}

/** A reference from one object to another. */
export interface HeapReference {
  /** `property`, `element`, `context`, `internal`, `hidden`, `shortcut`, `weak`. */
  edgeType: string;
  /** Property name, or element index as a string. */
  name: string;
  /** The object at the other end. */
  object: HeapObjectInfo;
}

/** A node of a retainer graph. */
export interface HeapGraphNode extends HeapObjectInfo {
  /** True for the object the graph was asked about. */
  target?: boolean;
  /** True for a GC root or the synthetic snapshot root. */
  root?: boolean;
}

/** An edge `from` retains `to` (ids). */
export interface HeapGraphEdge {
  from: number;
  to: number;
  edgeType: string;
  name: string;
}

/** Retainers of an object, as paths to the roots and as a size-limited graph. */
export interface HeapRetainerGraph {
  nodes: HeapGraphNode[];
  edges: HeapGraphEdge[];
  /** Shortest retainer paths, each a list of ids from the object to a root. */
  paths: number[][];
  /** True when the graph was cut at the node limit. */
  truncated: boolean;
}

/** Connected components (weakly connected) of a set of objects, with their cycles. */
export interface HeapComponent {
  /** Object ids in this component. */
  ids: number[];
  totalSize: number;
  /** Strongly connected parts with more than one object (or a self-loop): the reference cycles. */
  cycles: number[][];
}

/** One frame of an allocation stack. */
export interface HeapAllocationFrame {
  functionName: string;
  scriptName: string;
  scriptId: number;
  /** Where the function starts (its parameter list), as V8 records it: 1-based; 0 when unknown. */
  line: number;
  column: number;
  /**
   * On the frame that ran the `new` making the object: where that expression is (1-based), found
   * in the script's source; absent where it could not be found (no source, the source changed,
   * no `new` of the class in that function). `others`: how many more `new`s of the class that
   * function holds (V8 tells functions apart, not places in them: the object came from one of them).
   */
  newAt?: { line: number; column: number; others?: number };
}

/** Where the program allocated what is still alive, as the sampling heap profiler estimates it. */
export interface AllocationSite extends HeapAllocationFrame {
  /** Estimated bytes still alive that were allocated here (samples × the sampling interval, roughly). */
  liveBytes: number;
}

/** `GET /api/tracker/allocation-sites`: sampled allocation sites since sampling began, largest first. */
export interface AllocationSites {
  /** Milliseconds since the epoch when sampling began. */
  since: number;
  /** Mean bytes between two samples. */
  samplingInterval: number;
  sites: AllocationSite[];
}

/** Counts of a loaded snapshot. */
export interface HeapSnapshotInfo {
  nodeCount: number;
  edgeCount: number;
  stringCount: number;
  /** Sum of self sizes of all nodes. */
  totalSize: number;
  /** Whether the snapshot carries allocation stacks (trace tree). */
  hasAllocationTraces: boolean;
  /** Milliseconds spent parsing and analysing. */
  parseMs: number;
  analyseMs: number;
}

/** Progress of a long heap operation. */
export interface HeapProgress {
  /** `parse`, `edges`, `retainers`, `distances`, `dominators`, `retained`, `classes`… */
  phase: string;
  /** Input bytes consumed (parse phase). */
  bytes?: number;
  /** Input size when known. */
  totalBytes?: number;
  /** Work units done of `total` in this phase. */
  done: number;
  total: number;
}

/** One object with where it was allocated (when traced) and how many references it has. */
export interface HeapObjectDetails extends HeapObjectInfo {
  allocationStack: HeapAllocationFrame[];
  referentCount: number;
}
