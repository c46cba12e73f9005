import { type CdpConnection, CdpTimeoutError } from '../../cdp';
import type { ProcessInfo, TargetInfo } from '../../model';
import { allClassNames, countInstances, prepareCensus } from './census';
import { NodeHeapProfiler } from './heapProfiler';
import type { LocalSnapshotKind } from './pipeSnapshot';
import { IdResetDetector } from './idReset';
import { PROCESS_PROBE, type ProcessProbeResult, parseProcStatus, statusBytes } from './processProbe';
import { ThreadInspector, type ThreadInspectorOptions } from './threads';
import { capabilityNames, GoneSignal, type ProfiledTarget, type TargetCapabilities, TargetGoneError, TargetUnresponsiveError } from '../target';
import { profilerExpression } from './profilerCode';

export interface NodeTargetOptions {
  /** How the main thread is held (set by `startProfiler`, which suspends it). */
  threads?: ThreadInspectorOptions;
  /** Lets a program suspended by `startProfiler` carry on (`POST /api/stop`). */
  resume?: () => void;
  /**
   * The program runs on this machine (started by us, attached by pid, this process): heap
   * snapshots are written by V8 into a file or FIFO we read, at V8's own speed, instead of
   * streamed over CDP (which remains the way when that cannot be done).
   */
  local?: boolean;
  /** Where the private directory for the file or FIFO is made (default: the system's temp directory). */
  pipeDir?: string;
  /** File or FIFO (default: a file when its disk has room for a few times the heap, else a FIFO). */
  localKind?: LocalSnapshotKind;
}

interface Identity {
  pid: number;
  title: string;
  version: string;
  argv: string[];
}

/** A live Node.js program reached over the DevTools protocol. */
export class NodeTarget implements ProfiledTarget {
  private readonly goneSignal = new GoneSignal();

  readonly capabilities: TargetCapabilities;
  private readonly heapProfiler: NodeHeapProfiler;

  private constructor(
    readonly connection: CdpConnection,
    private readonly identity: Identity,
    options: NodeTargetOptions,
  ) {
    const profiler = new NodeHeapProfiler(connection, { local: options.local, pipeDir: options.pipeDir, localKind: options.localKind });
    this.heapProfiler = profiler;
    this.capabilities = {
      process: { read: () => this.processInfo() },
      threads: {
        open: (sizes) => {
          if (!this.connected) throw new TargetGoneError(this.goneReason ?? 'its connection is closed');
          const inspector = new ThreadInspector(connection, options.threads, sizes);
          this.onGone(() => void inspector.dispose());
          return inspector;
        },
      },
      heapSnapshots: profiler,
      allocationTracking: profiler,
      census: { count: (names) => countInstances(connection, names), names: () => allClassNames(connection) },
      objectIds: new IdResetDetector(connection),
      suspension: options.resume && { resume: options.resume },
    };
    connection.onClose((reason) => this.goneSignal.fire(reason));
    // A program that ends while a client is attached waits for it to disconnect ("Waiting for
    // the debugger to disconnect..."): its context going away is the sign to let go.
    // Only the main context counts: vm contexts come and go in a running program.
    const mainContexts = new Set<number>();
    connection.on('Runtime.executionContextCreated', ({ context }) => {
      if ((context.auxData as { isDefault?: boolean } | undefined)?.isDefault) mainContexts.add(context.id);
    });
    connection.on('Runtime.executionContextDestroyed', ({ executionContextId }) => {
      if (!mainContexts.has(executionContextId)) return;
      connection.close('the program exited');
    });
  }

  private get goneReason(): string | undefined {
    return this.goneSignal.reason;
  }

