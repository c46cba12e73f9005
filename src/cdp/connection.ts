import type { ProtocolMapping } from 'devtools-protocol/types/protocol-mapping';
import { CdpError, CdpTimeoutError, ConnectionClosedError } from './errors';
import type { Transport } from './transport';

export type CommandName = keyof ProtocolMapping.Commands;
export type CommandParams<M extends CommandName> = ProtocolMapping.Commands[M]['paramsType'][0];
export type CommandResult<M extends CommandName> = ProtocolMapping.Commands[M]['returnType'];
export type EventName = keyof ProtocolMapping.Events;
export type EventParams<E extends EventName> = ProtocolMapping.Events[E][0];

export interface SendOptions {
  /** Milliseconds before the call fails; heap snapshots need long ones. Default: the connection's. */
  timeoutMs?: number;
  /**
   * With `timeoutMs`: the call fails only once the program has also sent nothing at all for that
   * long. A program writing a heap snapshot is paused but streams progress and chunks, so it
   * answers late; a stopped one (SIGSTOP) sends nothing and fails in time.
   */
  unlessActive?: boolean;
}

interface Pending {
  method: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer?: NodeJS.Timeout;
}

/**
 * One typed DevTools-protocol connection over any transport (inspector WebSocket, VS Code's
 * js-debug proxy, in-process inspector session). Calls time out; when the transport closes,
 * every pending call is rejected with `ConnectionClosedError`.
 */
/** How long a worker session's command has its reply acknowledged at once (see `keepAcknowledging`). */
const WORKER_ACKNOWLEDGING_MS = 500;

