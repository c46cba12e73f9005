/**
 * The class tracker's results, as `/api/tracker…` returns them and as stats dumps store them:
 * plain data only. Sizes are bytes, times milliseconds since the epoch.
 */
import type { GarbageGraphDetail, GarbageGraphSummary } from './garbage';
import type { HeapAllocationFrame } from './heap';
import type { HeapSpace, TargetInfo } from './process';

/** A class the tracker follows (instances are found by constructor name). */
export interface TrackedClass {
  name: string;
  /** Depth of the merged referent trees recorded per snapshot (0 = none). */
  resolutionLevel: number;
  /** Whether allocation tracking was asked for, so instances carry their creation stack. */
  trace: boolean;
  /** When tracking began. */
  since: number;
  /** Index of the first tracker snapshot taken while tracked. */
  firstSnapshot: number;
  /**
   * V8's object id when tracking began: an instance with a larger id was made after (ids grow
   * monotonically; the live instances were numbered first). Absent in older dumps.
   */
  startId?: number;
}

/** One tracked class in one snapshot. */
export interface ClassSnapshotStats {
  /** Instances alive. */
  active: number;
  /**
   * Bytes the instances keep alive: the sum of their retained sizes, an instance retained by
   * another instance of the same class counted once (as DevTools' "retained size" per class).
   */
  sum: number;
  /** `sum / active`. */
  avg: number;
  /** Share of the JS heap: `sum` divided by the snapshot's `total` (all objects' self sizes), in percent. */
  pct: number;
  /** Sum of the instances' own (shallow) sizes. */
  selfSum: number;
  /** Smallest and largest retained size of one instance. */
  min: number;
  max: number;
}

/** Memory of the program when a snapshot was taken. */
export interface SnapshotProcessMemory {
  rss: number;
  vsz: number;
  heapUsed: number;
  heapTotal: number;
  heapLimit: number;
  external: number;
  arrayBuffers: number;
}

/** One tracker snapshot, summarised. */
export interface TrackerSnapshot {
  index: number;
  description: string;
  timestamp: number;
  /** Milliseconds the program was paused for the capture. */
  captureMs: number;
  /** Position of the full snapshot in `/api/heap/snapshots`, when the server holds it. */
  heapIndex?: number;
  /** The JS heap: sum of the self sizes of all objects in the snapshot. */
  total: number;
  /** Sum of `sum` over the tracked classes (classes that retain each other count twice). */
  trackedTotal: number;
  /** Profiler overhead inside the program; 0 when not measurable (a separate profiler process). */
  overhead: number;
  classes: Record<string, ClassSnapshotStats>;
  process?: SnapshotProcessMemory;
  /** True when V8's object ids were reset since the previous snapshot (lifetimes cut here). */
  idReset?: boolean;
}

/** Figures sampled about once a second, between snapshots, for the timeline. */
export interface TimelineSample {
  timestamp: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  spaces: Array<Pick<HeapSpace, 'name' | 'used' | 'size'>>;
}

/** One instance's life as seen through snapshots (V8's stable object ids). */
export interface InstanceLifetime {
  id: number;
  /** A short preview, e.g. `Widget @1234`. */
  repr: string;
  /**
   * Index of the first snapshot that had it, or null when it already existed when tracking
   * began (or when the ids were reset): its birth is not known.
   */
  birth: number | null;
  /** Index of the first snapshot without it (collected in between), or null while alive. */
  death: number | null;
  /** When set, V8's ids were reset at this snapshot: the object can no longer be followed. */
  lostAt?: number;
  /** `[snapshot index, retained size]` for every snapshot that had it. */
  sizes: Array<[number, number]>;
  /** Index into `ClassDetail.stacks`: where it was allocated (tracked with `trace`). */
  stack?: number;
}

/** Referents of a class's instances merged by reference name and class, to the resolution level. */
export interface MergedReferent {
  /** `name → Class`, e.g. `label → (string)`; elements are merged as `[] → Class`. */
  name: string;
  /** References merged here. */
  count: number;
  /** Sum of the referred objects' retained sizes. */
  size: number;
  children: MergedReferent[];
}

/** A tracked class over all snapshots. */
export interface ClassSnapshotDetail extends ClassSnapshotStats {
  index: number;
  referents: MergedReferent[];
}

export interface ClassDetail {
  name: string;
  tracked: TrackedClass | null;
  snapshots: ClassSnapshotDetail[];
  /** Largest instances first would hide births: in id order (allocation order). */
  instances: InstanceLifetime[];
  /** True when more instances existed than are recorded (see the tracker's `maxInstances`). */
  instancesTruncated: boolean;
  /** Allocation stacks, innermost frame first. */
  stacks: HeapAllocationFrame[][];
}

/**
 * Said when a tracked class has no instance in the program now: often a mistyped name
 * (`Ordr` for `Order`). The class is tracked anyway (its instances may come later).
 */