  /** Reads who the program is; fails with a clear message when it is not a Node program. */
  static async attach(connection: CdpConnection, options: NodeTargetOptions = {}): Promise<NodeTarget> {
    const identity = await evaluate<Identity>(connection, `({ pid: process.pid, title: process.title, version: process.version, argv: process.argv.slice() })`);
    if (typeof identity?.pid !== 'number') throw new Error('the attached program does not look like a Node.js process');
    const target = new NodeTarget(connection, identity, options);
    await connection.send('Runtime.enable');
    // The census's builtins are captured now, before the program can patch them (census.ts).
    prepareCensus(connection).catch(() => {});
    return target;
  }

  /**
   * How the next heap snapshot is taken (`local`: V8 writes it into a file or FIFO we read;
   * `cdp`: streamed), how the last local one was handed over, and why local failed if it did.
   */
  get snapshotTransport(): { transport: 'local' | 'cdp'; localKind?: LocalSnapshotKind; localFailure?: string } {
    return { transport: this.heapProfiler.transport, localKind: this.heapProfiler.lastLocalKind, localFailure: this.heapProfiler.localFailure };
  }

  get pid(): number {
    return this.identity.pid;
  }

  get connected(): boolean {
    return this.goneReason === undefined;
  }

  async info(): Promise<TargetInfo> {
    return {
      kind: 'live',
      pid: this.identity.pid,
      title: this.identity.title,
      runtime: `node ${this.identity.version}`,
      argv: this.identity.argv,
      connected: this.connected,
      capabilities: capabilityNames(this.capabilities),
    };
  }

  async processInfo(): Promise<ProcessInfo> {
    if (this.goneReason !== undefined) throw new TargetGoneError(this.goneReason);
    const probe = await evaluate<ProcessProbeResult>(this.connection, PROCESS_PROBE, { timeoutMs: RESPONSE_TIMEOUT_MS, what: 'a request for its memory figures' });
    const osSpecific = parseProcStatus(probe.status);
    return {
      pid: probe.pid,
      timestamp: probe.timestamp,
      vsz: statusBytes(osSpecific, 'VmSize'),
      rss: probe.memory.rss,
      pagefaults: probe.majorPageFault,
      maxRss: Math.max(probe.maxRssKiB * 1024, probe.memory.rss),
      heap: {
        used: probe.heap.used,
        total: probe.heap.total,
        limit: probe.heap.limit,
        external: probe.memory.external,
        arrayBuffers: probe.memory.arrayBuffers,
      },
      spaces: probe.spaces,
      osSpecific,
    };
  }

  onGone(listener: (reason: string) => void): () => void {
    return this.goneSignal.on(listener);
  }

  async dispose(): Promise<void> {
    this.capabilities.objectIds?.dispose();
    await this.heapProfiler.release();
    this.connection.close();
  }
}

/**
 * How long a quick question (the memory figures) may wait for the program: a live program
 * answers in milliseconds, a stopped one never.
 */
export const RESPONSE_TIMEOUT_MS = 5_000;

/**
 * Evaluates an expression in the program and returns its value, or throws what went wrong
 * (`TargetUnresponsiveError` when it does not answer within `timeoutMs`).
 */
export async function evaluate<T>(connection: CdpConnection, expression: string, options: { timeoutMs?: number; what?: string } = {}): Promise<T> {
  try {
    const reply = await connection.send(
      'Runtime.evaluate',
      {
        expression: profilerExpression(expression),
        returnByValue: true,
        includeCommandLineAPI: true,
        silent: true,
      },
      // A program busy streaming a heap snapshot to us answers late, not never.
      options.timeoutMs === undefined ? undefined : { timeoutMs: options.timeoutMs, unlessActive: true },
    );
    if (reply.exceptionDetails) {
      // The description carries the program's stack; its first line says what went wrong.
      const text = (reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text).split('\n')[0];
      throw new Error(`evaluating in the program failed: ${text}`);
    }
    return reply.result.value as T;
  } catch (e) {
    if (connection.isClosed) throw new TargetGoneError((e as Error).message);
    if (e instanceof CdpTimeoutError) throw new TargetUnresponsiveError(options.what ?? 'an evaluation', e.timeoutMs);
    throw e;
  }
}
