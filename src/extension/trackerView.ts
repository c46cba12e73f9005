/**
 * The sidebar's Tracker view: tracked classes and snapshots (empty for now; its welcome content,
 * declared in package.json, offers to start the profiler).
 */
import * as vscode from 'vscode';
import type { Services } from './services';

export type TrackerItem = vscode.TreeItem;

export class TrackerTreeProvider implements vscode.TreeDataProvider<TrackerItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TrackerItem | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(element: TrackerItem): TrackerItem {
    return element;
  }

  getChildren(): TrackerItem[] {
    return []; // Tracked classes arrive with the tracker; an empty list shows the welcome content.
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function registerTrackerView(context: vscode.ExtensionContext, services: Services): void {
  const provider = new TrackerTreeProvider();
  const view = vscode.window.createTreeView('memoryProfiler.tracker', { treeDataProvider: provider });
  const update = () => {
    const state = services.profiler.state;
    view.description = state ? (state.goneReason !== undefined ? `${state.label} (gone)` : state.label) : undefined;
    void vscode.commands.executeCommand('setContext', 'memoryProfiler.running', !!state);
    provider.refresh();
  };
  update();
  context.subscriptions.push(provider, view, services.profiler.onDidChange(update));
}
