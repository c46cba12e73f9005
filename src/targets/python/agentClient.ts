import { Socket, connect } from 'node:net';

/** Where a Python program's agent listens, and the session's secret. */
export interface AgentAddress {
  host: string;
  port: number;
  secret: string;
}

/** What the agent says about the program once the secret is accepted. */
export interface AgentHello {
  pid: number;
  title: string;
  /** e.g. `python 3.11.2` */
  runtime: string;
  implementation: string;
  executable: string;
  argv: string[];
  protocol: number;
}

/** A request the agent refused or failed: its one-line message and a code (`unknown`, `bad-request`, `agent-error`…). */
export class AgentRequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'AgentRequestError';
  }
}

/** The connection to the agent is gone (the program exited, or the secret was refused). */
export class AgentConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentConnectionError';
  }
}

export interface AgentEvent {
  event: string;
  params: Record<string, unknown>;
  eventId: number;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onChunk?: (chunk: Buffer) => void;
}

const MAX_LINE_BYTES = 64 << 20;

/**
 * One connection to the agent inside a Python program (python/memory_profiler_agent/_agent.py):
 * the secret first, then JSON-line requests; a snapshot's text arrives as `{"id", "chunk": n}`
 * lines each followed by n raw bytes, handed to the caller as they come.
 */
export class PythonAgentClient {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Raw bytes still owed to the request with this id. */
  private chunk: { id: number; left: number } | undefined;
  private closedReason: string | undefined;
  private readonly eventListeners: Array<(e: AgentEvent) => void> = [];
  private readonly closeListeners: Array<(reason: string) => void> = [];

  private constructor(
    private readonly socket: Socket,
    readonly hello: AgentHello,
  ) {}

  static connect(address: AgentAddress, timeoutMs = 10_000): Promise<PythonAgentClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: address.host, port: address.port });
      let received = Buffer.alloc(0);
      const fail = (message: string) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new AgentConnectionError(message));
      };
      const timer = setTimeout(() => fail(`the Python agent at ${address.host}:${address.port} did not answer within ${timeoutMs} ms`), timeoutMs);
      socket.once('error', (e) => fail(`cannot reach the Python agent at ${address.host}:${address.port}: ${e.message}`));
      socket.once('close', () => fail('the Python agent closed the connection'));
      const onData = (data: Buffer) => {
        received = Buffer.concat([received, data]);
        const newline = received.indexOf(10);
        if (newline < 0) return;
        socket.off('data', onData);
        socket.removeAllListeners('error');
        socket.removeAllListeners('close');
        clearTimeout(timer);
        let first: { hello?: AgentHello; error?: string };
        try {
          first = JSON.parse(received.subarray(0, newline).toString('utf8'));
        } catch {
          fail('the Python agent answered something that is not JSON');
          return;
        }
        if (!first.hello) {
          fail(`the Python agent refused the connection: ${first.error ?? 'no reason given'}`);
          return;
        }
        const client = new PythonAgentClient(socket, first.hello);
        client.listen(received.subarray(newline + 1));
        resolve(client);
      };
      socket.on('data', onData);
      socket.write(JSON.stringify({ secret: address.secret }) + '\n');
    });
  }

  get isClosed(): boolean {
    return this.closedReason !== undefined;
  }

  onEvent(listener: (e: AgentEvent) => void): void {
    this.eventListeners.push(listener);
  }

  onClose(listener: (reason: string) => void): void {
    if (this.closedReason !== undefined) listener(this.closedReason);
    else this.closeListeners.push(listener);
  }

  request<T = unknown>(method: string, params: Record<string, unknown> = {}, onChunk?: (chunk: Buffer) => void): Promise<T> {
    if (this.closedReason !== undefined) return Promise.reject(new AgentConnectionError(this.closedReason));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onChunk });
      this.socket.write(JSON.stringify({ id, method, params }) + '\n');
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private listen(initial: Buffer): void {
    this.socket.on('data', (data: Buffer) => this.receive(data));
    this.socket.on('error', () => {});
    this.socket.on('close', () => this.closed('the Python program closed the connection (it exited?)'));
    if (initial.length) this.receive(initial);
  }

  private closed(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    for (const p of this.pending.values()) p.reject(new AgentConnectionError(reason));
    this.pending.clear();
    for (const l of this.closeListeners.splice(0)) l(reason);
  }

  private receive(data: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    for (;;) {
      if (this.chunk) {
        if (!this.buffer.length) return;
        const take = Math.min(this.chunk.left, this.buffer.length);
        const piece = this.buffer.subarray(0, take);
        this.buffer = this.buffer.subarray(take);
        this.chunk.left -= take;
        this.pending.get(this.chunk.id)?.onChunk?.(piece);
        if (this.chunk.left === 0) this.chunk = undefined;
        continue;
      }
      const newline = this.buffer.indexOf(10);
      if (newline < 0) {
        if (this.buffer.length > MAX_LINE_BYTES) {
          this.closed('the Python agent sent a line longer than 64 MiB');
          this.socket.destroy();
        }
        return;
      }
      const line = this.buffer.subarray(0, newline).toString('utf8');
      this.buffer = this.buffer.subarray(newline + 1);
      if (!line.trim()) continue;
      let message: { id?: number | null; result?: unknown; error?: string; code?: string; chunk?: number } & Partial<AgentEvent>;
      try {
        message = JSON.parse(line);
      } catch {
        continue;
      }
      if (typeof message.chunk === 'number' && typeof message.id === 'number') {
        this.chunk = { id: message.id, left: message.chunk };
        continue;
      }
      if (typeof message.event === 'string') {
        for (const l of this.eventListeners) l(message as AgentEvent);
        continue;
      }
      if (typeof message.id !== 'number') continue;
      const pending = this.pending.get(message.id);
      if (!pending) continue;
      this.pending.delete(message.id);
      if (message.error !== undefined) pending.reject(new AgentRequestError(message.error, message.code ?? 'agent-error'));
      else pending.resolve(message.result);
    }
  }
}
