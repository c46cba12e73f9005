/**
 * The server's limits in one place: what a request may send, how much the server keeps, and how
 * much one answer may hold. Each is enforced where the data flows (see the references) and
 * tested in test/integration/security.test.ts.
 */

/** Largest JSON request body (express.json in app.ts); more is refused with 413. */
export const MAX_BODY = '1mb';

/** How many heap snapshots are held, and the note a dropped one carries (see src/heap/registry.ts). */
export { DEFAULT_MAX_SNAPSHOTS, droppedNote, maxSnapshotsOf } from '../heap/registry';

/** Caps of heapRoutes.ts: objects of a class per page, retainer graph nodes and paths. */
export const MAX_OBJECTS_PAGE = 1000;
export const MAX_RETAINER_NODES = 2000;
export const MAX_RETAINER_PATHS = 50;
