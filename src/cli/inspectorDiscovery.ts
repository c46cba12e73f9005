/**
 * Finding the inspector a Node process has open, without signalling it: the ports its flags
 * name, and the ports it listens on, each asked `GET /json/version` (only Node's inspector
 * answers that with `Browser: node.js/…`).
 */
import { resolveInspectorUrl } from '../targets/node';
import { type InspectorFlags, type ProcessFacts, inspectorFlags, listeningSockets, readEnvironment, splitNodeOptions } from './procfs';

/** The WebSocket URL of the Node inspector at host:port, or null when no Node inspector answers there. */
export async function nodeInspectorAt(host: string, port: number, timeoutMs = 1_000): Promise<string | null> {
  try {
    const response = await fetch(`http://${host}:${port}/json/version`, { signal: AbortSignal.timeout(timeoutMs) });
    const version = (await response.json()) as { Browser?: unknown };
    if (typeof version.Browser !== 'string' || !version.Browser.startsWith('node.js')) return null;
    return await resolveInspectorUrl(`${host}:${port}`, timeoutMs);
  } catch {
    return null;
  }
}

/** The inspector flags a Node process was started with: its own argv first, then NODE_OPTIONS in its environment. */
export function inspectorFlagsOf(p: ProcessFacts): InspectorFlags | null {
  const fromArgv = inspectorFlags(p.argv.slice(1));
  const nodeOptions = readEnvironment(p.pid)?.NODE_OPTIONS;
  const fromEnv = nodeOptions ? inspectorFlags(splitNodeOptions(nodeOptions)) : null;
  // Node reads NODE_OPTIONS before its argv: the command line wins.
  if (fromArgv && fromEnv) return { opened: fromArgv.opened || fromEnv.opened, host: fromArgv.host, port: fromArgv.port };
  return fromArgv ?? fromEnv;
}

/**
 * The inspector the process already has open, or null. Its listening sockets are the proof that
 * the port is its own; the ports its flags name come first, and are asked even when its sockets
 * cannot be read (another user's process).
 */
export async function openInspectorOf(p: ProcessFacts): Promise<string | null> {
  const flags = inspectorFlagsOf(p);
  const sockets = listeningSockets(p.pid);
  const candidates: Array<{ host: string; port: number }> = [];
  if (flags && flags.port !== 0 && (!sockets.length || sockets.some((s) => s.port === flags.port))) {
    const own = sockets.find((s) => s.port === flags.port);
    candidates.push({ host: own?.host ?? hostOf(flags.host), port: flags.port });
  }
  for (const s of sockets) if (!candidates.some((c) => c.port === s.port)) candidates.push(s);
  for (const c of candidates) {
    const url = await nodeInspectorAt(c.host, c.port);
    if (url) return url;
  }
  return null;
}

/** A flag's host as one to connect to. */
function hostOf(host: string): string {
  if (host === '0.0.0.0' || host === 'localhost') return '127.0.0.1';
  if (host === '[::]') return '[::1]';
  return host;
}
