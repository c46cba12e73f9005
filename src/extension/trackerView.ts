/**
 * The sidebar's Tracker view: the tracked classes with instance count, size and trend (↑/↓ against
 * the previous snapshot) at the latest snapshot; each expands to its figures per snapshot. It
 * follows the tracker (snapshots taken from anywhere: the view, the pages, periodic mode). The
 * welcome content in package.json covers "not running" and "nothing tracked".
 */
import * as vscode from 'vscode';
import type { ClassSnapshotStats, TrackerSnapshot } from '../model';
import type { ClassTracker } from '../tracker';
import type { Services } from './services';

/** What the view shows, as plain data (returned by `memoryProfiler.trackerViewData` for tests). */
export interface TrackerViewClass {
  name: string;
  /** Instances at the latest snapshot that counted this class; undefined before one. */
  count?: number;
  /** Bytes they keep alive (retained). */
  size?: number;
  /** Against the previous snapshot that counted it: `up`, `down`, `same`, or undefined. */
  trend?: 'up' | 'down' | 'same';
  snapshots: TrackerViewSnapshot[];
}

export interface TrackerViewSnapshot {
  index: number;
  description: string;
  timestamp: number;
  count: number;
  size: number;
}

export type TrackerNode = { kind: 'class'; data: TrackerViewClass } | { kind: 'snapshot'; className: string; data: TrackerViewSnapshot };

const TREND_ARROW = { up: '↑', down: '↓', same: '=' } as const;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

/** The view's data from the tracker: tracked classes first, in tracking order. */
export function trackerViewData(tracker: ClassTracker | undefined): TrackerViewClass[] {
  if (!tracker) return [];
  return tracker.tracked.map((t) => {
    const snapshots = tracker.snapshots
      .filter((s: TrackerSnapshot) => Object.hasOwn(s.classes, t.name))
      .map((s) => {
        const c: ClassSnapshotStats = s.classes[t.name];
        return { index: s.index, description: s.description, timestamp: s.timestamp, count: c.active, size: c.sum };
      });
    const last = snapshots[snapshots.length - 1];
    const prev = snapshots[snapshots.length - 2];
    let trend: TrackerViewClass['trend'];
    if (last && prev) {
      const d = last.count - prev.count || last.size - prev.size;
      trend = d > 0 ? 'up' : d < 0 ? 'down' : 'same';
    }
    return { name: t.name, count: last?.count, size: last?.size, trend, snapshots };
  });
}

export class TrackerTreeProvider implements vscode.TreeDataProvider<TrackerNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TrackerNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly services: Services) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  data(): TrackerViewClass[] {
    return trackerViewData(this.services.profiler.state?.tracker);
  }

  getTreeItem(node: TrackerNode): vscode.TreeItem {
    if (node.kind === 'class') {
      const c = node.data;
      const item = new vscode.TreeItem(c.name, c.snapshots.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
      item.id = `class:${c.name}`;
      item.iconPath = new vscode.ThemeIcon('symbol-class');
      item.contextValue = 'trackedClass';
      item.description = c.count === undefined ? 'no snapshot yet' : `${c.count.toLocaleString('en')} × · ${formatBytes(c.size ?? 0)}${c.trend ? ` ${TREND_ARROW[c.trend]}` : ''}`;
      item.tooltip = new vscode.MarkdownString(
        c.count === undefined
          ? `**${c.name}** is tracked; take a snapshot to count its instances.`
          : `**${c.name}** at the latest snapshot: ${c.count.toLocaleString('en')} instances keeping ${formatBytes(c.size ?? 0)} alive` +
              (c.trend ? ` (${c.trend === 'same' ? 'unchanged' : c.trend === 'up' ? 'more' : 'fewer'} than the snapshot before)` : ''),
      );
      item.command = { command: 'memoryProfiler.openClassPage', title: 'Open Class Page', arguments: [node] };
      return item;
    }
    const s = node.data;
    const item = new vscode.TreeItem(s.description || `snapshot ${s.index}`, vscode.TreeItemCollapsibleState.None);
    item.id = `snapshot:${node.className}:${s.index}`;
    item.iconPath = new vscode.ThemeIcon('device-camera');
    item.contextValue = 'classSnapshot';
    item.description = `${s.count.toLocaleString('en')} × · ${formatBytes(s.size)}`;
    item.tooltip = `${node.className} in snapshot ${s.index} (${new Date(s.timestamp).toLocaleTimeString()}): ${s.count} instances, ${formatBytes(s.size)}`;
    return item;
  }

  getChildren(node?: TrackerNode): TrackerNode[] {
    if (!node) return this.data().map((data) => ({ kind: 'class', data }));
    if (node.kind === 'class') {
      // Fresh data: the node may be from before the latest snapshot.
      const c = this.data().find((x) => x.name === node.data.name) ?? node.data;
      return [...c.snapshots].reverse().map((data) => ({ kind: 'snapshot', className: c.name, data }));
    }
    return [];
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function registerTrackerView(context: vscode.ExtensionContext, services: Services): TrackerTreeProvider {
  const provider = new TrackerTreeProvider(services);
  const view = vscode.window.createTreeView('memoryProfiler.tracker', { treeDataProvider: provider, showCollapseAll: true });
  const update = () => {
    const state = services.profiler.state;
    view.description = state ? (state.goneReason !== undefined ? `${state.label} (gone)` : state.label) : undefined;
    const n = state?.tracker.snapshots.length ?? 0;
    view.message = state && state.tracker.tracked.length && !n ? 'No snapshot yet: take one to count the instances.' : undefined;
    provider.refresh();
  };
  update();
  context.subscriptions.push(
    provider,
    view,
    services.profiler.onDidChange(update),
    services.profiler.onDidChangeTracker(update),
    vscode.commands.registerCommand('memoryProfiler.refreshTracker', update),
    vscode.commands.registerCommand('memoryProfiler.trackerViewData', () => provider.data()),
  );
  return provider;
}
