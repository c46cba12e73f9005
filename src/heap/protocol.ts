/**
 * Messages between `HeapWorkerClient` and the heap worker thread. Every request carries an id;
 * each reply is `{ok}` or `{err}` for that id; progress events carry the id of the request
 * they belong to. Plain data only.
 */
import type {
  HeapClassSummary,
  HeapComponent,
  HeapDiff,
  HeapObjectInfo,
  HeapProgress,
  HeapReference,
  HeapRetainerGraph,
  HeapSnapshotInfo,
  HeapAllocationFrame,
} from '../model/heap';
import type { RetainerOptions } from './queries';
import type { TrackedInstancesOptions } from './instances';
import type { SuspectOptions } from './suspects';
import type { CollectedGarbageResult } from './collected';
import type { LeakSuspectGroup } from '../model/garbage';
import type { TrackedClassCensus } from '../model/tracker';
import type { HeapGraphEdge, HeapObjectDetails } from '../model/heap';
import type { NewExpressionAnswer, NewExpressionQuery } from './newExpressions';

/** Handle of a snapshot held by the worker. */
export type SnapshotHandle = number;

export type { HeapObjectDetails };

/** Method name → [params, result]. */
export interface HeapWorkerMethods {
  open: [{ path: string }, { snapshot: SnapshotHandle; info: HeapSnapshotInfo }];
  beginStream: [{ totalBytes?: number }, { stream: number }];
  end: [{ stream: number }, { snapshot: SnapshotHandle; info: HeapSnapshotInfo }];
  abort: [{ stream: number }, null];
  classes: [{ snapshot: SnapshotHandle }, HeapClassSummary[]];
  diff: [{ a: SnapshotHandle; b: SnapshotHandle }, HeapDiff];
  retainers: [{ snapshot: SnapshotHandle; id: number; options?: RetainerOptions }, HeapRetainerGraph];
  object: [{ snapshot: SnapshotHandle; id: number }, HeapObjectDetails | null];
  referents: [{ snapshot: SnapshotHandle; id: number; start?: number; end?: number }, HeapReference[]];
  objectsOfClass: [{ snapshot: SnapshotHandle; name: string; start?: number; end?: number }, { total: number; objects: HeapObjectInfo[] }];
  components: [{ snapshot: SnapshotHandle; ids: number[] }, HeapComponent[]];
  dispose: [{ snapshot: SnapshotHandle }, null];
  trackedInstances: [{ snapshot: SnapshotHandle; options: TrackedInstancesOptions }, { classes: TrackedClassCensus[]; stacks: HeapAllocationFrame[][] }];
  absentIds: [{ a: SnapshotHandle; b: SnapshotHandle }, number[]];
  collectedGarbage: [{ a: SnapshotHandle; b: SnapshotHandle }, CollectedGarbageResult];
  subgraph: [{ snapshot: SnapshotHandle; ids: number[]; maxNodes?: number }, { nodes: HeapObjectInfo[]; edges: HeapGraphEdge[]; truncated: boolean }];
  leakSuspects: [{ baseline: SnapshotHandle; target: SnapshotHandle; final: SnapshotHandle; options?: SuspectOptions }, { objects: number; groups: LeakSuspectGroup[] }];
  newExpressions: [{ source: string; queries: NewExpressionQuery[] }, NewExpressionAnswer[]];
}

export type HeapWorkerMethod = keyof HeapWorkerMethods;

export type HeapWorkerRequest = {
  [M in HeapWorkerMethod]: { type: 'request'; id: number; method: M; params: HeapWorkerMethods[M][0] };
}[HeapWorkerMethod];

/** A chunk of a streamed snapshot: no reply; errors surface at `end`. */
export interface HeapWorkerChunk {
  type: 'chunk';
  stream: number;
  chunk: string | Uint8Array;
}

export interface HeapWorkerErrorData {
  name: string;
  message: string;
  problem?: string;
  offset?: number;
  stack?: string;
}

export type HeapWorkerReply =
  { type: 'reply'; id: number; ok: unknown } | { type: 'reply'; id: number; err: HeapWorkerErrorData } | { type: 'progress'; id: number; progress: HeapProgress };
