/**
 * When the profiled program goes away (its debug session ends, it exits, the connection drops):
 * mark it gone, keep the server up with what it collected, and tell the user once.
 */
import * as vscode from 'vscode';
import type { Services } from './services';

export function registerTargetLifecycle(context: vscode.ExtensionContext, services: Services): void {
  const { profiler, debugSessions } = services;
  context.subscriptions.push(
    debugSessions.onDidEndSession((session) => {
      const state = profiler.state;
      if (state?.debugSessionIds?.includes(session.id)) profiler.markGone(state, `its debug session "${session.name}" ended`);
    }),
    profiler.onDidLoseTarget((state) => {
      services.log.warn(`${state.label} is gone: ${state.goneReason}`);
      void vscode.window
        .showWarningMessage(
          `Memory Profiler: the program ${state.label} is gone (${state.goneReason}). Its pages at ${state.server.url} keep what was collected.`,
          'Stop Memory Profiler',
        )
        .then((choice) => {
          if (choice) void vscode.commands.executeCommand('memoryProfiler.stop');
        });
    }),
  );
}
