import type { CdpConnection } from './connection';

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
  /**
   * Over TCP (a WebSocket): the program's side may hold a small message back until ours has
   * acknowledged the one before (see `CdpConnection.keepAcknowledging`).
   */
  readonly delaysAcknowledgements?: boolean;
  /** The connection a tunnelled transport (a worker's session) travels in. */
  readonly carrier?: CdpConnection;
}
