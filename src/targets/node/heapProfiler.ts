import type { CdpConnection } from '../../cdp';
import type { AllocationSites, HeapAllocationFrame } from '../../model';
import type { AllocationTracking, CaptureOptions, HeapSnapshots, HeapSnapshotSink } from '../target';
import { restoreCompaction, stopCompaction } from './allocationStacks';
import { birthWatermark, trackingWatermark } from './births';
import { captureThroughPipe, type LocalSnapshotKind } from './pipeSnapshot';
import { allocationSites } from './samplingSites';
import { readLocalScript } from './scriptSource';

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
/** Mean bytes between two allocation samples: V8's default, 0.6 ms to start, tens of ms to read. */
const SAMPLING_INTERVAL = 32 * 1024;

/**
 * V8's heap profiler over CDP: `HeapProfiler.takeHeapSnapshot` streams the snapshot as
 * `addHeapSnapshotChunk` events, written straight to the sink (the JSON is never collected
 * here). `HeapProfiler.enable` is sent once per connection, before the first use. For a program
 * on this machine V8 writes the snapshot itself into a file or FIFO we read, at its own
 * speed (see pipeSnapshot.ts); once that failed, this profiler streams over CDP.
 */
export class NodeHeapProfiler implements HeapSnapshots, AllocationTracking {
  private enabled: Promise<unknown> | undefined;
  private tracking = false;
  private sampling: { since: number } | undefined;
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

  /** The frame's script read from disk, for a program on this machine (see readLocalScript). */
  async scriptSource(frame: HeapAllocationFrame): Promise<string | undefined> {
    return this.options.local ? readLocalScript(frame.scriptName) : undefined;
  }

  /** Before the profiler lets go of the program: its GC compacts again. */
  async release(): Promise<void> {
    if (!this.tracking || this.connection.isClosed) return;
    this.tracking = false;
    await restoreCompaction(this.connection);
  }
}
