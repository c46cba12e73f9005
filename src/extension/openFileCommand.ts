/**
 * "Open Stats File…": serves saved files without a running program, as the CLI's `open` does
 * (src/cli/openCommand.ts): one stats dump (from Save Stats… or `dumpStats`) becomes a read-only
 * tracker; `.heapsnapshot` files are parsed in the heap worker, with a progress notification.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { HeapWorkerClient } from '../heap/client';
import { HeapStore } from '../server/heapStore';
import { DEFAULT_MAX_SNAPSHOTS } from '../server/limits';
import { OfflineTarget } from '../targets';
import { ClassTracker, loadStats, looksLikeStats } from '../tracker';
import type { ProfilerState } from './profilerService';
import type { Services } from './services';
import { readSettings } from './settings';
import { openStartPanels, startOnFreeablePort } from './startCommand';

export interface OpenFilesOptions {
  port?: number;
  onPortInUse?: 'ask' | 'free' | 'fail';
  openPanel?: boolean;
}

/** Asks for a stats dump or heap snapshots. */
export async function pickSavedFiles(): Promise<vscode.Uri[] | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: 'Open a saved stats file or heap snapshots',
    canSelectMany: true,
    openLabel: 'Open in Memory Profiler',
    filters: { 'Stats and heap snapshots': ['json', 'gz', 'heapsnapshot'], 'All files': ['*'] },
  });
  return picked?.length ? picked : undefined;
}

/** Stops any running profiler and serves `files` offline; undefined when the user gave up. */
export async function openSavedFiles(services: Services, files: vscode.Uri[], options: OpenFilesOptions = {}): Promise<ProfilerState | undefined> {
  const paths = files.map((f) => f.fsPath);
  const settings = readSettings();
  const stats = paths.filter(looksLikeStats);
  if (stats.length && paths.length > 1) throw new Error('open one stats dump, or heap snapshots: not both, nor two dumps');
  await services.profiler.stop();
  const base = { target: new OfflineTarget(paths), host: settings.host, port: options.port ?? settings.port };
  let request: Parameters<Services['profiler']['start']>[0];
  let heap: HeapStore | undefined;
  if (stats.length) {
    const dump = await loadStats(paths[0]);
    // The dump's runtime (the program it came from), not a heap snapshot's.
    request = { ...base, target: OfflineTarget.forStats(paths[0], dump.target), label: basename(paths[0]), tracker: ClassTracker.fromStats(dump) };
  } else {
    heap = new HeapStore({ maxSnapshots: Math.max(DEFAULT_MAX_SNAPSHOTS, paths.length) });
    const store = heap;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Memory Profiler', cancellable: false }, async (progress) => {
      for (const [i, path] of paths.entries()) {
        let reported = 0;
        progress.report({ message: `loading ${basename(path)} (${i + 1} of ${paths.length})…` });
        try {
          await store.addFile(path, basename(path), (p) => {
            if (p.phase !== 'parse' || !p.totalBytes || p.bytes === undefined) return;
            const pct = Math.floor((100 * p.bytes) / p.totalBytes / paths.length);
            if (pct > reported) {
              progress.report({ increment: pct - reported, message: `parsing ${basename(path)}` });
              reported = pct;
            }
          });
        } catch (e) {
          await store.dispose();
          throw new Error(`${basename(path)}: ${(e as Error).message}`);
        }
      }
    });
    request = { ...base, label: paths.map((p) => basename(p)).join(', '), heap };
  }
  let state: ProfilerState | undefined;
  try {
    state = await startOnFreeablePort(services, request, options.onPortInUse ?? 'ask');
  } finally {
    if (!state) await heap?.dispose();
  }
  if (!state) return undefined;
  services.log.info(`serving ${state.label} (saved files) at ${state.server.url}`);
  if (options.openPanel !== false) openStartPanels(services, stats.length ? ['/tracker'] : ['/heap']);
  return state;
}

export function registerOpenStatsFileCommand(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(
    // Called with no arguments (the palette), string paths (scripts, tests), or from the
    // Explorer's context menu with the clicked file and the whole selection.
    vscode.commands.registerCommand('memoryProfiler.openStatsFile', async (paths?: string[] | vscode.Uri, second?: OpenFilesOptions | vscode.Uri[]) => {
      const selection = Array.isArray(second) ? second.filter((u) => u instanceof vscode.Uri) : undefined;
      const options = Array.isArray(second) ? undefined : second;
      try {
        const files = Array.isArray(paths)
          ? paths.map((p) => vscode.Uri.file(p))
          : paths instanceof vscode.Uri
            ? selection?.length
              ? selection
              : [paths]
            : await pickSavedFiles();
        if (!files) return undefined;
        const running = services.profiler.state;
        if (!Array.isArray(paths) && running?.live && running.goneReason === undefined) {
          const open = 'Stop and Open';
          const choice = await vscode.window.showWarningMessage(
            `The Memory Profiler is profiling ${running.label}. Stop it and open the saved files instead?`,
            { modal: true, detail: 'Save Stats… first to keep what the tracker collected.' },
            open,
          );
          if (choice !== open) return undefined;
        }
        const state = await openSavedFiles(services, files, options);
        return state && { url: state.server.url, port: state.server.port };
      } catch (e) {
        void vscode.window.showErrorMessage(`Memory Profiler could not open the file: ${(e as Error).message}`);
        if (Array.isArray(paths)) throw e;
        return undefined;
      }
    }),
  );
}
