import type { CdpConnection } from '../../cdp';
import type { AllocationSites } from '../../model';
import type { AllocationTracking, CaptureOptions, HeapSnapshots, HeapSnapshotSink } from '../target';
import { restoreCompaction, stopCompaction } from './allocationStacks';
import { birthWatermark, trackingWatermark } from './births';
import { allocationSites } from './samplingSites';

/** Default longest wait for V8 to stream a snapshot (30 min: real heaps have taken 265 s). */
const DEFAULT_TIMEOUT_MS = 30 * 60_000;
/** Mean bytes between two allocation samples: V8's default, 0.6 ms to start, tens of ms to read. */
const SAMPLING_INTERVAL = 32 * 1024;

/**
 * V8's heap profiler over CDP: `HeapProfiler.takeHeapSnapshot` streams the snapshot as
 * `addHeapSnapshotChunk` events, written straight to the sink (the JSON is never collected
 * here). `HeapProfiler.enable` is sent once per connection, before the first use.
 */
export class NodeHeapProfiler implements HeapSnapshots, AllocationTracking {
  private enabled: Promise<unknown> | undefined;
  private tracking = false;
  private sampling: { since: number } | undefined;

  constructor(private readonly connection: CdpConnection) {}

  private enable(): Promise<unknown> {
    this.enabled ??= this.connection.send('HeapProfiler.enable').catch((e) => {
      this.enabled = undefined;
      throw e;
    });
    return this.enabled;
  }

  async capture(sink: HeapSnapshotSink, options: CaptureOptions = {}): Promise<void> {
    const connection = this.connection;
    await this.enable();
    const offChunk = connection.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => sink.write(chunk));
    const offProgress = connection.on('HeapProfiler.reportHeapSnapshotProgress', ({ done, total }) => options.onProgress?.(done, total));
    try {
      await connection.send('HeapProfiler.takeHeapSnapshot', { reportProgress: true }, { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
    } finally {
      offChunk();
      offProgress();
    }
  }

  /**
   * Allocation stacks from now on; once on it stays on (turning it off makes V8 stream a whole
   * snapshot). The program's GC stops compacting meanwhile, or V8 loses the stacks of the
   * objects it moves (allocationStacks.ts).
   */
  async start(): Promise<number | undefined> {
    await this.enable();
    this.tracking = true;
    await stopCompaction(this.connection);
    return trackingWatermark(this.connection, () => this.connection.send('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true }));
  }

  lastId(): Promise<number | undefined> {
    return birthWatermark(this.connection);
  }

  /**
   * `startTrackingHeapObjects` without allocations numbers every live object (after a full GC)
   * and reports the last id. While it runs V8 repeats that every 50 ms, which starves a program
   * with a large heap (each round took 2 s on 400 000 objects), and the only way to end it
   * without resetting every id is `stopTrackingHeapObjects`, which takes a snapshot: streamed
   * and dropped here, at once. Already tracking allocations: the last id so far.
   */
  async numberObjects(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<number | undefined> {
    await this.enable();
    if (this.tracking) return birthWatermark(this.connection);
    const dropChunks = this.connection.on('HeapProfiler.addHeapSnapshotChunk', () => {});
    try {
      const id = await trackingWatermark(this.connection, () => this.connection.send('HeapProfiler.startTrackingHeapObjects', { trackAllocations: false }));
      await this.connection.send('HeapProfiler.stopTrackingHeapObjects', { reportProgress: false }, { timeoutMs, unlessActive: true });
      return id;
    } finally {
      dropChunks();
    }
  }

  /**
   * V8's sampling heap profiler: a sample every 32 KiB allocated on average, its stack kept while
   * the object lives (so it survives the object's moves, unlike allocation tracking's).
   */
  async startSampling(): Promise<void> {
    if (this.sampling) return;
    await this.enable();
    await this.connection.send('HeapProfiler.startSampling', { samplingInterval: SAMPLING_INTERVAL });
    this.sampling = { since: Date.now() };
  }

  async sampledSites(): Promise<AllocationSites | undefined> {
    if (!this.sampling) return undefined;
    const { profile } = await this.connection.send('HeapProfiler.getSamplingProfile');
    return { since: this.sampling.since, samplingInterval: SAMPLING_INTERVAL, sites: allocationSites(profile) };
  }

  /** Before the profiler lets go of the program: its GC compacts again. */
  async release(): Promise<void> {
    if (!this.tracking || this.connection.isClosed) return;
    this.tracking = false;
    await restoreCompaction(this.connection);
  }
}
