/**
 * Memory Profiler as a library: serve a program's memory figures over HTTP, from inside the
 * program (`startInBackground()`) or for another one (`target`).
 */
export { startInBackground, type BackgroundOptions, type BackgroundProfiler, type BackgroundTracker } from './host/background';
export { startServer, DEFAULT_PORT, type RunningServer, type ServerOptions } from './server';
export { NodeTarget, OfflineTarget, NotAvailableError, TargetGoneError, type ProfiledTarget, type TargetCapabilities } from './targets';
export { CdpConnection, CdpError, ConnectionClosedError, connectToInspector, connectToJsDebugProxy, connectInProcess, type JsDebugProxyAddress } from './targets/node';
export type * from './model';
export { ClassTracker, loadStats, StatsFileError, type ClassTrackerOptions, type LoadStatsOptions, type TrackOptions } from './tracker';
export { startProfiler, type ProfilerOptions, type ProfilerResult } from './host/profiler';
