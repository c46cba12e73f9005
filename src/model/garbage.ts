/**
 * Garbage as V8 allows it to be seen: objects present in one snapshot and gone from the next
 * (collected in between), split into connected reference graphs. Plain data only.
 */
import type { AllocationSite, HeapAllocationFrame } from './heap';

/** One graph of collected objects, as `GET /api/garbage` lists it (largest first). */
export interface GarbageGraphSummary {
  index: number;
  /** Objects in the graph. */
  objects: number;
  /** Objects that lie on reference cycles. */
  cycleObjects: number;
  /** Sum of the objects' self sizes. */
  totalSize: number;
  /**
   * The graph's class names (at most five): those with objects on cycles first, then the
   * program's constructors, its other objects (strings, closures…), the engine's; each group most
   * frequent first.
   */
  classes: string[];
  /** The same classes with their object counts in the graph (absent in older dumps). */
  classCounts?: Array<{ name: string; count: number }>;
  /**
   * True when every object of the graph is an engine internal (compiled code, hidden classes,
   * backing stores, heap numbers, natives, `system / …`): freed by the engine, not let go of by
   * the program. Such graphs come after all others; the page hides them unless asked.
   */
  engine?: boolean;
}

export interface GarbageObject {
  id: number;
  size: number;
  /** Node type: `object`, `string`, `closure`, `array`… */
  type: string;
  className: string;
  repr: string;
}

export interface GarbageEdge {
  from: number;
  to: number;
  /** `property`, `element`, `internal`, `context`… */
  edgeType: string;
  name: string;
}

export interface GarbageGraph {
  nodes: GarbageObject[];
  edges: GarbageEdge[];
  /** True when the graph was cut at the node limit. */
  truncated: boolean;
}

/** `GET /api/garbage/:index`. */
export interface GarbageGraphDetail {
  index: number;
  /** Tracker snapshots the objects were collected between. */
  from: number;
  to: number;
  cycleObjects: number;
  totalSize: number;
  objects: GarbageObject[];
  graph: GarbageGraph;
  /** The graph reduced to the objects on cycles. */
  reduced: GarbageGraph;
}

/** `GET /api/garbage`: what was collected between two snapshots. */
export interface GarbageReport {
  /** Tracker snapshot indexes: collected after `from` was taken and before `to`. */
  from: number;
  to: number;
  /** All collected objects and their self sizes. */
  objects: number;
  totalSize: number;
  graphs: GarbageGraphSummary[];
}

/** Leak suspects sharing one retainer path (memlab's method). */
export interface LeakSuspectGroup {
  /**
   * The shortest retainer path, root side first: `Class → reference` per step, with what varies
   * between the group's objects collapsed: element indexes and Map/Set slots as `[]`, the keys of
   * an object used as a dictionary as `[key]`.
   */
  path: string[];
  /** Class of the suspected objects. */
  className: string;
  /**
   * Not the program's: objects V8's compiled code holds (literal boilerplates) or Node's own
   * objects held through Node's objects only (`HTTPParser`, `ShutdownWrap`…). Left out of the
   * answer unless `?engine=1`, then ranked after the program's groups.
   */
  engine: boolean;
  count: number;
  selfSize: number;
  /** Sum of the objects' retained sizes (objects retaining each other count more than once). */
  retainedSize: number;
  /** A few object ids, for `/api/heap/objects/:id/retainers?snapshot=<heapIndex>`. */
  sampleIds: number[];
  /**
   * Where most of the group's objects were allocated: the innermost frame of the program (not
   * Node's own), with how many of them; only when allocation tracking was on as they were made.
   */
  allocatedAt?: HeapAllocationFrame & { count: number };
  /** The program's frames (innermost first) of one stack allocated at `allocatedAt`; `allocatedAt` is among them, the frame of the `new` when it was found. */
  allocationStack?: HeapAllocationFrame[];
  /**
   * Without allocation stacks, where they were probably made, by the sampling heap profiler (on
   * once a class is tracked without stacks): the program's function of most live bytes that holds
   * a `new` of the group's class, at that `new` (`liveBytes` is the function's, all classes).
   */
  sampledAt?: AllocationSite;
}

/** `GET /api/garbage/suspects`: allocated after `baseline`, present in `target` and still alive in `final`. */
export interface LeakSuspects {
  /** Tracker snapshot indexes. */
  baseline: number;
  target: number;
  final: number;
  /** Heap snapshot index of `final` (for the retainer graphs), when the server holds it. */
  heapIndex?: number;
  /** Suspected objects of the program (the top of each leak: suspects inside another suspect count in its retained size). */
  objects: number;
  /** Groups (and their objects) of engine and Node internals, left out unless `?engine=1`. */
  engineGroups: number;
  engineObjects: number;
  /** All groups answered (the engine's too with `?engine=1`); `groups` is the page from `offset` (`?offset=&limit=`, 50 by default). */
  totalGroups: number;
  offset: number;
  groups: LeakSuspectGroup[];
}

/** A reference between two objects of a collector garbage graph: attribute, key (`[key]`) or index (`[0]`). */
export interface CollectorGarbageEdge {
  from: number;
  to: number;
  name: string;
}

/** Objects and references of one graph the collector found (or its cycles only). */
export interface CollectorGarbageGraphView {
  nodes: GarbageObject[];
  edges: CollectorGarbageEdge[];
  /** True when the graph was cut at the agent's node limit. */
  truncated: boolean;
}

/** One connected part of what the collector found unreachable, as Pympler draws it. */
export interface CollectorGarbageGraph {
  index: number;
  objects: number;
  /** Objects that lie on reference cycles. */
  cycleObjects: number;
  totalSize: number;
  /** The most frequent classes of the graph's objects (at most three). */
  classes: string[];
  graph: CollectorGarbageGraphView;
  /** The graph reduced to its cycles and the paths between them (Pympler's reduce_to_cycles). */
  reduced: CollectorGarbageGraphView;
}

/** Whether the runtime's automatic collector runs, and whether the profiler keeps it off. */
export interface CollectorState {
  enabled: boolean;
  /** The profiler turned it off (Pympler's advice: cycles then wait to be seen); off means it was on. */
  keptOff: boolean;
}

/**
 * `GET /api/garbage/collector`: Pympler's garbage graphs, what a collection with CPython's
 * `gc.DEBUG_SAVEALL` found unreachable (the program's dropped cycles), largest first:
 * `POST /api/garbage/collector` runs the collection, `GET` answers its graphs until the next
 * (null before the first).
 */
export interface CollectorGarbage {
  /** When the collection ran (ms since the epoch). */
  timestamp: number;
  objects: number;
  totalSize: number;
  graphs: CollectorGarbageGraph[];
  collector: CollectorState;
}
