/**
 * A transport carries raw DevTools-protocol messages. The connection on top of it
 * (`CdpConnection`) does ids, timeouts and typing; transports only move strings.
 */
export interface Transport {
  send(message: string): void;
  /** Called with every message that arrives. */
  onMessage(listener: (message: string) => void): void;
  /** Called once when the transport closes, with the reason. */
  onClose(listener: (reason: string) => void): void;
  close(): void;
}
