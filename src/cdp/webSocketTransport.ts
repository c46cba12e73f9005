import WebSocket from 'ws';
import type { Transport } from './transport';

/** A DevTools-protocol transport over a WebSocket (Node's inspector, or js-debug's CDP proxy). */
export class WebSocketTransport implements Transport {
  readonly delaysAcknowledgements = true;

  private constructor(private readonly socket: WebSocket) {}

  static open(url: string, timeoutMs = 10_000): Promise<WebSocketTransport> {
    return new Promise((resolve, reject) => {
      // Snapshots arrive as many small messages; big ones are allowed all the same.
      const socket = new WebSocket(url, { maxPayload: 2 ** 31 - 1, perMessageDeflate: false });
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error(`could not connect to ${url}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('open', () => {
        clearTimeout(timer);
        resolve(new WebSocketTransport(socket));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`could not connect to ${url}: ${e.message}`));
      });
    });
  }

  send(message: string): void {
    this.socket.send(message);
  }

  onMessage(listener: (message: string) => void): void {
    this.socket.on('message', (data) => listener(data.toString()));
  }

  onClose(listener: (reason: string) => void): void {
    let told = false;
    const tell = (reason: string) => {
      if (!told) {
        told = true;
        listener(reason);
      }
    };
    this.socket.on('close', (code) => tell(code === 1000 ? 'the program closed the connection' : `the connection was lost (code ${code})`));
    this.socket.on('error', (e) => tell(`the connection failed: ${e.message}`));
  }

  close(): void {
    this.socket.close();
  }
}
