/**
 * Node debug sessions of VS Code's JavaScript debugger (js-debug), and the CDP proxy it offers
 * for them. A `node` launch makes two `pwa-node` sessions: a parent, and a child (`app.js [pid]`)
 * that owns the actual program. `extension.js-debug.requestCDPProxy` answers only for the child;
 * on the parent it never resolves, so every call has a timeout.
 */
import * as vscode from 'vscode';
import type { JsDebugProxyAddress } from '../targets/node';
import { withTimeout } from './async';
import { isPythonSession } from './pythonSessions';

const NODE_SESSION_TYPES = new Set(['pwa-node', 'node', 'node-terminal', 'pwa-extensionHost']);
const PROXY_TIMEOUT_MS = 10_000;

export function isNodeSession(session: vscode.DebugSession): boolean {
  return NODE_SESSION_TYPES.has(session.type);
}

/** Every debug session started since activation (VS Code offers no list of running ones). */
export class DebugSessionTracker implements vscode.Disposable {
  private readonly sessions: vscode.DebugSession[] = [];
  private readonly ended = new vscode.EventEmitter<vscode.DebugSession>();
  private readonly disposables: vscode.Disposable[] = [];

  /** Fires when a debug session terminates. */
  readonly onDidEndSession = this.ended.event;

  constructor() {
    if (vscode.debug.activeDebugSession) this.sessions.push(vscode.debug.activeDebugSession);
    this.disposables.push(
      this.ended,
      vscode.debug.onDidStartDebugSession((s) => this.sessions.push(s)),
      vscode.debug.onDidTerminateDebugSession((s) => {
        const i = this.sessions.findIndex((x) => x.id === s.id);
        if (i >= 0) this.sessions.splice(i, 1);
        this.ended.fire(s);
      }),
    );
  }

  /**
   * The sessions that own a program: Node sessions that are children of another session with
   * no children of their own, and Python (debugpy) sessions without children; the active one's
   * family first, most recent first otherwise.
   */
  programSessions(): vscode.DebugSession[] {
    const parents = new Set(this.sessions.map((s) => s.parentSession?.id).filter((id): id is string => !!id));
    const owns = (s: vscode.DebugSession) => !parents.has(s.id) && ((isNodeSession(s) && !!s.parentSession) || isPythonSession(s));
    const leaves = this.sessions.filter(owns).reverse();
    const active = vscode.debug.activeDebugSession;
    if (!active) return leaves;
    const inActiveFamily = (s: vscode.DebugSession) => {
      for (let p: vscode.DebugSession | undefined = s; p; p = p.parentSession) if (p.id === active.id) return true;
      return false;
    };
    return [...leaves.filter(inActiveFamily), ...leaves.filter((s) => !inActiveFamily(s))];
  }

  find(id: string): vscode.DebugSession | undefined {
    return this.sessions.find((s) => s.id === id);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** Asks js-debug for a CDP proxy to `session`'s program. */
export async function requestCdpProxy(session: vscode.DebugSession): Promise<JsDebugProxyAddress> {
  const address = await withTimeout(
    vscode.commands.executeCommand<JsDebugProxyAddress | undefined>('extension.js-debug.requestCDPProxy', session.id),
    PROXY_TIMEOUT_MS,
    `the JavaScript debugger did not hand out a connection to "${session.name}" within ${PROXY_TIMEOUT_MS / 1000} s`,
  );
  if (!address?.port) throw new Error(`the JavaScript debugger has no connection to offer for "${session.name}"`);
  return address;
}
