/**
 * "Start Memory Profiler": attach to the program of the active Node debug session (through
 * js-debug's CDP proxy); with none, offer to attach to an inspector port/URL, launch the active
 * file under the debugger, or open a saved stats or `.heapsnapshot` file. Serves the pages on the
 * configured port, tracks the configured classes and opens the configured panels.
 */
import * as vscode from 'vscode';
import { connectToInspector, connectToJsDebugProxy, type CdpConnection } from '../targets/node';
import { NodeTarget, type ProfiledTarget } from '../targets';
import { isNodeSession, requestCdpProxy } from './debugSessions';
import { attachPythonSession, isPythonSession } from './pythonSessions';
import { openSavedFiles, pickSavedFiles } from './openFileCommand';
import type { Log } from './log';
import type { ProfilerState } from './profilerService';
import type { Services } from './services';
import { readSettings } from './settings';
import { withTimeout } from './async';

/** Arguments for scripts and tests; a user running the command passes none. */
export interface StartOptions {
  /** Profile the program of this debug session. */
  debugSessionId?: string;
  /** Profile the program behind this inspector (ws:// URL, port or host:port); skips the pick. */
  inspector?: string;
  /** Launch this JavaScript file under the debugger and profile it (as the quick pick's "Launch"). */
  launch?: string;
  /** Overrides the `memoryProfiler.port` setting (0 = any free port). */
  port?: number;
  /** What to do when the port is taken: ask (default), use a free port, or fail. */
  onPortInUse?: 'ask' | 'free' | 'fail';
  /** Open the panels of `memoryProfiler.openPanelsOnStart` (default true). */
  openPanel?: boolean;
}

/** What the command returns: where the pages are served. */
export interface StartResult {
  url: string;
  port: number;
  /** Undefined when saved files are shown. */
  pid?: number;
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
  if (running && running.goneReason === undefined && !options.debugSessionId && !options.inspector && !options.launch) {
    if (options.openPanel !== false) services.panels.show('/');
    return result(running);
  }
  const chosen = await chooseSource(services, options);
  if (!chosen) return undefined;
  if (chosen.kind === 'files') {
    const state = await openSavedFiles(services, chosen.files, { port: options.port, onPortInUse: options.onPortInUse, openPanel: options.openPanel });
    return state && result(state);
  }
  const source = chosen.kind === 'launch' ? await launchUnderDebugger(services, chosen.file) : chosen;
  services.log.info(source.kind === 'debug' ? `attaching to debug session "${source.session.name}" (${source.session.id})` : `attaching to inspector ${source.endpoint}`);

  const attached = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Memory Profiler: connecting…' }, () => attach(source, services.log));
  const settings = readSettings();
  const request = { ...attached, live: attached.target, host: settings.host, port: options.port ?? settings.port, settings };
  let state: ProfilerState | undefined;
  try {
    state = await startOnFreeablePort(services, request, options.onPortInUse ?? 'ask');
  } finally {
    if (!state) await attached.target.dispose().catch(() => {});
  }
  if (!state) return undefined;
  services.log.info(`serving ${state.label} at ${state.server.url}`);
  for (const name of settings.trackClasses) {
    await state.tracker.trackClass(name).catch((e) => services.log.warn(`could not track ${name}: ${(e as Error).message}`));
  }
  if (options.openPanel !== false) openStartPanels(services, settings.openPanelsOnStart);
  return result(state);
}

/** Opens each page of `memoryProfiler.openPanelsOnStart`, the first in the existing panel. */
export function openStartPanels(services: Services, pages: readonly string[]): void {
  pages.forEach((page, i) => services.panels.show(page, i > 0));
}

function result(state: ProfilerState): StartResult {
  return { url: state.server.url, port: state.server.port, pid: state.pid };
}

/**
 * Runs `file` under VS Code's JavaScript debugger (a `node` launch configuration) and resolves
 * with the child session that owns the program, so the profiler attaches to it as usual.
 */
async function launchUnderDebugger(services: Services, file: vscode.Uri): Promise<Source> {
  const folder = vscode.workspace.getWorkspaceFolder(file);
  const name = `Memory Profiler: ${file.path.split('/').pop()}`;
  let sub: vscode.Disposable | undefined;
  const child = new Promise<vscode.DebugSession>((resolve) => {
    sub = vscode.debug.onDidStartDebugSession((s) => {
      let root: vscode.DebugSession = s;
      while (root.parentSession) root = root.parentSession;
      if (s.parentSession && isNodeSession(s) && root.name === name) resolve(s);
    });
  });
  try {
    const started = await vscode.debug.startDebugging(folder, { type: 'node', request: 'launch', name, program: file.fsPath, cwd: folder?.uri.fsPath });
    if (!started) throw new Error(`the debugger did not start ${file.fsPath}`);
    services.log.info(`launched ${file.fsPath} under the debugger`);
    const session = await withTimeout(child, 30_000, `no program session appeared for ${file.fsPath} within 30 s`);
    return { kind: 'debug', session };
  } finally {
    sub?.dispose();
  }
}

