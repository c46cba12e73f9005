/**
 * The one running profiler of this window: the connection to the program, the target, and the
 * HTTP server that serves its pages. Start/stop and "the program is gone" live here; commands,
 * the status bar and the panels listen to `onDidChange`.
 */
import * as vscode from 'vscode';
import type { CdpConnection } from '../cdp';
import { startServer, type RunningServer } from '../server';
import type { NodeTarget } from '../target';

export interface ProfilerState {
  readonly server: RunningServer;
  readonly target: NodeTarget;
  /** What is profiled, for messages: e.g. `app.js [1234]`. */
  readonly label: string;
  /** The debug session it came from and that session's ancestors, if any. */
  readonly debugSessionIds?: readonly string[];
  /** Why the program can no longer be reached; undefined while it can. */
  goneReason?: string;
}

export interface StartRequest {
  connection: CdpConnection;
  target: NodeTarget;
  label: string;
  debugSessionIds?: readonly string[];
  host: string;
  port: number;
}

export class ProfilerService implements vscode.Disposable {
  private current: ProfilerState | undefined;
  private stopGone: (() => void) | undefined;
  private readonly changed = new vscode.EventEmitter<ProfilerState | undefined>();
  private readonly gone = new vscode.EventEmitter<ProfilerState>();

  readonly onDidChange = this.changed.event;
  /** Fires once when the profiled program exits or its connection is lost. */
  readonly onDidLoseTarget = this.gone.event;

  get state(): ProfilerState | undefined {
    return this.current;
  }

  /**
   * Serves `request.target` on the requested port. A busy port rejects with `code === 'EADDRINUSE'`
   * and leaves the target attached, so the caller can retry on another port.
   */
  async start(request: StartRequest): Promise<ProfilerState> {
    await this.stop();
    const server = await startServer({ target: request.target, host: request.host, port: request.port });
    const state: ProfilerState = { server, target: request.target, label: request.label, debugSessionIds: request.debugSessionIds };
    this.current = state;
    this.stopGone = request.target.onGone((reason) => this.markGone(state, reason));
    this.changed.fire(state);
    return state;
  }

  /** The program is gone: the server stays up with what it collected; say so once. */
  markGone(state: ProfilerState, reason: string): void {
    if (state.goneReason !== undefined || state !== this.current) return;
    state.goneReason = reason;
    // Closing the connection makes the target report `connected: false` to the pages.
    state.target.connection.close(reason);
    this.gone.fire(state);
    this.changed.fire(state);
  }

  /** Stops the server (frees the port) and disconnects from the program. */
  async stop(): Promise<boolean> {
    const state = this.current;
    if (!state) return false;
    this.current = undefined;
    this.stopGone?.();
    this.stopGone = undefined;
    await state.server.stop();
    await state.target.dispose().catch(() => {});
    this.changed.fire(undefined);
    return true;
  }

  dispose(): void {
    void this.stop();
    this.changed.dispose();
    this.gone.dispose();
  }
}
