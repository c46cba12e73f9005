/**
 * The UI's only way to the server: typed JSON requests under `{apiBase}/api`, with timeouts and
 * the server's `{error, detail}` bodies turned into `ApiRequestError`s.
 */
import type {
  ApiError,
  ClassDetail,
  GarbageGraphDetail,
  GarbageGraphSummary,
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

  target(signal?: AbortSignal): Promise<TargetInfo> {
    return this.request<TargetInfo>('/api/target', { signal });
  }

  process(signal?: AbortSignal): Promise<ProcessInfo> {
    return this.request<ProcessInfo>('/api/process', { signal });
  }

  snapshots(signal?: AbortSignal): Promise<HeapSnapshotEntry[]> {
    return this.request('/api/heap/snapshots', { signal });
  }

  heapClasses(snapshot: number, signal?: AbortSignal): Promise<HeapClassSummary[]> {
    return this.request(`/api/heap/classes?snapshot=${snapshot}`, { signal, timeoutMs: 120_000 });
  }

  objectsOfClass(snapshot: number, name: string, start: number, end: number, signal?: AbortSignal): Promise<{ total: number; objects: HeapObjectInfo[] }> {
    return this.request(`/api/heap/classes/${q(name)}/objects?snapshot=${snapshot}&start=${start}&end=${end}`, { signal, timeoutMs: 60_000 });
  }

  heapObject(snapshot: number, id: number, signal?: AbortSignal): Promise<HeapObjectInfo> {
    return this.request(`/api/heap/objects/${id}?snapshot=${snapshot}`, { signal });
  }

  /** What a heap object refers to, a page at a time (`total`: how many references it has). */
  heapReferents(snapshot: number, id: number, start: number, end: number, signal?: AbortSignal): Promise<{ total: number; referents: HeapReference[] }> {
    return this.request(`/api/heap/objects/${id}/referents?snapshot=${snapshot}&start=${start}&end=${end}`, { signal });
  }

  retainers(snapshot: number, id: number, signal?: AbortSignal): Promise<HeapRetainerGraph> {
    return this.request(`/api/heap/objects/${id}/retainers?snapshot=${snapshot}&maxNodes=150&maxPaths=5`, { signal, timeoutMs: 60_000 });
  }

  diff(from: number, to: number, signal?: AbortSignal): Promise<HeapDiff> {
    return this.request(`/api/heap/diff?from=${from}&to=${to}`, { signal, timeoutMs: 120_000 });
  }

  tracker(signal?: AbortSignal): Promise<TrackerState> {
    return this.request('/api/tracker', { signal });
  }

  takeSnapshot(description = ''): Promise<TrackerSnapshot> {
    return this.request('/api/tracker/snapshots', { method: 'POST', body: { description }, timeoutMs: 600_000 });
  }

  trackClass(name: string, trace: boolean, resolutionLevel?: number): Promise<TrackedClass> {
    return this.request('/api/tracker/classes', { method: 'POST', body: { name, trace, resolutionLevel }, timeoutMs: 60_000 });
  }

  untrackClass(name: string): Promise<unknown> {
    return this.request(`/api/tracker/classes/${q(name)}`, { method: 'DELETE' });
  }

  startPeriodic(intervalMs: number): Promise<unknown> {
    return this.request('/api/tracker/periodic', { method: 'POST', body: { intervalMs } });
  }

  stopPeriodic(): Promise<unknown> {
    return this.request('/api/tracker/periodic', { method: 'DELETE' });
  }

  trackerClass(name: string, signal?: AbortSignal): Promise<ClassDetail> {
    return this.request(`/api/tracker/classes/${q(name)}`, { signal });
  }

  /**
   * What was collected between the last two tracker snapshots. The server answers either the
   * `GarbageReport` of the model or (as DESIGN.md lists it) the bare array of graph summaries;
   * both read as a report (`from`/`to` NaN when not given).
   */
  async garbage(signal?: AbortSignal): Promise<GarbageReport> {
    const answer = await this.request<GarbageReport | GarbageGraphSummary[]>('/api/garbage', { signal, timeoutMs: 120_000 });
    if (!Array.isArray(answer)) return answer;
    return {
      from: Number.NaN,
      to: Number.NaN,
      objects: answer.reduce((n, g) => n + g.objects, 0),
      totalSize: answer.reduce((n, g) => n + g.totalSize, 0),
      graphs: answer,
    };
  }

  /** Leak suspects against the default baseline (the third latest snapshot), a page of groups. */
  suspects(offset = 0, limit = 50, signal?: AbortSignal): Promise<LeakSuspects> {
    return this.request(`/api/garbage/suspects?offset=${offset}&limit=${limit}`, { signal, timeoutMs: 120_000 });
  }

  garbageGraph(index: number, signal?: AbortSignal): Promise<GarbageGraphDetail> {
    return this.request(`/api/garbage/${index}`, { signal, timeoutMs: 120_000 });
  }

  threads(signal?: AbortSignal): Promise<ThreadInfo[]> {
    return this.request('/api/threads', { signal });
  }

  stack(id: string, signal?: AbortSignal): Promise<ThreadStack> {
    return this.request(`/api/threads/${q(id)}/stack`, { signal, timeoutMs: 30_000 });
  }

  referents(ref: string, offset = 0, limit = 100, signal?: AbortSignal): Promise<ObjectReferents> {
    return this.request(`/api/objects/${q(ref)}?offset=${offset}&limit=${limit}`, { signal });
  }
}

/** A failure as one line for the page: the server's error and detail, or the exception's message. */
export function errorText(e: unknown): string {
  if (e instanceof ApiRequestError) return e.detail ? `${e.error}: ${e.detail}` : e.error;
  return e instanceof Error ? e.message : String(e);
}
