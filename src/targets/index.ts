/** Profiled programs: a live Node program over the DevTools protocol, saved files offline. */
export * from './target';
export { NodeTarget, type NodeTargetOptions } from './node';
export { OfflineTarget } from './offline/offlineTarget';
