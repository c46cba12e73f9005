import type { CdpConnection } from '../../cdp';
import type { AllocationTracking, CaptureOptions, HeapSnapshots, HeapSnapshotSink } from '../target';
import { birthWatermark } from './births';

/** Default longest wait for V8 to stream a snapshot (30 min: real heaps have taken 265 s). */
const DEFAULT_TIMEOUT_MS = 30 * 60_000;

/**
 * V8's heap profiler over CDP: `HeapProfiler.takeHeapSnapshot` streams the snapshot as
 * `addHeapSnapshotChunk` events, written straight to the sink (the JSON is never collected
 * here). `HeapProfiler.enable` is sent once per connection, before the first use.
 */
export class NodeHeapProfiler implements HeapSnapshots, AllocationTracking {
  private enabled: Promise<unknown> | undefined;

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

  /** Allocation stacks from now on; once on it stays on (turning it off makes V8 stream a whole snapshot). */
  async start(): Promise<number | undefined> {
    await this.enable();
    // Listening before the request: V8 reports the last id at once when tracking starts.
    const watermark = birthWatermark(this.connection);
    await this.connection.send('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
    return watermark;
  }

  lastId(): Promise<number | undefined> {
    return birthWatermark(this.connection);
  }
}
