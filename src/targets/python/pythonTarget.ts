import { StringDecoder } from 'node:string_decoder';
import type { CollectorGarbage, CollectorState, ObjectReferents, ProcessInfo, TargetInfo, ThreadInfo, ThreadStack } from '../../model';
import {
  type CaptureOptions,
  capabilityNames,
  GoneSignal,
  type HeapSnapshotSink,
  type ProfiledTarget,
  type ProgramRequest,
  type TargetCapabilities,
  TargetGoneError,
  type ThreadReader,
  UnknownThreadError,
} from '../target';
import { type AgentAddress, AgentConnectionError, type AgentEvent, AgentRequestError, type AgentHello, PythonAgentClient } from './agentClient';

export interface PythonTargetOptions {
  /** Lets a program suspended by `start_profiler` carry on (`POST /api/stop`). */
  resume?: () => void;
}

/**
 * A live Python program reached through its agent (python/memory_profiler_agent): every
 * capability but allocation tracking, and Pympler's garbage graphs besides. Heap snapshots arrive in DevTools' format, so the heap
 * engine, tracker and pages need nothing else; the agent's object ids are never reset.
 */
export class PythonTarget implements ProfiledTarget {
  private readonly goneSignal = new GoneSignal();
  readonly capabilities: TargetCapabilities;

  private constructor(
    readonly client: PythonAgentClient,
    options: PythonTargetOptions,
  ) {
    this.capabilities = {
      process: { read: () => this.call<ProcessInfo>('process') },
      threads: {
        open: () => {
          if (this.goneReason !== undefined) throw new TargetGoneError(this.goneReason);
          return new PythonThreadReader(this);
        },
      },
      heapSnapshots: {
        capture: (sink, o) => this.capture(sink, o),
        resolveClassNames: async (names) => (await this.call<{ classes: Record<string, string[]> }>('resolveClassNames', { names: [...names] })).classes,
      },
      census: {
        count: (names) => this.call<{ counts: Record<string, number>; scanned: number }>('census', { names: [...names] }),
        names: () => this.call<{ counts: Record<string, number>; classes: string[] }>('censusNames'),
      },
      objectIds: { checkReset: async () => undefined, dispose: () => {} },
      suspension: options.resume && { resume: options.resume },
      programRequests: { subscribe: (handler) => this.subscribeRequests(handler) },
      collectorGarbage: {
        latest: () => this.collectorGarbage(false),
        collect: async () => (await this.collectorGarbage(true))!,
        setAutomatic: (enabled) => this.call<CollectorState>('gcAutomatic', { enabled }),
      },
    };
    client.onClose((reason) => this.goneSignal.fire(reason));
  }

  static async connect(address: AgentAddress, options: PythonTargetOptions = {}): Promise<PythonTarget> {
    return new PythonTarget(await PythonAgentClient.connect(address), options);
  }

  get hello(): AgentHello {
    return this.client.hello;
  }

  get pid(): number {
    return this.client.hello.pid;
  }

  get connected(): boolean {
    return this.goneReason === undefined;
  }

  /** The program's own calls (`track_class`, `create_snapshot`…), from now and those made before. */
  async subscribe(listener: (e: AgentEvent) => void): Promise<void> {
    this.client.onEvent(listener);
    const { events } = await this.call<{ events: AgentEvent[] }>('subscribe');
    for (const e of events) listener(e);
  }

  ack(eventId: number): void {
    this.call('ack', { eventId }).catch(() => {});
  }

  /** The agent's events as program requests; each is acknowledged (the program waits for it) once handled. */
  private subscribeRequests(handler: (request: ProgramRequest) => Promise<unknown>): Promise<void> {
    return this.subscribe((e) => {
      const params = e.params as { name?: unknown; description?: unknown; intervalMs?: unknown; trace?: unknown; resolutionLevel?: unknown };
      let request: ProgramRequest | undefined;
      if (e.event === 'trackClass' && typeof params.name === 'string') {
        request = {
          kind: 'trackClass',
          name: params.name,
          trace: params.trace === true,
          resolutionLevel: typeof params.resolutionLevel === 'number' ? params.resolutionLevel : undefined,
        };
      } else if (e.event === 'createSnapshot') request = { kind: 'createSnapshot', description: String(params.description ?? '') };
      else if (e.event === 'startPeriodicSnapshots' && typeof params.intervalMs === 'number') request = { kind: 'startPeriodicSnapshots', intervalMs: params.intervalMs };
      else if (e.event === 'stopPeriodicSnapshots') request = { kind: 'stopPeriodicSnapshots' };
      const done = () => this.ack(e.eventId);
      if (request) handler(request).then(done, done);
      else done();
    });
  }

  /** Pympler's garbage graphs: the cycles `gc.collect()` found (cached in the agent until `refresh`). */
  garbage<T = unknown>(refresh = false): Promise<T> {
    return this.call<T>('garbage', { refresh });
  }

  /** The agent's garbage graphs with the collector's state: a new collection, or the kept one (none before the first). */
  private async collectorGarbage(collect: boolean): Promise<CollectorGarbage | undefined> {
    const report = await this.call<Omit<CollectorGarbage, 'collector'> | null>('garbage', collect ? { refresh: true } : { keptOnly: true });
    return report ? { ...report, collector: await this.call<CollectorState>('gcState') } : undefined;
  }

  /** A request to the agent; a lost connection is `TargetGoneError`, an unknown object `UnknownThreadError`. */
  async call<T>(method: string, params: Record<string, unknown> = {}, onChunk?: (chunk: Buffer) => void): Promise<T> {
    if (this.goneReason !== undefined) throw new TargetGoneError(this.goneReason);
    try {
      return await this.client.request<T>(method, params, onChunk);
    } catch (e) {
      if (e instanceof AgentConnectionError) throw new TargetGoneError(e.message);
      if (e instanceof AgentRequestError && e.code === 'unknown') throw new UnknownThreadError(e.message);
      throw e;
    }
  }

  private async capture(sink: HeapSnapshotSink, _options: CaptureOptions = {}): Promise<void> {
    // Chunks are bytes: a character may straddle two of them.
    const decoder = new StringDecoder('utf8');
    await this.call('snapshot', {}, (chunk) => {
      const text = decoder.write(chunk);
      if (text) sink.write(text);
    });
    const rest = decoder.end();
    if (rest) sink.write(rest);
  }

  private get goneReason(): string | undefined {
    return this.goneSignal.reason;
  }

  async info(): Promise<TargetInfo> {
    const hello = this.client.hello;
    return {
      kind: 'live',
      pid: hello.pid,
      title: hello.title,
      runtime: hello.runtime,
      argv: hello.argv,
      connected: this.connected,
      capabilities: capabilityNames(this.capabilities),
    };
  }

  onGone(listener: (reason: string) => void): () => void {
    return this.goneSignal.on(listener);
  }

  async dispose(): Promise<void> {
    this.client.close();
  }
}

/** Threads, stacks and locals: the agent keeps the objects of a thread's latest stacks. */
class PythonThreadReader implements ThreadReader {
  constructor(private readonly target: PythonTarget) {}

  threads(): Promise<ThreadInfo[]> {
    return this.target.call<ThreadInfo[]>('threads');
  }

  stack(threadId: string): Promise<ThreadStack> {
    return this.target.call<ThreadStack>('stack', { thread: threadId });
  }

  referents(ref: string, offset: number, limit: number): Promise<ObjectReferents> {
    return this.target.call<ObjectReferents>('objects', { ref, offset, limit });
  }

  async dispose(): Promise<void> {}
}
