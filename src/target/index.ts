/** Profiled programs: a live Node program over the DevTools protocol, and what they share. */
export * from './target';
export { NodeTarget } from './nodeTarget';
