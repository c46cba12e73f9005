/**
 * Where tracking a class begins in V8's id sequence, so that births are told by id. V8 numbers
 * heap objects with one growing counter, when it first *sees* them: in a heap snapshot, or in a
 * heap-statistics round of `startTrackingHeapObjects` (one as it starts, then every 50 ms while it
 * runs, each after a full GC, numbering every live object). So the last id reported as tracking
 * starts separates the objects made before from those made after, whichever snapshot first sees
 * them; without it, an object first seen by the first snapshot may be old or new (its id says only
 * when it was first seen), and `getHeapObjectId` cannot number an object unseen.
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
    timer.unref?.();
    const off = connection.on('HeapProfiler.lastSeenObjectId', ({ lastSeenObjectId }: { lastSeenObjectId: number }) => done(lastSeenObjectId));
    function done(id: number | undefined) {
      clearTimeout(timer);
      off();
      resolve(id);
    }
  });
}

/**
 * Starts tracking with `start` and resolves to the watermark it reports. V8's first report comes
 * from its 50 ms timer after one more walk over the heap, which takes about as long as the start
 * did (2 s on 400 000 objects); a program whose event loop does not run (suspended by
 * `startProfiler`) never reports, so the wait is bounded by that.
 */
export async function trackingWatermark(connection: CdpConnection, start: () => Promise<unknown>): Promise<number | undefined> {
  const watermark = birthWatermark(connection, 10 * 60_000);
  const startedAt = performance.now();
  await start();
  const waitMs = 2_000 + 2 * (performance.now() - startedAt);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs)));
  try {
    return await Promise.race([watermark, late]);
  } finally {
    clearTimeout(timer);
  }
}
