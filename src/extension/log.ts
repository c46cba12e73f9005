/**
 * The extension's log: the "Memory Profiler" output channel; in the extension's own tests also
 * the extension host's console (which the test runner collects).
 */
import * as vscode from 'vscode';

export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function createLog(context: vscode.ExtensionContext): Log {
  const channel = vscode.window.createOutputChannel('Memory Profiler', { log: true });
  context.subscriptions.push(channel);
  const mirror = context.extensionMode === vscode.ExtensionMode.Test;
  const write = (level: 'info' | 'warn' | 'error', message: string) => {
    channel[level](message);
    if (mirror) console.log(`[memory-profiler ${level}] ${message}`);
  };
  return {
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}