export interface TrackWarning {
  name: string;
  /** What the program's names were read from: a census now, or the latest heap snapshot. */
  source: 'census' | 'snapshot';
  /** Names the program has that are near `name`, nearest first (at most 5). */
  suggestions: string[];
  /** The warning in one sentence (plain text). */
  message: string;
}

/** V8's object ids were reset (another client disabled the heap profiler) before this snapshot. */
export interface IdReset {
  snapshot: number;
  /** How it was seen: a known surviving object changed id, or the highest id went down. */
  detectedBy: 'sentinel' | 'max-id';
  detail: string;
}

/** One tracked class in a census: the count is exact, the sizes are estimates. */
export interface CensusClassStats {
  /** Instances alive (exact: V8 collects garbage before listing the objects). */
  active: number;
  /** `active × avg`: an estimate. */
  sum: number;
  /** Average retained size per instance in the full snapshot `sizesFrom` (0 when none had the class). */
  avg: number;
  /** Index of the full tracker snapshot the sizes come from, or null. */
  sizesFrom: number | null;
  /** Always true: sizes are carried over from a full snapshot, not measured. */
  estimated: true;
}

/**
 * A census between full snapshots (periodic mode): instance counts per tracked class from
 * `Runtime.queryObjects`, without a heap snapshot, with sizes carried over from the latest full
 * snapshot.
 */
export interface CensusEntry {
  timestamp: number;
  /** Milliseconds the program was paused (a full GC and a walk over its objects). */
  pauseMs: number;
  /** Objects the census looked at. */
  scanned: number;
  /** Latest full snapshot any size comes from, or null. */
  basedOn: number | null;
  classes: Record<string, CensusClassStats>;
}

export interface TimeSeries {
  label: string;
  /** `[timestamp, bytes]` points. */
  data: Array<[number, number]>;
}

/** `GET /api/tracker`. */
export interface TrackerState {
  live: boolean;
  /** Tracked classes with no instance when they were checked (a mistyped name?), until a snapshot finds some. */
  warnings?: TrackWarning[];
  tracked: TrackedClass[];
  snapshots: TrackerSnapshot[];
  /**
   * The stacked chart: `class:Name` per tracked class (per snapshot), `heap:other` (the rest of
   * the JS heap), `outside heap` (resident memory not in the JS heap), `space:<name>` (each heap
   * space's used bytes, from the samples), `rss` (from the samples), and `census:Name` per
   * class counted by periodic censuses (estimated bytes: count × the latest full snapshot's
   * average size; the exact counts are in `census`).
   */
  timeseries: TimeSeries[];
  /** Censuses taken in periodic mode, oldest first. */
  census: CensusEntry[];
  periodic: PeriodicStatus | null;
  busy: boolean;
  idResets: IdReset[];
}

/** Periodic mode as it runs. */
export interface PeriodicStatus {
  intervalMs: number;
  /** Share of wall time the program may be paused (censuses and full snapshots together). */
  budget: number;
  /** `census`: a census every interval, full snapshots as the budget allows; `full`: full snapshots only. */
  mode: 'census' | 'full';
  nextAt?: number;
  lastError?: string;
  /** Since periodic mode started: wall time, time paused, censuses and full snapshots taken. */
  elapsedMs: number;
  pausedMs: number;
  censuses: number;
  fullSnapshots: number;
}

/** What `dumpStats` writes and `loadStats` reads. */
export interface StatsDump {
  format: 'memory-profiler-stats';
  version: 1;
  createdAt: number;
  target: TargetInfo | null;
  tracked: TrackedClass[];
  snapshots: TrackerSnapshot[];
  classes: Record<string, ClassDetail>;
  timeline: TimelineSample[];
  idResets: IdReset[];
  /** Periodic censuses (absent in dumps from before they existed). */
  census?: CensusEntry[];
  /**
   * What was collected between consecutive snapshots still held when the dump was written (the
   * latest pairs), so `/api/garbage` works offline: every graph's summary, the largest graphs
   * in full.
   */
  garbage?: SavedGarbage[];
}

/** `/api/garbage` between snapshots `from` and `to`, saved in a stats dump. */
export interface SavedGarbage {
  from: number;
  to: number;
  graphs: GarbageGraphSummary[];
  /** The first (largest) graphs with their objects and references; the rest were not saved. */
  details: Array<Omit<GarbageGraphDetail, 'from' | 'to'>>;
}

/** Per tracked class, what one snapshot holds (computed in the heap worker). */
export interface TrackedClassCensus {
  name: string;
  count: number;
  selfSize: number;
  /** Nested instances counted once (see `ClassSnapshotStats.sum`). */
  retainedSize: number;
  min: number;
  max: number;
  instances: Array<{ id: number; repr: string; retainedSize: number; stack?: number }>;
  truncated: boolean;
  referents: MergedReferent[];
}
