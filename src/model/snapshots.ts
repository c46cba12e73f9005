/** A heap snapshot the profiler holds, as `GET /api/heap/snapshots` lists it. */
export interface HeapSnapshotEntry {
  /** Position in the list, from 0: what `?snapshot=`, `from` and `to` name. */
  index: number;
  /** A file name, or the description given when it was taken. */
  label: string;
  /** Milliseconds since the epoch when it was loaded or taken. */
  timestamp: number;
  nodeCount: number;
  edgeCount: number;
  /** Sum of self sizes of all objects. */
  totalSize: number;
  hasAllocationTraces: boolean;
  /** Set when the server let go of this snapshot to keep at most `maxSnapshots`: why. Its figures stay; queries answer 410. */
  dropped?: string;
}
