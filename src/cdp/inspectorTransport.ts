import { Session } from 'node:inspector';
import type { Transport } from './transport';

/**
 * A transport over an in-process `node:inspector` session: this thread's isolate, or, from a
 * worker thread, the main thread's (`connectToMainThread`), which keeps answering even while
 * the main thread is blocked in `Atomics.wait`.
 */
export class InspectorTransport implements Transport {
  private readonly session = new Session();
  private messageListener: ((message: string) => void) | undefined;
  private closeListener: ((reason: string) => void) | undefined;

  constructor(mainThread = false) {
    if (mainThread) this.session.connectToMainThread();
    else this.session.connect();
    // The session speaks objects; we re-encode so CdpConnection handles one wire format.
    this.session.on('inspectorNotification', (message) => this.messageListener?.(JSON.stringify(message)));
  }

  send(message: string): void {
    const { id, method, params } = JSON.parse(message) as { id: number; method: string; params: object };
    this.session.post(method, params, (error, result) => {
      const reply = error ? { id, error: { code: (error as { code?: number }).code ?? -32000, message: error.message } } : { id, result };
      this.messageListener?.(JSON.stringify(reply));
    });
  }

  onMessage(listener: (message: string) => void): void {
    this.messageListener = listener;
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListener = listener;
  }

  close(): void {
    this.session.disconnect();
    this.closeListener?.('the inspector session was disconnected');
  }
}
