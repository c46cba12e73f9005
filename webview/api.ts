/**
 * The UI's only way to the server: typed JSON requests under `{apiBase}/api`, with timeouts and
 * the server's `{error, detail}` bodies turned into `ApiRequestError`s.
 */
import type {
  ApiAnswer,
  ApiError,
  ApiPath,
  ApiRouteKey,
  ApiRoutes,
  PathParams,
  ClassDetail,
  CollectorGarbage,
  CollectorState,
  GarbageGraphDetail,
  GarbageReport,
  LeakSuspects,
  HeapClassSummary,
  HeapDiff,
  HeapObjectInfo,
  HeapReference,
  HeapRetainerGraph,
  HeapSnapshotEntry,
  ObjectReferents,
  ProcessInfo,
  TargetInfo,
  ThreadInfo,
  ThreadStack,
  TrackedClass,
  TrackerSnapshot,
  TrackerState,
  TrackWarning,
} from '../src/model';

const q = encodeURIComponent;

/** A failed API request. `status` is 0 when the server could not be reached or timed out. */
export class ApiRequestError extends Error {
  constructor(
    readonly path: string,
    readonly status: number,
    readonly error: string,
    readonly detail?: string,
  ) {
    super(detail ? `${error}: ${detail}` : error);
    this.name = 'ApiRequestError';
  }

  /** The profiled program is gone (the server answers 503). */
  get targetGone(): boolean {
    return this.status === 503;
  }

  /** The server itself did not answer (network error or timeout). */
  get unreachable(): boolean {
    return this.status === 0;
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  /** Gives up after this long; default 10 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class Api {
  /** `base` is the server's origin, e.g. `http://127.0.0.1:8090`; '' means this page's origin. */
  constructor(
    readonly base: string,
    private readonly token?: string,
  ) {}

  async request<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const { method = 'GET', body, timeoutMs = 10_000, signal } = options;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers: {
          accept: 'application/json',
          // The server's sign that a request comes from its own UI (see src/server/security.ts).
          'x-memory-profiler': '1',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.token ? { 'x-memory-profiler-token': this.token } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        cache: 'no-store',
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      const why = timedOut ? `no answer within ${timeoutMs / 1000} s` : (e as Error).message;
      throw new ApiRequestError(path, 0, 'the profiler server cannot be reached', why);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const e = (json ?? {}) as Partial<ApiError>;
      throw new ApiRequestError(
        path,
        response.status,
        typeof e.error === 'string' ? e.error : `${method} ${path} failed with HTTP ${response.status}`,
        typeof e.detail === 'string' ? e.detail : undefined,
      );
    }
    if (json === undefined && text) {
      throw new ApiRequestError(path, response.status, `${method} ${path} answered with something other than JSON`);
    }
    return json as T;
  }

