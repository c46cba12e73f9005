import type { CdpConnection } from './connection';
import type { Transport } from './transport';

/**
 * A transport to a worker thread of the program, tunnelled through the parent's connection
 * with the `NodeWorker` domain: messages go out with `NodeWorker.sendMessageToWorker` and come
 * back as `NodeWorker.receivedMessageFromWorker` events of the same session.
 */
export class WorkerSessionTransport implements Transport {
  private messageListener: ((message: string) => void) | undefined;
  private closeListener: ((reason: string) => void) | undefined;
  private readonly unsubscribe: Array<() => void>;
  private closed = false;

  constructor(
    private readonly parent: CdpConnection,
    readonly sessionId: string,
  ) {
    this.unsubscribe = [
      parent.on('NodeWorker.receivedMessageFromWorker', (event) => {
        if (event.sessionId === sessionId) this.messageListener?.(event.message);
      }),
      parent.on('NodeWorker.detachedFromWorker', (event) => {
        if (event.sessionId === sessionId) this.end('the worker thread ended');
      }),
      parent.onClose((reason) => this.end(reason)),
    ];
  }

  /** Each call is two messages of the parent's (the reply to `sendMessageToWorker`, then the worker's answer). */
  get carrier(): CdpConnection {
    return this.parent;
  }

  send(message: string): void {
    if (this.closed) throw new Error('the worker thread ended');
    // Failures come back as the connection's timeouts or close; the parent's reply says nothing more.
    this.parent.sendRaw('NodeWorker.sendMessageToWorker', { sessionId: this.sessionId, message }).catch(() => {});
  }

  onMessage(listener: (message: string) => void): void {
    this.messageListener = listener;
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListener = listener;
  }

  close(): void {
    this.end('closed by the profiler');
  }

  private end(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.unsubscribe) off();
    this.closeListener?.(reason);
  }
}
