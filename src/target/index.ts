/** Profiled programs: a live Node program over the DevTools protocol, saved files offline. */
export * from './target';
export { NodeTarget } from './nodeTarget';
export { OfflineTarget, NotAvailableOfflineError } from './offlineTarget';