  /**
   * Calls a route of the API's table (src/model/api.ts) by its key: path parameters filled in
   * (encoded), query and body typed by the table, the answer typed as the table says.
   */
  call<K extends ApiRouteKey>(key: K, args: CallArgs<K>, options: Omit<RequestOptions, 'method' | 'body'> = {}): Promise<ApiAnswer<K>> {
    const space = key.indexOf(' ');
    const method = key.slice(0, space) as RequestOptions['method'];
    const { params, query, body } = args as { params?: Record<string, string | number>; query?: Record<string, string | number | boolean | undefined>; body?: unknown };
    let path = key.slice(space + 1).replace(/:(\w+)/g, (_, name: string) => q(String(params?.[name])));
    const search = Object.entries(query ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${q(String(v))}`)
      .join('&');
    if (search) path += `?${search}`;
    return this.request<ApiAnswer<K>>(path, { ...options, method, body });
  }

  target(signal?: AbortSignal): Promise<TargetInfo> {
    return this.call('GET /api/target', {}, { signal });
  }

  process(signal?: AbortSignal): Promise<ProcessInfo> {
    return this.call('GET /api/process', {}, { signal });
  }

  refresh(): Promise<unknown> {
    return this.call('POST /api/refresh', {});
  }

  /** Stops the profiler's server (a suspended `startProfiler` caller then carries on). */
  stopProfiler(): Promise<unknown> {
    return this.call('POST /api/stop', {});
  }

  snapshots(signal?: AbortSignal): Promise<HeapSnapshotEntry[]> {
    return this.call('GET /api/heap/snapshots', {}, { signal });
  }

  heapClasses(snapshot: number, signal?: AbortSignal): Promise<HeapClassSummary[]> {
    return this.call('GET /api/heap/classes', { query: { snapshot } }, { signal, timeoutMs: 120_000 });
  }

  objectsOfClass(snapshot: number, name: string, start: number, end: number, signal?: AbortSignal): Promise<{ total: number; objects: HeapObjectInfo[] }> {
    return this.call('GET /api/heap/classes/:name/objects', { params: { name }, query: { snapshot, start, end } }, { signal, timeoutMs: 60_000 });
  }

  heapObject(snapshot: number, id: number, signal?: AbortSignal): Promise<HeapObjectInfo> {
    return this.call('GET /api/heap/objects/:id', { params: { id }, query: { snapshot } }, { signal });
  }

  /** What a heap object refers to, a page at a time (`total`: how many references it has). */
  heapReferents(snapshot: number, id: number, start: number, end: number, signal?: AbortSignal): Promise<{ total: number; referents: HeapReference[] }> {
    return this.call('GET /api/heap/objects/:id/referents', { params: { id }, query: { snapshot, start, end } }, { signal });
  }

  retainers(snapshot: number, id: number, signal?: AbortSignal): Promise<HeapRetainerGraph> {
    return this.call('GET /api/heap/objects/:id/retainers', { params: { id }, query: { snapshot, maxNodes: 150, maxPaths: 5 } }, { signal, timeoutMs: 60_000 });
  }

  diff(from: number, to: number, signal?: AbortSignal): Promise<HeapDiff> {
    return this.call('GET /api/heap/diff', { query: { from, to } }, { signal, timeoutMs: 120_000 });
  }

  tracker(signal?: AbortSignal): Promise<TrackerState> {
    return this.call('GET /api/tracker', {}, { signal });
  }

  takeSnapshot(description = ''): Promise<TrackerSnapshot> {
    return this.call('POST /api/tracker/snapshots', { body: { description } }, { timeoutMs: 600_000 });
  }

  /** Tracks a class; the answer's `warning` says when the program has no instance of it now, with near names. */
  trackClass(name: string, trace: boolean, resolutionLevel?: number): Promise<TrackedClass & { warning?: TrackWarning }> {
    return this.call('POST /api/tracker/classes', { body: { name, trace, resolutionLevel } }, { timeoutMs: 60_000 });
  }

  untrackClass(name: string): Promise<unknown> {
    return this.call('DELETE /api/tracker/classes/:name', { params: { name } });
  }

  startPeriodic(intervalMs: number): Promise<unknown> {
    return this.call('POST /api/tracker/periodic', { body: { intervalMs } });
  }

  stopPeriodic(): Promise<unknown> {
    return this.call('DELETE /api/tracker/periodic', {});
  }

  trackerClass(name: string, signal?: AbortSignal): Promise<ClassDetail> {
    return this.call('GET /api/tracker/classes/:name', { params: { name } }, { signal });
  }

  /** What was collected between the last two tracker snapshots, as a report of its graphs. */
  async garbage(signal?: AbortSignal): Promise<GarbageReport> {
    const graphs = await this.call('GET /api/garbage', {}, { signal, timeoutMs: 120_000 });
    return {
      from: Number.NaN,
      to: Number.NaN,
      objects: graphs.reduce((n, g) => n + g.objects, 0),
      totalSize: graphs.reduce((n, g) => n + g.totalSize, 0),
      graphs,
    };
  }

  /**
   * Leak suspects, a page of groups: against tracker snapshot `baseline` (default: the third
   * latest), the engine's and Node's groups too with `engine`.
   */
  suspects(offset = 0, limit = 50, options: { baseline?: number; engine?: boolean } = {}, signal?: AbortSignal): Promise<LeakSuspects> {
    const query: { offset: number; limit: number; baseline?: number; engine?: 0 | 1 } = { offset, limit };
    if (options.baseline !== undefined) query.baseline = options.baseline;
    if (options.engine) query.engine = 1;
    return this.call('GET /api/garbage/suspects', { query }, { signal, timeoutMs: 120_000 });
  }

  /** Pympler's garbage graphs: those kept from the latest collection, or a new collection (`collect`). */
  async collectorGarbage(collect: boolean, signal?: AbortSignal): Promise<CollectorGarbage> {
    if (!collect) {
      const kept = await this.call('GET /api/garbage/collector', {}, { signal, timeoutMs: 60_000 });
      if (kept) return kept;
    }
    return this.call('POST /api/garbage/collector', {}, { signal, timeoutMs: 120_000 });
  }

  setCollectorAutomatic(enabled: boolean): Promise<CollectorState> {
    return this.call('POST /api/garbage/collector/automatic', { body: { enabled } });
  }

  garbageGraph(index: number, signal?: AbortSignal): Promise<GarbageGraphDetail> {
    return this.call('GET /api/garbage/:index', { params: { index } }, { signal, timeoutMs: 120_000 });
  }

  threads(signal?: AbortSignal): Promise<ThreadInfo[]> {
    return this.call('GET /api/threads', {}, { signal });
  }

  stack(id: string, signal?: AbortSignal): Promise<ThreadStack> {
    return this.call('GET /api/threads/:id/stack', { params: { id } }, { signal, timeoutMs: 30_000 });
  }

  referents(ref: string, offset = 0, limit = 100, signal?: AbortSignal): Promise<ObjectReferents> {
    return this.call('GET /api/objects/:ref', { params: { ref }, query: { offset, limit } }, { signal });
  }
}

/** What a route takes: its path parameters (numbers allowed), query and body, each only when it has some. */
export type CallArgs<K extends ApiRouteKey> = (keyof PathParams<ApiPath<K>> extends never
  ? { params?: undefined }
  : { params: { [P in keyof PathParams<ApiPath<K>>]: string | number } }) & {
  query?: ApiRoutes[K]['query'];
} & (ApiRoutes[K]['body'] extends undefined ? { body?: undefined } : { body: ApiRoutes[K]['body'] });

/** A failure as one line for the page: the server's error and detail, or the exception's message. */
export function errorText(e: unknown): string {
  if (e instanceof ApiRequestError) return e.detail ? `${e.error}: ${e.detail}` : e.error;
  return e instanceof Error ? e.message : String(e);
}
