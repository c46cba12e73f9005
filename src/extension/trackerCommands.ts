/**
 * The tracker's commands: Take Snapshot (with a percentage), Track Class… (a pick of the heap's
 * constructors with counts), Untrack, Start/Stop Periodic Snapshots, Save Stats…, Compare
 * Snapshots…, and the page commands (Process, Tracker, Heap, Garbage, a class page). They use the
 * running server's `ClassTracker` and heap store directly, in the extension host.
 * Each returns what it did, so scripts and tests can call it with arguments and skip the pickers.
 */
import * as vscode from 'vscode';
import type { HeapProgress, TrackerSnapshot } from '../model';
import { MemoryGuardError } from '../tracker';
import type { ProfilerState } from './profilerService';
import type { Services } from './services';
import { readSettings } from './settings';
import { formatBytes, type TrackerNode } from './trackerView';

/** Share of the progress bar per phase: capture (V8 writes the snapshot), parse, the analyses. */
function percentOf(p: HeapProgress): number {
  const f = p.total > 0 ? Math.min(1, p.done / p.total) : p.totalBytes && p.bytes !== undefined ? Math.min(1, p.bytes / p.totalBytes) : 0;
  if (p.phase === 'capture') return 50 * f;
  if (p.phase === 'parse') return 50 + 30 * (p.totalBytes && p.bytes !== undefined ? Math.min(1, p.bytes / p.totalBytes) : f);
  return 80 + 20 * f;
}

function running(services: Services, what: string): ProfilerState | undefined {
  const state = services.profiler.state;
  if (!state) {
    void vscode.window.showInformationMessage(`${what} needs the Memory Profiler running.`, 'Start Memory Profiler').then((c) => {
      if (c) void vscode.commands.executeCommand('memoryProfiler.start');
    });
  }
  return state;
}

function live(services: Services, what: string): ProfilerState | undefined {
  const state = running(services, what);
  if (state && (!state.live || state.goneReason !== undefined)) {
    void vscode.window.showInformationMessage(`${what} needs a running program; ${state.live ? `${state.label} is gone` : `the profiler shows saved files (${state.label})`}.`);
    return undefined;
  }
  return state;
}

/** Takes a tracker snapshot with a progress notification; asks before overriding the memory guard. */
export async function takeSnapshot(services: Services, description?: string, force = false): Promise<TrackerSnapshot | undefined> {
  const state = live(services, 'A snapshot');
  if (!state) return undefined;
  try {
    return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Memory Profiler: heap snapshot', cancellable: false }, async (progress) => {
      let shown = 0;
      const off = services.profiler.onSnapshotProgress((p) => {
        const pct = Math.floor(percentOf(p));
        if (pct > shown) {
          progress.report({ increment: pct - shown, message: `${p.phase} ${pct} %` });
          shown = pct;
        }
      });
      try {
        return await state.tracker.createSnapshot(description ?? '', { force });
      } finally {
        off.dispose();
      }
    });
  } catch (e) {
    if (e instanceof MemoryGuardError) {
      const anyway = 'Take It Anyway';
      const choice = await vscode.window.showWarningMessage(`Memory Profiler: ${e.message}`, anyway);
      return choice === anyway ? takeSnapshot(services, description, true) : undefined;
    }
    throw e;
  }
}

/** The latest heap snapshot the server still holds, taking one when there is none. */
async function latestHeapIndex(services: Services, state: ProfilerState): Promise<number | undefined> {
  const held = state.server.heap.list().filter((e) => !e.dropped);
  if (held.length) return held[held.length - 1].index;
  if (!state.live) return undefined;
  const snapshot = await takeSnapshot(services, 'to list the classes');
  return snapshot?.heapIndex;
}

export async function trackClass(services: Services, name?: string): Promise<string | undefined> {
  const state = live(services, 'Tracking a class');
  if (!state) return undefined;
  if (!name) {
    const index = await latestHeapIndex(services, state);
    if (index === undefined) return undefined;
    const tracked = new Set(state.tracker.tracked.map((t) => t.name));
    const classes = (await state.server.heap.classes(index)).filter((c) => c.name && !tracked.has(c.name));
    classes.sort((a, b) => b.count - a.count);
    const picked = await vscode.window.showQuickPick(
      classes.map((c) => ({ label: c.name, description: `${c.count.toLocaleString('en')} instances · ${formatBytes(c.retainedSize)} retained` })),
      { title: 'Track Class', placeHolder: `Constructors in heap snapshot ${index}, most instances first`, matchOnDescription: false },
    );
    name = picked?.label;
    if (!name) return undefined;
  }
  await state.tracker.trackClass(name); // the tracker's onTrackedChanged refreshes the view
  services.log.info(`tracking ${name}`);
  return name;
}

function nameOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  const node = arg as TrackerNode | undefined;
  if (node?.kind === 'class') return node.data.name;
  if (node?.kind === 'snapshot') return node.className;
  return undefined;
}

export async function untrackClass(services: Services, arg?: unknown): Promise<string | undefined> {
  const state = live(services, 'Untracking a class');
  if (!state) return undefined;
  let name = nameOf(arg);
  if (!name) {
    const names = state.tracker.tracked.map((t) => t.name);
    if (!names.length) {
      void vscode.window.showInformationMessage('No class is tracked.');
      return undefined;
    }
    name = await vscode.window.showQuickPick(names, { title: 'Untrack Class', placeHolder: 'Stop following which class? (its history stays)' });
    if (!name) return undefined;
  }
  const done = state.tracker.untrackClass(name);
  return done ? name : undefined;
}

