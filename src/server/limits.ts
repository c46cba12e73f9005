/**
 * The server's limits in one place: what a request may send, how much the server keeps, and how
 * much one answer may hold. Each is enforced where the data flows (see the references) and
 * tested in test/integration/security.test.ts.
 */

/** Largest JSON request body (express.json in app.ts); more is refused with 413. */
export const MAX_BODY = '1mb';

/** Heap snapshots a server keeps by default (`maxSnapshots`); the oldest are dropped first. */
export const DEFAULT_MAX_SNAPSHOTS = 20;

/** Caps of heapRoutes.ts: objects of a class per page, retainer graph nodes and paths. */
export const MAX_OBJECTS_PAGE = 1000;
export const MAX_RETAINER_NODES = 2000;
export const MAX_RETAINER_PATHS = 50;

/** The number a `maxSnapshots` option stands for: a positive integer, or the default. */
export function maxSnapshotsOf(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_SNAPSHOTS;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`maxSnapshots must be a positive integer, not ${value}`);
  return value;
}

/** The note a dropped snapshot carries in `GET /api/heap/snapshots`. */
export function droppedNote(index: number, max: number): string {
  return `snapshot ${index} was dropped to keep at most ${max} heap snapshot${max === 1 ? '' : 's'} (maxSnapshots); its summary stays, its objects are gone`;
}
