/** ClassTracker: tracked classes, snapshots of a live program, lifetimes, stats dumps. */
export { ClassTracker, type ClassTrackerOptions, type TrackOptions, type SnapshotAddedEvent } from './classTracker';
export { LiveSnapshotter, DEFAULT_SNAPSHOT_TIMEOUT_MS, type SnapshotSource, type LiveSnapshot, type LiveSnapshotOptions } from './liveSnapshot';
export { checkSnapshotMemory, SNAPSHOT_PEAK_FACTOR, type MemoryGuardOptions, type MemoryEstimate } from './memoryGuard';
export { SnapshotBusyError, MemoryGuardError, SnapshotFailedError, OfflineTrackerError } from './errors';
export { loadStats, looksLikeStats, StatsFileError, STATS_FORMAT, STATS_VERSION, type LoadStatsOptions } from './statsFile';
