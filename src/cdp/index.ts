/** DevTools-protocol connections: inspector WebSocket, VS Code's js-debug proxy, in-process session. */
export * from './connection';
export * from './connect';
export * from './errors';
export type { Transport } from './transport';
export { WorkerSessionTransport } from './workerSessionTransport';
