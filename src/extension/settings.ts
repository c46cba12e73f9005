/** The extension's settings (`memoryProfiler.*`), read fresh each time they are needed. */
import * as vscode from 'vscode';

export interface ProfilerSettings {
  host: string;
  port: number;
}

export function readSettings(): ProfilerSettings {
  const config = vscode.workspace.getConfiguration('memoryProfiler');
  const port = Number(config.get('port', 8090));
  return {
    host: config.get<string>('host', 'localhost') || 'localhost',
    port: Number.isInteger(port) && port >= 0 && port < 65536 ? port : 8090,
  };
}
