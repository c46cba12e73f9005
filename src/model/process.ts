/** What is profiled, as `GET /api/target` returns it. Plain data: shared by server, UI and dumps. */
export interface TargetInfo {
  /** `live` for a running program, `offline` for saved stats or heap snapshots. */
  kind: 'live' | 'offline';
  /** Operating-system process id of the profiled program (absent offline when unknown). */
  pid?: number;
  title: string;
  /** Runtime name and version, e.g. `node v20.20.2`. */
  runtime: string;
  argv: string[];
  /** Whether the program can still be reached (false once it has exited). */
  connected: boolean;
  /** What the target can do: the UI offers only these (e.g. no "Read threads" on saved files). */
  capabilities: CapabilityName[];
  /**
   * The page may stop the profiler (`POST /api/stop`, its Stop button): a server `startProfiler`
   * started, whose caller is suspended until then. Set by the server's `/api/target`.
   */
  stoppable?: boolean;
}

/** A capability a target may have (see `src/targets/target.ts`). */
export type CapabilityName = 'process' | 'threads' | 'heapSnapshots' | 'census' | 'allocationTracking' | 'objectIds' | 'suspension' | 'programRequests' | 'collectorGarbage';

/** One V8 heap space as `v8.getHeapSpaceStatistics()` reports it, camelCased. */
export interface HeapSpace {
  name: string;
  size: number;
  used: number;
  available: number;
  physical: number;
}

/** Memory figures of the profiled program, as `GET /api/process` returns them. Bytes unless named otherwise. */
export interface ProcessInfo {
  pid: number;
  /** Milliseconds since the epoch when the figures were read. */
  timestamp: number;
  /** Virtual memory size. */
  vsz: number;
  /** Resident set size. */
  rss: number;
  /** Major page faults since the program started. */
  pagefaults: number;
  /** Peak resident set size. */
  maxRss: number;
  heap: {
    used: number;
    total: number;
    limit: number;
    external: number;
    arrayBuffers: number;
  };
  spaces: HeapSpace[];
  /** Rows of `/proc/<pid>/status` on Linux, in file order; empty elsewhere. */
  osSpecific: Array<[string, string]>;
  /**
   * A runtime whose heap is not V8's (Python): what `heap` means there and the figures it has
   * instead. Absent for Node, whose `heap` and `spaces` are V8's own.
   */
  runtimeHeap?: RuntimeHeap;
}

/** The heap figures of a runtime other than V8, labelled, so that none reads as a zero it is not. */
export interface RuntimeHeap {
  /** e.g. `Python heap`. */
  title: string;
  /** False when the runtime measures no heap bytes now: `heap.used`/`total` are then 0 and mean nothing. */
  measured: boolean;
  /** What `heap.used` and `heap.total` are when measured, or why they are not. */
  note: string;
  figures: RuntimeFigure[];
}

export interface RuntimeFigure {
  id: string;
  label: string;
  value: number;
  unit: 'bytes' | 'count';
  /** What the figure counts, in words (a tooltip). */
  detail: string;
}

/** The error body of every failed API request. */
export interface ApiError {
  error: string;
  detail?: string;
}
