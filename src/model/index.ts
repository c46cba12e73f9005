/** The contract shared by the server, the worker threads, stats dumps and the UI: plain data only. */
export * from './process';
export * from './heap';
export * from './snapshots';
export * from './tracker';
export * from './garbage';
export * from './threads';
export * from './events';
export * from './api';
