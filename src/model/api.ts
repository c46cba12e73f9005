import type { CollectorGarbage, CollectorState, GarbageGraphDetail, GarbageGraphSummary, LeakSuspects } from './garbage';
import type { AllocationSites, HeapClassSummary, HeapDiff, HeapObjectDetails, HeapObjectInfo, HeapReference, HeapRetainerGraph } from './heap';
import type { ProcessInfo, TargetInfo } from './process';
import type { HeapSnapshotEntry } from './snapshots';
import type { ObjectReferents, ThreadInfo, ThreadStack } from './threads';
import type { ClassDetail, CensusEntry, PeriodicStatus, StatsDump, TrackedClass, TrackerSnapshot, TrackerState, TrackWarning } from './tracker';

/** One route of the JSON API: its query parameters, request body and answer. */
export interface Route<Answer, Query = Record<never, never>, Body = undefined> {
  query: Query;
  body: Body;
  answer: Answer;
}

/**
 * Every route of the HTTP API by `METHOD /path` (path parameters as `:name`). The server
 * registers its handlers by these keys (src/server/route.ts: the answer's type is checked), and
 * the UI's client (webview/api.ts) calls them by the same keys.
 */
export interface ApiRoutes {
  'GET /api/target': Route<TargetInfo>;
  'GET /api/process': Route<ProcessInfo>;
  'POST /api/refresh': Route<{ refreshed: true }>;
  'POST /api/stop': Route<{ stopping: true }>;

  'GET /api/heap/snapshots': Route<HeapSnapshotEntry[]>;
  'GET /api/heap/classes': Route<HeapClassSummary[], { snapshot?: number }>;
  'GET /api/heap/classes/:name/objects': Route<{ total: number; objects: HeapObjectInfo[] }, { snapshot?: number; start?: number; end?: number }>;
  'GET /api/heap/diff': Route<HeapDiff, { from?: number; to?: number }>;
  'GET /api/heap/objects/:id': Route<HeapObjectDetails, { snapshot?: number }>;
  'GET /api/heap/objects/:id/referents': Route<{ total: number; referents: HeapReference[] }, { snapshot?: number; start?: number; end?: number }>;
  'GET /api/heap/objects/:id/retainers': Route<HeapRetainerGraph, { snapshot?: number; maxNodes?: number; maxPaths?: number }>;

  'GET /api/threads': Route<ThreadInfo[]>;
  'GET /api/threads/:id/stack': Route<ThreadStack>;
  'GET /api/objects/:ref': Route<ObjectReferents, { offset?: number; limit?: number }>;

  'GET /api/tracker': Route<TrackerState>;
  'POST /api/tracker/census': Route<CensusEntry>;
  'POST /api/tracker/snapshots': Route<TrackerSnapshot, Record<never, never>, { description?: string; force?: boolean }>;
  'POST /api/tracker/classes': Route<TrackedClass & { warning?: TrackWarning }, Record<never, never>, { name: string; trace?: boolean; resolutionLevel?: number }>;
  'GET /api/tracker/classes/:name': Route<ClassDetail>;
  'GET /api/tracker/allocation-sites': Route<AllocationSites>;
  'DELETE /api/tracker/classes/:name': Route<{ untracked: string }>;
  'POST /api/tracker/periodic': Route<PeriodicStatus | null, Record<never, never>, { intervalMs: number; budget?: number; mode?: PeriodicStatus['mode'] }>;
  'DELETE /api/tracker/periodic': Route<{ stopped: true }>;
  'GET /api/stats': Route<StatsDump>;

  'GET /api/garbage': Route<GarbageGraphSummary[], { to?: number }>;
  'GET /api/garbage/suspects': Route<LeakSuspects, { baseline?: number; offset?: number; limit?: number; engine?: 0 | 1 }>;
  'GET /api/garbage/:index': Route<GarbageGraphDetail, { to?: number; reduced?: boolean }>;
  'GET /api/garbage/collector': Route<CollectorGarbage | null>;
  'POST /api/garbage/collector': Route<CollectorGarbage>;
  'POST /api/garbage/collector/automatic': Route<CollectorState, Record<never, never>, { enabled: boolean }>;
}

export type ApiRouteKey = keyof ApiRoutes;
export type ApiMethod<K extends ApiRouteKey> = K extends `${infer M} ${string}` ? M : never;
export type ApiPath<K extends ApiRouteKey> = K extends `${string} ${infer P}` ? P : never;

/** The `:name` parameters of a path, as strings. */
export type PathParams<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? { [N in Name]: string } & PathParams<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? { [N in Name]: string }
    : Record<never, never>;

export type ApiAnswer<K extends ApiRouteKey> = ApiRoutes[K]['answer'];

/** The keys at run time, for the test that every one is served. */
export const API_ROUTE_KEYS: readonly ApiRouteKey[] = [
  'GET /api/target',
  'GET /api/process',
  'POST /api/refresh',
  'POST /api/stop',
  'GET /api/heap/snapshots',
  'GET /api/heap/classes',
  'GET /api/heap/classes/:name/objects',
  'GET /api/heap/diff',
  'GET /api/heap/objects/:id',
  'GET /api/heap/objects/:id/referents',
  'GET /api/heap/objects/:id/retainers',
  'GET /api/threads',
  'GET /api/threads/:id/stack',
  'GET /api/objects/:ref',
  'GET /api/tracker',
  'POST /api/tracker/census',
  'POST /api/tracker/snapshots',
  'POST /api/tracker/classes',
  'GET /api/tracker/classes/:name',
  'GET /api/tracker/allocation-sites',
  'DELETE /api/tracker/classes/:name',
  'POST /api/tracker/periodic',
  'DELETE /api/tracker/periodic',
  'GET /api/stats',
  'GET /api/garbage',
  'GET /api/garbage/suspects',
  'GET /api/garbage/:index',
];
