/**
 * The context keys that menus, `enablement` and welcome content read:
 * `memoryProfiler.running` (a server is up), `memoryProfiler.live` (a running program is attached),
 * `memoryProfiler.hasTracked`, `memoryProfiler.periodic`, `memoryProfiler.canCompare` (two heap
 * snapshots held).
 */
import * as vscode from 'vscode';
import type { Services } from './services';

export function registerContextKeys(context: vscode.ExtensionContext, services: Services): void {
  const last = new Map<string, boolean>();
  const set = (key: string, value: boolean) => {
    if (last.get(key) === value) return;
    last.set(key, value);
    void vscode.commands.executeCommand('setContext', `memoryProfiler.${key}`, value);
  };
  const update = () => {
    const state = services.profiler.state;
    set('running', !!state);
    set('live', !!state?.live && state.goneReason === undefined);
    set('hasTracked', !!state?.tracker.tracked.length);
    set('periodic', !!state?.tracker.state().periodic);
    set('canCompare', (state?.server.heap.list().filter((e) => !e.dropped).length ?? 0) >= 2);
  };
  update();
  context.subscriptions.push(services.profiler.onDidChange(update), services.profiler.onDidChangeTracker(update));
}
