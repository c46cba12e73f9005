/** The extension's settings (`memoryProfiler.*`), read fresh each time they are needed. */
import * as vscode from 'vscode';

/** Pages a panel can show at start (`memoryProfiler.openPanelsOnStart`). */
export const PANEL_PAGES = ['/', '/process', '/tracker', '/heap', '/garbage'] as const;

export interface ProfilerSettings {
  host: string;
  port: number;
  /** Milliseconds between periodic snapshots. */
  periodicInterval: number;
  /** Largest share of wall time periodic snapshots may pause the program. */
  pauseBudget: number;
  /** Constructor names tracked as soon as the profiler starts on a live program. */
  trackClasses: string[];
  /** Refuse a snapshot when free memory would not cover its estimated peak. */
  memoryGuard: boolean;
  /** The guard's estimate: this many times the JS heap in use. */
  memoryGuardFactor: number;
  /** Pages opened in panels when the profiler starts. */
  openPanelsOnStart: string[];
}

export function readSettings(): ProfilerSettings {
  const config = vscode.workspace.getConfiguration('memoryProfiler');
  const port = Number(config.get('port', 8090));
  const interval = Number(config.get('periodicInterval', 10_000));
  const budget = Number(config.get('pauseBudget', 0.05));
  const factor = Number(config.get('memoryGuardFactor', 10));
  const strings = (key: string, fallback: string[]) => {
    const v = config.get<unknown>(key, fallback);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim()) : fallback;
  };
  return {
    host: config.get<string>('host', 'localhost') || 'localhost',
    port: Number.isInteger(port) && port >= 0 && port < 65536 ? port : 8090,
    periodicInterval: Number.isFinite(interval) && interval >= 100 ? interval : 10_000,
    pauseBudget: budget > 0 && budget <= 1 ? budget : 0.05,
    trackClasses: strings('trackClasses', []),
    memoryGuard: config.get<boolean>('memoryGuard', true) !== false,
    memoryGuardFactor: factor > 0 ? factor : 10,
    openPanelsOnStart: strings('openPanelsOnStart', ['/']).filter((p) => (PANEL_PAGES as readonly string[]).includes(p)),
  };
}
