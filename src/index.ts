/**
 * Memory Profiler as a library: serve a program's memory figures over HTTP, from inside the
 * program (`startInBackground()`) or for another one (`target`).
 */
export { startInBackground, type BackgroundOptions, type BackgroundProfiler, type BackgroundTracker } from './server/background';
export { startServer, DEFAULT_PORT, type RunningServer, type ServerOptions } from './server';
export { NodeTarget, TargetGoneError, type ProfiledTarget } from './target';
export { CdpConnection, CdpError, ConnectionClosedError, connectToInspector, connectToJsDebugProxy, connectInProcess, type JsDebugProxyAddress } from './cdp';
export type * from './model';
export { ClassTracker, loadStats, StatsFileError, type ClassTrackerOptions, type LoadStatsOptions, type TrackOptions } from './tracker';
export { startProfiler, type ProfilerOptions, type ProfilerResult } from './server/profiler';
