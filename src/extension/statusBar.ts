/** The status bar item: the server's port while the profiler runs; a click opens the browser. */
import * as vscode from 'vscode';
import type { Services } from './services';

export function registerStatusBar(context: vscode.ExtensionContext, services: Services): void {
  const item = vscode.window.createStatusBarItem('memoryProfiler.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Memory Profiler';
  item.command = 'memoryProfiler.openInBrowser';
  const update = () => {
    const state = services.profiler.state;
    if (!state) {
      item.hide();
      return;
    }
    const gone = state.goneReason !== undefined;
    item.text = `$(pulse) Memory Profiler :${state.server.port}`;
    item.tooltip = gone
      ? `${state.label} is gone (${state.goneReason}); the pages at ${state.server.url} keep what was collected. Click to open them in the browser.`
      : `Profiling ${state.label} at ${state.server.url}. Click to open in the browser.`;
    item.backgroundColor = gone ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.show();
  };
  update();
  context.subscriptions.push(item, services.profiler.onDidChange(update));
}
