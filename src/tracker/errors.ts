/** Why the tracker refused or failed; the server maps these to HTTP statuses (`status`). */

/** Another snapshot (or allocation-tracking change) is running: HTTP 409. */
export class SnapshotBusyError extends Error {
  readonly status = 409;
  constructor(what = 'a heap snapshot') {
    super(`${what} is already being taken; wait for it to finish`);
    this.name = 'SnapshotBusyError';
  }
}

/** The memory guard refused a snapshot: HTTP 409 unless forced. */
export class MemoryGuardError extends Error {
  readonly status = 409;
  constructor(
    message: string,
    readonly estimate: number,
    readonly available: number,
  ) {
    super(message);
    this.name = 'MemoryGuardError';
  }
}

/** The capture failed (the program died, the stream broke); earlier snapshots are intact. */
export class SnapshotFailedError extends Error {
  constructor(
    message: string,
    readonly targetGone: boolean,
  ) {
    super(message);
    this.name = 'SnapshotFailedError';
  }
}

/** A change asked of a tracker that only shows a saved dump: HTTP 409. */
export class OfflineTrackerError extends Error {
  readonly status = 409;
  constructor(what: string) {
    super(`${what} needs a running program; this tracker shows a saved stats dump`);
    this.name = 'OfflineTrackerError';
  }
}

/** Allocation sites were asked for before any class was tracked without creation stacks: HTTP 409. */
export class SamplingNotStartedError extends Error {
  readonly status = 409;
  constructor() {
    super('allocation sampling starts when a class is tracked without creation stacks; track one first');
    this.name = 'SamplingNotStartedError';
  }
}
