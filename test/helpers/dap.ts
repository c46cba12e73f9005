import { type Socket, connect } from 'node:net';

/** A minimal Debug Adapter Protocol client over TCP (Content-Length framing), for tests against debugpy. */
export class DapClient {
  private buffer = Buffer.alloc(0);
  private seq = 1;
  private readonly waiters = new Map<number, (message: { success: boolean; body?: unknown; message?: string }) => void>();
  readonly events: Array<{ event: string; body?: unknown }> = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.receive(d));
  }

  /** Connects, retrying while the adapter starts. */
  static async connect(port: number, timeoutMs = 15_000): Promise<DapClient> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(port, '127.0.0.1', () => resolve(s));
          s.once('error', reject);
        });
        return new DapClient(socket);
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  request<T = unknown>(command: string, args: Record<string, unknown> = {}): Promise<T> {
    const seq = this.seq++;
    const text = JSON.stringify({ seq, type: 'request', command, arguments: args });
    return new Promise<T>((resolve, reject) => {
      this.waiters.set(seq, (m) => (m.success ? resolve(m.body as T) : reject(new Error(`${command}: ${m.message}`))));
      this.socket.write(`Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    });
  }

  async waitForEvent(event: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.events.some((e) => e.event === event)) {
      if (Date.now() > deadline) throw new Error(`no ${event} event from the debug adapter`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(data: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, data]);
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, end).toString())?.[1] ?? -1);
      if (length < 0 || this.buffer.length < end + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(end + 4, end + 4 + length).toString('utf8'));
      this.buffer = this.buffer.subarray(end + 4 + length);
      if (message.type === 'event') this.events.push(message);
      else if (message.type === 'response') {
        const waiter = this.waiters.get(message.request_seq);
        this.waiters.delete(message.request_seq);
        waiter?.(message);
      }
    }
  }
}