/** Asks for two heap snapshots (or takes `from`, `to`) and opens the heap page on their diff. */
export async function compareSnapshots(services: Services, from?: number, to?: number): Promise<string | undefined> {
  const state = running(services, 'Comparing snapshots');
  if (!state) return undefined;
  const held = state.server.heap.list().filter((e) => !e.dropped);
  if (held.length < 2 && (from === undefined || to === undefined)) {
    void vscode.window.showInformationMessage(`Comparing needs two heap snapshots; the profiler holds ${held.length}. Take another first.`);
    return undefined;
  }
  const pick = async (title: string, except?: number) => {
    const items = held
      .filter((e) => e.index !== except)
      .reverse()
      .map((e) => ({ label: `#${e.index} ${e.label}`, description: `${formatBytes(e.totalSize)} · ${e.nodeCount.toLocaleString('en')} objects`, index: e.index }));
    return (await vscode.window.showQuickPick(items, { title }))?.index;
  };
  from ??= await pick('Compare Snapshots: the earlier snapshot (baseline)');
  if (from === undefined) return undefined;
  to ??= await pick(`Compare Snapshots: compare #${from} with`, from);
  if (to === undefined) return undefined;
  if (to < from) [from, to] = [to, from];
  const page = `/heap?from=${from}&to=${to}`;
  services.panels.show(page);
  return page;
}

export function registerTrackerCommands(context: vscode.ExtensionContext, services: Services): void {
  const reg = (id: string, fn: (...args: any[]) => unknown) =>
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await fn(...args);
        } catch (e) {
          const message = (e as Error).message ?? String(e);
          services.log.error(`${id} failed: ${(e as Error).stack ?? message}`);
          void vscode.window.showErrorMessage(`Memory Profiler: ${message}`);
          // Called with arguments (a script or a test): let the caller see the error.
          if (args.length && args[0] !== undefined && typeof args[0] !== 'object') throw e;
          return undefined;
        }
      }),
    );

  reg('memoryProfiler.takeSnapshot', (description?: unknown) => takeSnapshot(services, typeof description === 'string' ? description : undefined));
  reg('memoryProfiler.trackClass', (name?: unknown) => trackClass(services, typeof name === 'string' ? name : undefined));
  reg('memoryProfiler.untrackClass', (arg?: unknown) => untrackClass(services, arg));
  reg('memoryProfiler.startPeriodic', (intervalMs?: unknown) => {
    const state = live(services, 'Periodic snapshots');
    if (!state) return undefined;
    const settings = readSettings();
    const interval = typeof intervalMs === 'number' && intervalMs >= 100 ? intervalMs : settings.periodicInterval;
    state.tracker.startPeriodicSnapshots(interval, { budget: settings.pauseBudget });
    services.profiler.notifyTrackerChanged();
    void vscode.window.setStatusBarMessage(`Memory Profiler: a snapshot about every ${interval / 1000} s`, 4000);
    return state.tracker.state().periodic;
  });
  reg('memoryProfiler.stopPeriodic', () => {
    const state = services.profiler.state;
    state?.tracker.stopPeriodicSnapshots();
    services.profiler.notifyTrackerChanged();
    return !!state;
  });
  reg('memoryProfiler.saveStats', async (file?: unknown) => {
    const state = running(services, 'Saving stats');
    if (!state) return undefined;
    let target = typeof file === 'string' ? vscode.Uri.file(file) : undefined;
    if (!target) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      target = await vscode.window.showSaveDialog({
        title: 'Save the tracker stats',
        saveLabel: 'Save Stats',
        defaultUri: folder ? vscode.Uri.joinPath(folder, 'memory-profiler-stats.json') : undefined,
        filters: { 'Stats (JSON)': ['json'], 'Stats (gzip JSON)': ['gz'] },
      });
    }
    if (!target) return undefined;
    await state.tracker.dumpStats(target.fsPath);
    services.log.info(`stats saved to ${target.fsPath}`);
    if (typeof file !== 'string') void vscode.window.showInformationMessage(`Memory Profiler: stats saved to ${vscode.workspace.asRelativePath(target)}.`);
    return target.fsPath;
  });
  reg('memoryProfiler.compareSnapshots', (from?: unknown, to?: unknown) =>
    compareSnapshots(services, typeof from === 'number' ? from : undefined, typeof to === 'number' ? to : undefined),
  );
  const page = (id: string, path: string) =>
    reg(id, () => {
      if (!running(services, 'The page')) return undefined;
      services.panels.show(path);
      return path;
    });
  page('memoryProfiler.openProcessPanel', '/process');
  page('memoryProfiler.openTrackerPanel', '/tracker');
  page('memoryProfiler.openHeapPanel', '/heap');
  page('memoryProfiler.openGarbagePanel', '/garbage');
  reg('memoryProfiler.openClassPage', (arg?: unknown) => {
    const name = nameOf(arg);
    if (!name || !running(services, 'The class page')) return undefined;
    const path = `/tracker/class/${encodeURIComponent(name)}`;
    services.panels.show(path);
    return path;
  });
}
