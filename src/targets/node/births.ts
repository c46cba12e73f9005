/**
 * Where tracking a class begins in V8's id sequence, so that births are told by id. V8 numbers
 * heap objects with one growing counter, but gives an object its id when it first *sees* it: at a
 * heap snapshot, or, with allocation tracking on, at its allocation (`startTrackingHeapObjects`
 * numbers every live object first). So with allocation tracking the last id given when it starts
 * separates the instances made before tracking began from those made after, whichever snapshot
 * first sees them. Without it an object first seen by the first snapshot may be old or new (the
 * id says only when it was first seen), and `getHeapObjectId` cannot number an object unseen.
 */
import type { CdpConnection } from '../../cdp';

/**
 * The last id V8 has given, as allocation tracking reports it (`HeapProfiler.lastSeenObjectId`,
 * pushed at once when tracking starts, then every 50 ms): every live object has an id up to it,
 * every object made later a larger one. Call right after `startTrackingHeapObjects`, or while it
 * runs; undefined when no report comes within `timeoutMs`.
 */
export function birthWatermark(connection: CdpConnection, timeoutMs = 2_000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(undefined), timeoutMs);
    const off = connection.on('HeapProfiler.lastSeenObjectId', ({ lastSeenObjectId }: { lastSeenObjectId: number }) => done(lastSeenObjectId));
    function done(id: number | undefined) {
      clearTimeout(timer);
      off();
      resolve(id);
    }
  });
}
