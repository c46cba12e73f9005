/**
 * "Start Memory Profiler": attach to the program of the active Node debug session (through
 * js-debug's CDP proxy), or to an inspector port/URL the user types, serve its pages on the
 * configured port and open the overview in a panel.
 */
import * as vscode from 'vscode';
import { connectToInspector, connectToJsDebugProxy, type CdpConnection } from '../cdp';
import { NodeTarget } from '../target';
import { requestCdpProxy } from './debugSessions';
import type { Log } from './log';
import type { ProfilerState } from './profilerService';
import type { Services } from './services';
import { readSettings } from './settings';

/** Arguments for scripts and tests; a user running the command passes none. */
export interface StartOptions {
  /** Profile the program of this debug session. */
  debugSessionId?: string;
  /** Profile the program behind this inspector (ws:// URL, port or host:port); skips the pick. */
  inspector?: string;
  /** Overrides the `memoryProfiler.port` setting (0 = any free port). */
  port?: number;
  /** What to do when the port is taken: ask (default), use a free port, or fail. */
  onPortInUse?: 'ask' | 'free' | 'fail';
  /** Open the overview panel (default true). */
  openPanel?: boolean;
}

/** What the command returns: where the pages are served. */
export interface StartResult {
  url: string;
  port: number;
  pid: number;
}

type Source = { kind: 'debug'; session: vscode.DebugSession } | { kind: 'inspector'; endpoint: string };

export function registerStartCommand(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('memoryProfiler.start', async (options?: StartOptions): Promise<StartResult | undefined> => {
      try {
        return await startProfiler(services, options ?? {});
      } catch (e) {
        const message = (e as Error).message ?? String(e);
        void vscode.window.showErrorMessage(`Memory Profiler could not start: ${message}`);
        services.log.error(`start failed: ${(e as Error).stack ?? message}`);
        if (options && Object.keys(options).length) throw e; // scripted callers want the error
        return undefined;
      }
    }),
  );
}

async function startProfiler(services: Services, options: StartOptions): Promise<StartResult | undefined> {
  const running = services.profiler.state;
  if (running && running.goneReason === undefined && !options.debugSessionId && !options.inspector) {
    if (options.openPanel !== false) services.panels.show('/');
    return result(running);
  }
  const source = await chooseSource(services, options);
  if (!source) return undefined;
  services.log.info(source.kind === 'debug' ? `attaching to debug session "${source.session.name}" (${source.session.id})` : `attaching to inspector ${source.endpoint}`);

  const attached = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Memory Profiler: connecting…' },
    () => attach(source, services.log),
  );
  const settings = readSettings();
  const request = { ...attached, host: settings.host, port: options.port ?? settings.port };
  let state: ProfilerState | undefined;
  try {
    state = await startOnFreeablePort(services, request, options.onPortInUse ?? 'ask');
  } finally {
    if (!state) await attached.target.dispose().catch(() => {});
  }
  if (!state) return undefined;
  services.log.info(`serving ${state.label} at ${state.server.url}`);
  if (options.openPanel !== false) services.panels.show('/');
  return result(state);
}

function result(state: ProfilerState): StartResult {
  return { url: state.server.url, port: state.server.port, pid: state.target.pid };
}

async function startOnFreeablePort(
  services: Services,
  request: Parameters<Services['profiler']['start']>[0],
  onPortInUse: 'ask' | 'free' | 'fail',
): Promise<ProfilerState | undefined> {
  try {
    return await services.profiler.start(request);
  } catch (e) {
    services.log.warn(`could not serve on port ${request.port}: ${(e as Error).message}`);
    if ((e as { code?: string }).code !== 'EADDRINUSE' || onPortInUse === 'fail') throw e;
    if (onPortInUse === 'ask') {
      const useFree = 'Use a Free Port';
      const openSettings = 'Change the Port Setting';
      const choice = await vscode.window.showErrorMessage(
        `Memory Profiler: port ${request.port} is already in use (another profiler or program listens there).`,
        useFree,
        openSettings,
      );
      if (choice === openSettings) void vscode.commands.executeCommand('workbench.action.openSettings', 'memoryProfiler.port');
      if (choice !== useFree) return undefined;
    }
    return await services.profiler.start({ ...request, port: 0 });
  }
}

async function chooseSource(services: Services, options: StartOptions): Promise<Source | undefined> {
  if (options.inspector) return { kind: 'inspector', endpoint: options.inspector };
  if (options.debugSessionId) {
    const session = services.debugSessions.find(options.debugSessionId);
    if (!session) throw new Error(`no debug session with id ${options.debugSessionId}`);
    return { kind: 'debug', session };
  }
  const sessions = services.debugSessions.programSessions();
  services.log.info(`program sessions: ${sessions.map((s) => `"${s.name}" (${s.id})`).join(', ') || 'none'}`);
  if (sessions.length === 1) return { kind: 'debug', session: sessions[0] };

  type Item = vscode.QuickPickItem & { source?: Source; action?: 'inspector' };
  const items: Item[] = sessions.map((session) => ({
    label: `$(debug) ${session.name}`,
    description: session.parentSession ? session.parentSession.name : undefined,
    detail: 'A program being debugged',
    source: { kind: 'debug', session },
  }));
  items.push({
    label: '$(plug) Attach to an inspector port or URL…',
    detail: 'A Node.js program started with --inspect (e.g. 9229, localhost:9229 or a ws:// URL)',
    action: 'inspector',
  });
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Start Memory Profiler',
    placeHolder: sessions.length ? 'Which program should be profiled?' : 'No Node.js program is being debugged. Attach to one:',
  });
  if (!picked) return undefined;
  if (picked.source) return picked.source;
  const endpoint = await vscode.window.showInputBox({
    title: 'Attach to a Node.js inspector',
    prompt: 'Inspector port, host:port, or ws:// URL of a program started with --inspect',
    value: '9229',
    validateInput: (v) => (/^(wss?:\/\/\S+|(\[[^\]]+\]|[^:\s/]+:)?\d{1,5})$/.test(v.trim()) ? undefined : 'Give a port (9229), host:port, or a ws:// URL'),
  });
  return endpoint ? { kind: 'inspector', endpoint: endpoint.trim() } : undefined;
}

async function attach(source: Source, log: Log): Promise<{ connection: CdpConnection; target: NodeTarget; label: string; debugSessionIds?: string[] }> {
  let connection: CdpConnection;
  if (source.kind === 'debug') {
    const address = await requestCdpProxy(source.session);
    log.info(`js-debug's CDP proxy for "${source.session.name}": ${address.host}:${address.port}${address.path ?? ''}`);
    connection = await connectToJsDebugProxy(address);
  } else {
    connection = await connectToInspector(source.endpoint);
  }
  try {
    const target = await NodeTarget.attach(connection);
    log.info(`attached to pid ${target.pid}`);
    const label = source.kind === 'debug' ? source.session.name : `${(await target.info()).title} [${target.pid}]`;
    return { connection, target, label, debugSessionIds: source.kind === 'debug' ? family(source.session) : undefined };
  } catch (e) {
    connection.close();
    throw e;
  }
}

/** A session's id and its ancestors' ids: the program is gone when any of them ends. */
function family(session: vscode.DebugSession): string[] {
  const ids: string[] = [];
  for (let s: vscode.DebugSession | undefined = session; s; s = s.parentSession) ids.push(s.id);
  return ids;
}
