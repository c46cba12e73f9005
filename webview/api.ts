/**
 * The UI's only way to the server: typed JSON requests under `{apiBase}/api`, with timeouts and
 * the server's `{error, detail}` bodies turned into `ApiRequestError`s.
 */
import type { ApiError, ProcessInfo, TargetInfo } from '../src/model';

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
  constructor(readonly base: string) {}

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
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
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
}
