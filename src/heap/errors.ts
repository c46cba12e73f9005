/**
 * The one error the heap engine raises for input that is not a usable V8 heap snapshot:
 * truncated, malformed JSON, wrong counts, bad meta, references out of range.
 * `offset` is the byte offset in the input where the problem was found.
 */
export class HeapSnapshotError extends Error {
  override readonly name = 'HeapSnapshotError';
  constructor(
    /** What is wrong, without the offset. */
    readonly problem: string,
    /** Byte offset in the snapshot text where the problem was noticed. */
    readonly offset: number,
  ) {
    super(`Invalid heap snapshot: ${problem} (at byte ${offset})`);
  }
}

/** True for errors of the heap engine about bad input, also across a worker boundary. */
export function isHeapSnapshotError(e: unknown): e is HeapSnapshotError {
  return e instanceof HeapSnapshotError || (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'HeapSnapshotError');
}
