/** The commands other than Start: Stop, Open in Browser, Show Panel. */
import * as vscode from 'vscode';
import type { Services } from './services';

export function registerStopCommand(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('memoryProfiler.stop', async (): Promise<boolean> => {
      const stopped = await services.profiler.stop();
      if (stopped) services.log.info('stopped; the port is free');
      else void vscode.window.showInformationMessage('The Memory Profiler is not running.');
      return stopped;
    }),
  );
}

export function registerOpenInBrowserCommand(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('memoryProfiler.openInBrowser', async (): Promise<string | undefined> => {
      const state = services.profiler.state;
      if (!state) {
        void vscode.window.showInformationMessage('The Memory Profiler is not running. Start it first.');
        return undefined;
      }
      const external = await vscode.env.asExternalUri(vscode.Uri.parse(state.server.url));
      await vscode.env.openExternal(external);
      return external.toString(true);
    }),
  );
}

export function registerShowPanelCommand(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('memoryProfiler.showPanel', async (page?: string) => {
      if (!services.profiler.state) {
        return vscode.commands.executeCommand('memoryProfiler.start');
      }
      services.panels.show(typeof page === 'string' ? page : '/');
      return { url: services.profiler.state.server.url, port: services.profiler.state.server.port };
    }),
  );
}
