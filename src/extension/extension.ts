/**
 * The VS Code extension's composition root: makes the shared services and registers each part.
 * Only `src/extension/` imports `vscode`; everything it shows comes from the server and the UI.
 */
import * as vscode from 'vscode';
import { registerOpenInBrowserCommand, registerShowPanelCommand, registerStopCommand } from './commands';
import { DebugSessionTracker } from './debugSessions';
import { createLog } from './log';
import { ProfilerPanels, registerPanelSerializer } from './profilerPanels';
import { ProfilerService } from './profilerService';
import type { Services } from './services';
import { registerStartCommand } from './startCommand';
import { registerClassCodeLens } from './classCodeLens';
import { registerContextKeys } from './contextKeys';
import { registerOpenStatsFileCommand } from './openFileCommand';
import { registerTrackerCommands } from './trackerCommands';
import { registerStatusBar } from './statusBar';
import { registerTargetLifecycle } from './targetLifecycle';
import { registerTrackerView } from './trackerView';

export function activate(context: vscode.ExtensionContext): Services {
  const log = createLog(context);
  const profiler = new ProfilerService();
  const debugSessions = new DebugSessionTracker();
  const panels = new ProfilerPanels(context.extensionUri, profiler);
  context.subscriptions.push(profiler, debugSessions, panels);
  const services: Services = { profiler, debugSessions, panels, log };

  registerStartCommand(context, services);
  registerStopCommand(context, services);
  registerOpenInBrowserCommand(context, services);
  registerShowPanelCommand(context, services);
  registerTargetLifecycle(context, services);
  registerStatusBar(context, services);
  registerTrackerCommands(context, services);
  registerOpenStatsFileCommand(context, services);
  registerContextKeys(context, services);
  registerTrackerView(context, services);
  registerClassCodeLens(context, services);
  registerPanelSerializer(context, panels);
  return services;
}

export function deactivate(): void {
  // Everything is in context.subscriptions; the profiler's dispose stops the server.
}
