import type { ProcessInfo, TargetInfo } from '../model';

/**
 * A profiled program, whatever reaches it: a live Node program over the DevTools protocol, or
 * (later) saved files. The server only talks to this interface.
 */
export interface ProfiledTarget {
  info(): Promise<TargetInfo>;
  processInfo(): Promise<ProcessInfo>;
  /** Called once when the program can no longer be reached. */
  onGone(listener: (reason: string) => void): () => void;
  dispose(): Promise<void>;
}

/** The program is gone (exited, killed, connection lost): HTTP 503. */
/** The program did not answer in time: stopped (SIGSTOP, a debugger outside) or busy. */
export class TargetUnresponsiveError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`no answer to ${what} within ${timeoutMs / 1000} s; is it stopped (SIGSTOP) or busy in a long synchronous task?`);
    this.name = 'TargetUnresponsiveError';
  }
}

export class TargetGoneError extends Error {
  constructor(reason: string) {
    super(`the profiled program is gone: ${reason}`);
    this.name = 'TargetGoneError';
  }
}
