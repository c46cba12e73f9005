import type { CdpConnection } from '../../cdp';
import type { AllocationTracking, CaptureOptions, HeapSnapshots, HeapSnapshotSink } from '../target';
import { birthWatermark } from './births';
import { captureThroughPipe, type LocalSnapshotKind } from './pipeSnapshot';

export interface NodeHeapProfilerOptions {
  /**
   * The program runs on this machine (we started it, attached by pid, or it is this process):
   * snapshots are written by V8 into a file or FIFO we read (pipeSnapshot.ts), CDP streaming
   * when that is not possible.
   */
  local?: boolean;
  /** Where the private directory for the file or FIFO is made (default: the system's temp directory). */
  pipeDir?: string;
  /** File or FIFO (default: a file when the disk has room, see pipeSnapshot.ts). */
  localKind?: LocalSnapshotKind;
}

/** Default longest wait for V8 to stream a snapshot (30 min: real heaps have taken 265 s). */
const DEFAULT_TIMEOUT_MS = 30 * 60_000;

/**
 * V8's heap profiler over CDP: `HeapProfiler.takeHeapSnapshot` streams the snapshot as
 * `addHeapSnapshotChunk` events, written straight to the sink (the JSON is never collected
 * here). `HeapProfiler.enable` is sent once per connection, before the first use. For a program
 * on this machine V8 writes the snapshot itself into a file or FIFO we read, at its own
 * speed (see pipeSnapshot.ts); once that failed, this profiler streams over CDP.
 */
export class NodeHeapProfiler implements HeapSnapshots, AllocationTracking {
  private enabled: Promise<unknown> | undefined;
  private pipe: boolean;
  /** Why the last capture could not be written by V8 locally (for `--debug` and tests). */
  localFailure: string | undefined;
  /** How the last local capture was handed over. */
  lastLocalKind: LocalSnapshotKind | undefined;

  constructor(
    private readonly connection: CdpConnection,
    private readonly options: NodeHeapProfilerOptions = {},
  ) {
    this.pipe = options.local === true;
  }

  /** How the next snapshot will be taken. */
  get transport(): 'local' | 'cdp' {
    return this.pipe ? 'local' : 'cdp';
  }

  private enable(): Promise<unknown> {
    this.enabled ??= this.connection.send('HeapProfiler.enable').catch((e) => {
      this.enabled = undefined;
      throw e;
    });
    return this.enabled;
  }

  async capture(sink: HeapSnapshotSink, options: CaptureOptions = {}): Promise<void> {
    // The same id map for both ways: V8 gives an object the same id in either snapshot.
    await this.enable();
    if (this.pipe) {
      const outcome = await captureThroughPipe(this.connection, sink, { ...options, parentDir: this.options.pipeDir, kind: this.options.localKind });
      if (outcome.written) {
        this.lastLocalKind = outcome.kind;
        return;
      }
      if (outcome.lasting !== false) this.pipe = false;
      this.localFailure = outcome.reason;
    }
    const connection = this.connection;
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