export async function startOnFreeablePort(
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

type Choice = Source | { kind: 'launch'; file: vscode.Uri } | { kind: 'files'; files: vscode.Uri[] };

async function chooseSource(services: Services, options: StartOptions): Promise<Choice | undefined> {
  if (options.inspector) return { kind: 'inspector', endpoint: options.inspector };
  if (options.launch) return { kind: 'launch', file: vscode.Uri.file(options.launch) };
  if (options.debugSessionId) {
    const session = services.debugSessions.find(options.debugSessionId);
    if (!session) throw new Error(`no debug session with id ${options.debugSessionId}`);
    return { kind: 'debug', session };
  }
  const sessions = services.debugSessions.programSessions();
  services.log.info(`program sessions: ${sessions.map((s) => `"${s.name}" (${s.id})`).join(', ') || 'none'}`);
  if (sessions.length === 1) return { kind: 'debug', session: sessions[0] };

  type Item = vscode.QuickPickItem & { source?: Source; action?: 'inspector' | 'launch' | 'files' };
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
  const active = vscode.window.activeTextEditor?.document;
  const runnable = active && !active.isUntitled && /\.(c|m)?js$/i.test(active.uri.path) && active.uri.scheme === 'file';
  if (runnable) {
    items.push({
      label: `$(run) Launch ${active.uri.path.split('/').pop()} under the profiler`,
      detail: 'Runs the active file with Node.js under the JavaScript debugger, then profiles it',
      action: 'launch',
    });
  }
  items.push({
    label: '$(folder-opened) Open a saved stats or .heapsnapshot file…',
    detail: 'View a dump saved with Save Stats… or heap snapshots, without a running program',
    action: 'files',
  });
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Start Memory Profiler',
    placeHolder: sessions.length ? 'Which program should be profiled?' : 'No Node.js program is being debugged. Attach to one:',
  });
  if (!picked) return undefined;
  if (picked.source) return picked.source;
  if (picked.action === 'launch' && active) return { kind: 'launch', file: active.uri };
  if (picked.action === 'files') {
    const files = await pickSavedFiles();
    return files ? { kind: 'files', files } : undefined;
  }
  const endpoint = await vscode.window.showInputBox({
    title: 'Attach to a Node.js inspector',
    prompt: 'Inspector port, host:port, or ws:// URL of a program started with --inspect',
    value: '9229',
    validateInput: (v) => (/^(wss?:\/\/\S+|(\[[^\]]+\]|[^:\s/]+:)?\d{1,5})$/.test(v.trim()) ? undefined : 'Give a port (9229), host:port, or a ws:// URL'),
  });
  return endpoint ? { kind: 'inspector', endpoint: endpoint.trim() } : undefined;
}

async function attach(source: Source, log: Log): Promise<{ target: ProfiledTarget; pid: number; label: string; debugSessionIds?: string[] }> {
  if (source.kind === 'debug' && isPythonSession(source.session)) {
    const target = await attachPythonSession(source.session);
    log.info(`the agent runs in pid ${target.pid} of "${source.session.name}"`);
    return { target, pid: target.pid, label: source.session.name, debugSessionIds: family(source.session) };
  }
  let connection: CdpConnection;
  if (source.kind === 'debug') {
    const address = await requestCdpProxy(source.session);
    log.info(`js-debug's CDP proxy for "${source.session.name}": ${address.host}:${address.port}${address.path ?? ''}`);
    connection = await connectToJsDebugProxy(address);
  } else {
    connection = await connectToInspector(source.endpoint);
  }
  try {
    const target = await NodeTarget.attach(connection, { local: source.kind === 'debug' && launchedHere(source.session) });
    log.info(`attached to pid ${target.pid}`);
    const label = source.kind === 'debug' ? source.session.name : `${(await target.info()).title} [${target.pid}]`;
    return { target, pid: target.pid, label, debugSessionIds: source.kind === 'debug' ? family(source.session) : undefined };
  } catch (e) {
    connection.close();
    throw e;
  }
}

/**
 * The debugger launched the program (the session or one of its parents is a `launch`): it runs on
 * the machine of this extension host, and V8 can write its heap snapshots into a FIFO we read.
 */
function launchedHere(session: vscode.DebugSession): boolean {
  for (let s: vscode.DebugSession | undefined = session; s; s = s.parentSession) if (s.configuration.request === 'launch') return true;
  return false;
}

/** A session's id and its ancestors' ids: the program is gone when any of them ends. */
function family(session: vscode.DebugSession): string[] {
  const ids: string[] = [];
  for (let s: vscode.DebugSession | undefined = session; s; s = s.parentSession) ids.push(s.id);
  return ids;
}