export class CdpConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(params: any) => void>>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  private closedReason: string | undefined;
  /** When the program last sent anything (an answer or an event). */
  private lastReceivedAt = Date.now();
  /** Something arrived since we last sent: its TCP acknowledgement may still be owed. */
  private receivedSinceSent = false;
  /** Callers of `keepAcknowledging` still waiting, and the loop that serves them. */
  private acknowledging = 0;
  private acknowledger: Promise<void> | undefined;
  /**
   * The session is shared with a debugger (VS Code's js-debug proxy forwards every client to its
   * own session): never disable a domain or change the debugger's settings through it.
   */
  sharedSession = false;

  constructor(
    private readonly transport: Transport,
    private readonly defaultTimeoutMs = 30_000,
  ) {
    transport.onMessage((raw) => this.receive(raw));
    transport.onClose((reason) => this.closed(reason));
  }

  get isClosed(): boolean {
    return this.closedReason !== undefined;
  }

  /**
   * Resolves as `until` does; meanwhile, over TCP, sends a no-op command (about every millisecond,
   * and only once something has arrived since we last sent). Node's inspector sends with Nagle's
   * algorithm: a small message that follows another (the `Debugger.paused` event after the reply
   * to `Debugger.pause`, a worker's answer after the reply to `sendMessageToWorker`) waits until
   * the first is acknowledged, and a client that sends nothing acknowledges ≈ 40 ms late (delayed
   * ACK): a program paused for a stack read would stay paused that long. Our next message
   * carries the acknowledgement at once.
   */
  keepAcknowledging<T>(until: Promise<T>, limitMs = Infinity): Promise<T> {
    const carrier = this.transport.carrier;
    if (carrier) return carrier.keepAcknowledging(until, limitMs);
    if (!this.transport.delaysAcknowledgements || this.isClosed) return until;
    this.acknowledging++;
    this.acknowledger ??= this.acknowledge().finally(() => (this.acknowledger = undefined));
    // (for at most `limitMs`: a command that takes longer does not mind 40 ms more)
    let done = false;
    const stop = () => {
      if (done) return;
      done = true;
      this.acknowledging--;
      clearTimeout(timer);
    };
    const timer = Number.isFinite(limitMs) ? setTimeout(stop, limitMs) : undefined;
    timer?.unref();
    return until.finally(stop);
  }

  private async acknowledge(): Promise<void> {
    const started = Date.now();
    while (this.acknowledging > 0 && !this.isClosed) {
      // Every millisecond at first, then every 5 ms (a pause waiting for an idle thread).
      await new Promise((r) => setTimeout(r, Date.now() - started < 100 ? 1 : 5));
      // Not waiting for its answer: that may be held back too, behind the message we want.
      if (this.receivedSinceSent && this.acknowledging > 0 && !this.isClosed) this.sendRaw('Runtime.getIsolateId', {}, { timeoutMs: 10_000 }).catch(() => {});
    }
  }

  send<M extends CommandName>(method: M, params?: CommandParams<M>, options: SendOptions = {}): Promise<CommandResult<M>> {
    return this.sendRaw(method, params, options) as Promise<CommandResult<M>>;
  }

  /** For methods outside the standard protocol, such as js-debug's `JsDebug.subscribe`. */
  sendRaw(method: string, params?: object, options: SendOptions = {}): Promise<unknown> {
    if (this.closedReason !== undefined) return Promise.reject(new ConnectionClosedError(this.closedReason, method));
    const id = this.nextId++;
    // Created here so the stack points at the caller.
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const timeoutError = new CdpTimeoutError(method, timeoutMs);
    const reply = new Promise((resolve, reject) => {
      const entry: Pending = { method, resolve, reject };
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        const expire = () => {
          const quietMs = Date.now() - this.lastReceivedAt;
          if (options.unlessActive && quietMs < timeoutMs) {
            entry.timer = setTimeout(expire, timeoutMs - quietMs);
            return;
          }
          this.pending.delete(id);
          reject(timeoutError);
        };
        entry.timer = setTimeout(expire, timeoutMs);
      }
      this.pending.set(id, entry);
      try {
        this.transport.send(JSON.stringify({ id, method, params: params ?? {} }));
        this.receivedSinceSent = false;
      } catch (e) {
        this.pending.delete(id);
        if (entry.timer) clearTimeout(entry.timer);
        reject(new CdpError(method, undefined, `could not send: ${(e as Error).message}`));
      }
    });
    // Tunnelled (a worker's session): the answer comes second, after the carrier's own reply
    // (acknowledged for a short while: a worker's heap snapshot would otherwise send thousands).
    return this.transport.carrier ? this.transport.carrier.keepAcknowledging(reply, WORKER_ACKNOWLEDGING_MS) : reply;
  }

  on<E extends EventName>(event: E, listener: (params: EventParams<E>) => void): () => void;
  on(event: string, listener: (params: any) => void): () => void;
  on(event: string, listener: (params: any) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set!.delete(listener);
  }

  onClose(listener: (reason: string) => void): () => void {
    if (this.closedReason !== undefined) {
      queueMicrotask(() => listener(this.closedReason!));
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Closes the connection; `reason` is what pending calls and close listeners are told. */
  close(reason = 'closed by the profiler'): void {
    if (this.closedReason === undefined) {
      this.transport.close();
      this.closed(reason);
    }
  }

  private receive(raw: string): void {
    this.lastReceivedAt = Date.now();
    this.receivedSinceSent = true;
    let message: { id?: number; method?: string; params?: unknown; result?: unknown; error?: { code: number; message: string; data?: string } };
    try {
      message = JSON.parse(raw);
    } catch {
      return; // A peer that sends garbage is not worth crashing for.
    }
    if (message.id !== undefined) {
      const entry = this.pending.get(message.id);
      if (!entry) return;
      this.pending.delete(message.id);
      if (entry.timer) clearTimeout(entry.timer);
      if (message.error) {
        const text = message.error.data ? `${message.error.message} (${message.error.data})` : message.error.message;
        entry.reject(new CdpError(entry.method, message.error.code, text));
      } else {
        entry.resolve(message.result ?? {});
      }
    } else if (message.method) {
      const set = this.listeners.get(message.method);
      if (set) for (const listener of [...set]) listener(message.params ?? {});
    }
  }

  private closed(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    for (const [id, entry] of this.pending) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.reject(new ConnectionClosedError(reason, entry.method));
      this.pending.delete(id);
    }
    for (const listener of this.closeListeners) listener(reason);
    this.closeListeners.clear();
  }
}
