/**
 * Live process figures: polls `/api/target` and `/api/process` every few seconds and tells its
 * subscribers. Stops polling once the program has exited (the server keeps the last figures);
 * keeps retrying, quietly, while the server cannot be reached. Pauses while the page is hidden.
 */
import type { ProcessInfo, TargetInfo } from '../src/model';
import { Api, ApiRequestError } from './api';

export type LiveStatus = 'loading' | 'live' | 'offline' | 'exited' | 'unreachable' | 'error';

export interface LiveState {
  status: LiveStatus;
  target?: TargetInfo;
  /** The latest figures; kept after the program exits or the server goes away. */
  process?: ProcessInfo;
  /** What went wrong on the last poll, if anything. */
  error?: ApiRequestError;
  /** When `process` was last read successfully (ms since the epoch). */
  updatedAt?: number;
  /** A poll is in flight. */
  busy: boolean;
}

export type Listener = (state: LiveState) => void;

export class LiveProcess {
  private current: LiveState = { status: 'loading', busy: false };
  private readonly listeners = new Set<Listener>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: Promise<void> | undefined;
  private running = false;

  constructor(
    private readonly api: Api,
    readonly intervalMs = 2_000,
  ) {
    document.addEventListener('visibilitychange', () => {
      if (!this.running) return;
      if (document.hidden) this.clearTimer();
      else void this.refresh();
    });
  }

  get state(): LiveState {
    return this.current;
  }

  /** Calls `listener` now and on every change; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.current);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    this.running = true;
    void this.refresh();
  }

  stop(): void {
    this.running = false;
    this.clearTimer();
  }

  /** Polls now (the refresh button); concurrent calls share one request. */
  refresh(): Promise<void> {
    this.inFlight ??= this.poll().finally(() => {
      this.inFlight = undefined;
      this.schedule();
    });
    return this.inFlight;
  }

  private async poll(): Promise<void> {
    this.clearTimer();
    this.set({ busy: true });
    // Saved data (`memory-profiler open`) has no process to read: once the target says so, only
    // the target is read. The first poll asks for the target first to know.
    let target: PromiseSettledResult<TargetInfo>;
    let process: PromiseSettledResult<ProcessInfo>;
    const known = this.current.target;
    if (!known) {
      [target] = await Promise.allSettled([this.api.target()]);
    }
    const offline = (known ?? (target! && target.status === 'fulfilled' ? target.value : undefined))?.kind === 'offline';
    if (offline) {
      target = known ? (await Promise.allSettled([this.api.target()]))[0] : target!;
      process = { status: 'rejected', reason: undefined };
    } else if (known) {
      [target, process] = await Promise.allSettled([this.api.target(), this.api.process()]);
    } else {
      [process] = await Promise.allSettled([this.api.process()]);
    }
    if (offline) {
      this.set({
        busy: false,
        error: undefined,
        status: target!.status === 'fulfilled' ? 'offline' : 'unreachable',
        ...(target!.status === 'fulfilled' ? { target: target!.value } : { error: toApiError(target!.reason) }),
      });
      return;
    }
    target = target!;
    const next: Partial<LiveState> = { busy: false, error: undefined };
    if (target.status === 'fulfilled') next.target = target.value;
    if (process.status === 'fulfilled') {
      next.process = process.value;
      next.updatedAt = Date.now();
    }
    const failure = [target, process].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    const error = failure ? toApiError(failure.reason) : undefined;
    const targetInfo = next.target ?? this.current.target;
    if (error?.unreachable) {
      next.status = 'unreachable';
      next.error = error;
    } else if (error?.targetGone || (target.status === 'fulfilled' && !target.value.connected)) {
      next.status = 'exited';
    } else if (error) {
      next.status = 'error';
      next.error = error;
    } else {
      next.status = targetInfo?.connected === false ? 'exited' : 'live';
    }
    this.set(next);
  }

  private schedule(): void {
    this.clearTimer();
    // Once the program has exited its figures cannot change: stop polling (refresh still works).
    if (!this.running || document.hidden || this.current.status === 'exited' || this.current.status === 'offline') return;
    this.timer = setTimeout(() => void this.refresh(), this.intervalMs);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private set(patch: Partial<LiveState>): void {
    this.current = { ...this.current, ...patch };
    for (const listener of this.listeners) {
      try {
        listener(this.current);
      } catch (e) {
        console.error(e);
      }
    }
  }
}

function toApiError(reason: unknown): ApiRequestError {
  if (reason instanceof ApiRequestError) return reason;
  return new ApiRequestError('', 0, 'request failed', reason instanceof Error ? reason.message : String(reason));
}
