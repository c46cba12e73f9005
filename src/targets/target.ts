import type {
  AllocationSites,
  CapabilityName,
  HeapAllocationFrame,
  CollectorGarbage,
  CollectorState,
  IdReset,
  ObjectReferents,
  ProcessInfo,
  TargetInfo,
  ThreadInfo,
  ThreadStack,
} from '../model';

/**
 * A profiled program, whatever reaches it: a live Node program over the DevTools protocol, a
 * Python program through its agent, saved files. The tracker, the heap store and the routes
 * use only this interface: what a target can do is the set of its capabilities, and a missing
 * one is a clear "not available" rather than a branch on the target's class.
 */
export interface ProfiledTarget {
  info(): Promise<TargetInfo>;
  readonly capabilities: TargetCapabilities;
  /** Called once when the program can no longer be reached. */
  onGone(listener: (reason: string) => void): () => void;
  /** The error for a capability this target lacks (default: a generic "not available"). */
  describeMissing?(what: string): NotAvailableError;
  dispose(): Promise<void>;
}

/** What a target can do; each is optional (saved files have none). */
export interface TargetCapabilities {
  process?: ProcessFigures;
  threads?: Threads;
  heapSnapshots?: HeapSnapshots;
  census?: Census;
  allocationTracking?: AllocationTracking;
  objectIds?: ObjectIds;
  suspension?: Suspension;
  programRequests?: ProgramRequests;
  collectorGarbage?: CollectorGarbageGraphs;
}

/** Memory figures of the process (resident size, heap, spaces). */
export interface ProcessFigures {
  read(): Promise<ProcessInfo>;
}

/** Where retained sizes come from: the program's latest heap snapshot, looked up by object id. */
export interface RetainedSizes {
  latest(): { snapshot: number; label: string; timestamp: number } | undefined;
  /** The object with this id in that snapshot, or undefined. */
  lookup(snapshot: number, id: number): Promise<{ type: string; className: string; retainedSize?: number } | undefined>;
}

/** Threads, their stacks and the objects their frames see. */
export interface Threads {
  /** A reader that hands out references to the objects of the stacks it read (one per server). */
  open(sizes?: RetainedSizes): ThreadReader;
}

export interface ThreadReader {
  threads(): Promise<ThreadInfo[]>;
  stack(threadId: string): Promise<ThreadStack>;
  referents(ref: string, offset: number, limit: number): Promise<ObjectReferents>;
  dispose(): Promise<void>;
}

/** Receives a heap snapshot's `.heapsnapshot` text in order, as it is produced (text, or its UTF-8 bytes). */
export interface HeapSnapshotSink {
  write(chunk: string | Uint8Array): void;
}

export interface CaptureOptions {
  /** The runtime's own progress (objects done of total) while it builds the snapshot. */
  onProgress?: (done: number, total: number) => void;
  /** Longest wait for the whole snapshot. */
  timeoutMs?: number;
}

/** Full heap snapshots in DevTools' `.heapsnapshot` format. */
export interface HeapSnapshots {
  /** Streams one snapshot into `sink`; resolves once the last chunk was written. */
  capture(sink: HeapSnapshotSink, options?: CaptureOptions): Promise<void>;
  /**
   * The class names a snapshot taken now gives the instances of the classes each name stands
   * for, when a tracked name may be another form of them (Python: bare `Inner`, qualified
   * `Outer.Inner` and module-qualified `app.Order` → the `__qualname__` nodes are named by); an
   * empty list when no class answers to the name. Absent: names are matched exactly.
   */
  resolveClassNames?(names: readonly string[]): Promise<Record<string, string[]>>;
}

/** Instances per class without a full snapshot: exact counts, no sizes. */
export interface Census {
  count(names: readonly string[]): Promise<{ counts: Record<string, number>; scanned: number }>;
  /**
   * Every class name the program has now: instances per name, and `classes`, the names of
   * classes whose instances may all be gone (what a mistyped tracked name is compared with).
   */
  names?(): Promise<{ counts: Record<string, number>; classes: string[] }>;
}

/** Allocation stacks recorded from now on and carried by later heap snapshots. */
export interface AllocationTracking {
  /**
   * Turns it on; resolves to the last object id given when it started (every object made later
   * gets a larger one: births are told by id), undefined when the runtime did not say.
   */
  start(): Promise<number | undefined>;
  /** While it is on: the last object id given so far, as `start` resolves it. */
  lastId(): Promise<number | undefined>;
  /**
   * Without allocation stacks: numbers every live object now and resolves to the last id given,
   * as `start` does, so that the next snapshot tells the objects made since by id. As heavy as a
   * heap snapshot: call it under the snapshot lock, after the memory guard.
   */
  numberObjects?(): Promise<number | undefined>;
  /**
   * Sampled allocation sites, for classes tracked without stacks: `startSampling` is cheap and
   * stays on; `sampledSites` gives the live bytes per program function since it began.
   */
  startSampling?(): Promise<void>;
  sampledSites?(): Promise<AllocationSites | undefined>;
  /**
   * The source of the script a stack frame names, where the profiler can read it (the program
   * runs on this machine): to find the line of the `new` in the frame's function. Undefined
   * when it cannot.
   */
  scriptSource?(frame: HeapAllocationFrame): Promise<string | undefined>;
}

