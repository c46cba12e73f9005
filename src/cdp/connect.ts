import { CdpConnection } from './connection';
import { InspectorTransport } from './inspectorTransport';
import { WebSocketTransport } from './webSocketTransport';

/** Where js-debug's `extension.js-debug.requestCDPProxy` says its proxy listens. */
export interface JsDebugProxyAddress {
  host: string;
  port: number;
  path?: string;
}

/** Events the profiler listens to; js-debug forwards only what a client subscribed to. */
export const PROFILER_EVENTS = ['HeapProfiler.*', 'Runtime.executionContextDestroyed', 'Debugger.paused', 'Debugger.resumed', 'Debugger.scriptParsed', 'Target.*'];

/**
 * Resolves an inspector endpoint given as a `ws://` URL, a port, or `host:port` (asking the
 * inspector's `/json/list` for its WebSocket URL).
 */
export async function resolveInspectorUrl(endpoint: string | number, timeoutMs = 5_000): Promise<string> {
  const text = String(endpoint).trim();
  if (/^wss?:\/\//.test(text)) return text;
  const match = /^(?:(\[[^\]]+\]|[^:/]+):)?(\d{1,5})$/.exec(text);
  if (!match) {
    throw new Error(`"${text}" is not an inspector address: give a ws:// URL, a port, or host:port`);
  }
  const host = match[1] ?? '127.0.0.1';
  const listUrl = `http://${host}:${match[2]}/json/list`;
  let targets: Array<{ type?: string; webSocketDebuggerUrl?: string }>;
  try {
    const response = await fetch(listUrl, { signal: AbortSignal.timeout(timeoutMs) });
    targets = (await response.json()) as typeof targets;
  } catch (e) {
    throw new Error(`no inspector answers at ${host}:${match[2]} (${(e as Error).message}); start the program with --inspect`);
  }
  const target = targets.find((t) => t.webSocketDebuggerUrl && (t.type === 'node' || t.type === undefined)) ?? targets.find((t) => t.webSocketDebuggerUrl);
  if (!target?.webSocketDebuggerUrl) throw new Error(`the inspector at ${host}:${match[2]} lists no debuggable target`);
  return target.webSocketDebuggerUrl;
}

/** Connects to a Node inspector: a `ws://` URL, a port, or `host:port`. */
export async function connectToInspector(endpoint: string | number): Promise<CdpConnection> {
  const url = await resolveInspectorUrl(endpoint);
  return new CdpConnection(await WebSocketTransport.open(url));
}

/**
 * Connects to VS Code's JavaScript debugger through its CDP proxy. The proxy forwards no
 * events until the client subscribes to them with `JsDebug.subscribe`.
 */
export async function connectToJsDebugProxy(address: JsDebugProxyAddress, events = PROFILER_EVENTS): Promise<CdpConnection> {
  const url = `ws://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}${address.path ?? ''}`;
  const connection = new CdpConnection(await WebSocketTransport.open(url));
  connection.sharedSession = true;
  await connection.sendRaw('JsDebug.subscribe', { events }, { timeoutMs: 10_000 });
  return connection;
}

/** An in-process connection: this isolate, or (from a worker thread) the main thread's. */
export function connectInProcess(mainThread = false): CdpConnection {
  return new CdpConnection(new InspectorTransport(mainThread));
}
