import { freemem } from 'node:os';
import { MemoryGuardError } from './errors';

/**
 * Peak extra memory a heap snapshot may cost, as a multiple of the program's JS heap in use.
 * Measured (docs/V8-NOTES.md): a 130 MB heap pushed the program's RSS from 202 MB to 1.32 GB
 * while V8 built and serialised the snapshot, about 8.6 × the heap; our own streaming parse of
 * the chunks (typed arrays for nodes and edges, the string table) adds roughly one more heap's
 * worth in this process. 10 × covers both on the worst heap measured; most heaps cost less
 * (`tsc --watch`'s 100 MB heap grew the RSS by only 15 MB), so the guard errs on refusing.
 */
export const SNAPSHOT_PEAK_FACTOR = 10;

export interface MemoryGuardOptions {
  /** Multiple of the heap in use (default `SNAPSHOT_PEAK_FACTOR`). */
  factor?: number;
  /** Free memory of the machine in bytes (default `os.freemem()`); tests inject a figure. */
  freeMemory?: () => number;
}

export interface MemoryEstimate {
  heapUsed: number;
  heapLimit: number;
  estimate: number;
  available: number;
  factor: number;
}

const mb = (n: number) => `${Math.round(n / 1048576).toLocaleString('en')} MB`;

/**
 * Throws `MemoryGuardError` when a snapshot of a heap with `heapUsed` bytes in use would need
 * more than the free memory. The heap limit does not enter the estimate: V8 builds the snapshot
 * outside the JS heap, so a heap near its limit is no reason to refuse (it is when a snapshot is
 * most wanted); it is reported so the message shows how close the program is.
 */
export function checkSnapshotMemory(heap: { used: number; limit: number }, options: MemoryGuardOptions = {}): MemoryEstimate {
  const factor = options.factor ?? SNAPSHOT_PEAK_FACTOR;
  const available = (options.freeMemory ?? freemem)();
  const estimate = heap.used * factor;
  const result = { heapUsed: heap.used, heapLimit: heap.limit, estimate, available, factor };
  if (estimate > available) {
    throw new MemoryGuardError(
      `not enough free memory for a heap snapshot: the program's JS heap uses ${mb(heap.used)} (limit ${mb(heap.limit)}); a snapshot may need up to ${factor} × that, ${mb(estimate)}, and only ${mb(available)} is free. Free some memory, or force it (force: true) at the risk of the program being killed for lack of memory`,
      estimate,
      available,
    );
  }
  return result;
}