/** The runtime's object ids are stable across snapshots; this notices when they were reset. */
export interface ObjectIds {
  /** Call right after snapshot `index` was taken: the reset seen since the previous one, if any. */
  checkReset(index: number): Promise<IdReset | undefined>;
  dispose(): void;
}

/** The program is held (suspended by `startProfiler`) and carries on when told. */
export interface Suspension {
  resume(): void;
}

/** What the program itself asks of the profiler (Pympler's `track_class`, `create_snapshot`… called in it). */
export type ProgramRequest =
  | { kind: 'trackClass'; name: string; trace?: boolean; resolutionLevel?: number }
  | { kind: 'createSnapshot'; description: string }
  | { kind: 'startPeriodicSnapshots'; intervalMs: number }
  | { kind: 'stopPeriodicSnapshots' };

/** The program's own requests, those made before the subscription included; the program waits until the handler settles. */
export interface ProgramRequests {
  subscribe(handler: (request: ProgramRequest) => Promise<unknown>): Promise<void>;
}

/**
 * Pympler's garbage graphs: what the runtime's cycle collector finds unreachable when told to
 * keep it (CPython's `gc.DEBUG_SAVEALL`; the program's gc flags and `gc.garbage` put back).
 */
export interface CollectorGarbageGraphs {
  /** The graphs of the latest `collect`, kept until the next one; undefined before the first. */
  latest(): Promise<CollectorGarbage | undefined>;
  /** Runs a collection that keeps what it finds, and answers (and keeps) its graphs. */
  collect(): Promise<CollectorGarbage>;
  /** Pympler's advice as an option: the automatic collector kept off, so cycles wait to be seen. */
  setAutomatic(enabled: boolean): Promise<CollectorState>;
}

/** Every capability a target may have, in the order the UI lists them. */
export const CAPABILITY_NAMES: readonly CapabilityName[] = [
  'process',
  'threads',
  'heapSnapshots',
  'census',
  'allocationTracking',
  'objectIds',
  'suspension',
  'programRequests',
  'collectorGarbage',
];

/** The names of the capabilities a target has: what `/api/target` reports for the UI. */
export function capabilityNames(capabilities: TargetCapabilities): CapabilityName[] {
  return CAPABILITY_NAMES.filter((name) => capabilities[name] !== undefined);
}

/** What a capability gives, in words for "not available" answers. */
const WHAT: Record<CapabilityName, string> = {
  process: 'process information',
  threads: 'thread information',
  heapSnapshots: 'heap snapshots',
  census: 'a census',
  allocationTracking: 'allocation tracking',
  objectIds: 'object id checks',
  suspension: 'resuming the program',
  programRequests: "the program's own requests",
  collectorGarbage: "the collector's garbage graphs",
};

/** The target cannot do this: HTTP 404 `{error, detail}`. */
export class NotAvailableError extends Error {
  constructor(
    readonly title: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'NotAvailableError';
  }
}

/** The capability, or a `NotAvailableError` naming what this target cannot do. */
export function need<K extends CapabilityName>(target: ProfiledTarget, name: K): NonNullable<TargetCapabilities[K]> {
  const capability = target.capabilities[name];
  if (capability !== undefined) return capability as NonNullable<TargetCapabilities[K]>;
  throw target.describeMissing?.(WHAT[name]) ?? new NotAvailableError('not available', `${WHAT[name]} is not available for this program`);
}

/** A thread, a stack or a reference the caller named does not exist (any more): HTTP 404. */
export class UnknownThreadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownThreadError';
  }
}

/** Too many references handed out for one stack: HTTP 409. */
export class TooManyObjectsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TooManyObjectsError';
  }
}

/** The program did not answer in time: stopped (SIGSTOP, a debugger outside) or busy: HTTP 504. */
export class TargetUnresponsiveError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`no answer to ${what} within ${timeoutMs / 1000} s; is it stopped (SIGSTOP) or busy in a long synchronous task?`);
    this.name = 'TargetUnresponsiveError';
  }
}

/** Once a program can no longer be reached: the reason, said once to every listener (`ProfiledTarget.onGone`). */
export class GoneSignal {
  private why: string | undefined;
  private readonly listeners = new Set<(reason: string) => void>();

  /** Why the program is gone; undefined while it can be reached. */
  get reason(): string | undefined {
    return this.why;
  }

  /** The first call wins; later ones are ignored. */
  fire(reason: string): void {
    if (this.why !== undefined) return;
    this.why = reason;
    for (const listener of this.listeners) listener(reason);
    this.listeners.clear();
  }

  /** A listener added after the fact is told at once (in a microtask). */
  on(listener: (reason: string) => void): () => void {
    const why = this.why;
    if (why !== undefined) {
      queueMicrotask(() => listener(why));
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The program is gone (exited, killed, connection lost): HTTP 503. */
export class TargetGoneError extends Error {
  constructor(reason: string) {
    super(`the profiled program is gone: ${reason}`);
    this.name = 'TargetGoneError';
  }
}
