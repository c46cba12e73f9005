import { type CdpConnection, CdpTimeoutError } from '../cdp';
import type { ProcessInfo, TargetInfo } from '../model';
import { PROCESS_PROBE, type ProcessProbeResult, parseProcStatus, statusBytes } from './processProbe';
import { type ProfiledTarget, TargetGoneError, TargetUnresponsiveError } from './target';

interface Identity {
  pid: number;
  title: string;
  version: string;
  argv: string[];
}

/** A live Node.js program reached over the DevTools protocol. */
export class NodeTarget implements ProfiledTarget {
  private goneReason: string | undefined;
  private readonly goneListeners = new Set<(reason: string) => void>();

  private constructor(
    readonly connection: CdpConnection,
    private readonly identity: Identity,
  ) {
    connection.onClose((reason) => this.gone(reason));
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

  private gone(reason: string): void {
    if (this.goneReason !== undefined) return;
    this.goneReason = reason;
    for (const listener of this.goneListeners) listener(reason);
    this.goneListeners.clear();
  }

  /** Reads who the program is; fails with a clear message when it is not a Node program. */
  static async attach(connection: CdpConnection): Promise<NodeTarget> {
    const identity = await evaluate<Identity>(
      connection,
      `({ pid: process.pid, title: process.title, version: process.version, argv: process.argv.slice() })`,
    );
    if (typeof identity?.pid !== 'number') throw new Error('the attached program does not look like a Node.js process');
    const target = new NodeTarget(connection, identity);
    await connection.send('Runtime.enable');
    return target;
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
    if (this.goneReason !== undefined) {
      const reason = this.goneReason;
      queueMicrotask(() => listener(reason));
      return () => {};
    }
    this.goneListeners.add(listener);
    return () => this.goneListeners.delete(listener);
  }

  async dispose(): Promise<void> {
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
        expression,
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
