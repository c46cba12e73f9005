/**
 * The one running profiler of this window: the connection to the program (or the saved files),
 * the target, the class tracker and the HTTP server that serves its pages. Start/stop and "the
 * program is gone" live here; commands, the status bar, the tracker view and the panels listen to
 * `onDidChange` (server started/stopped/gone) and `onDidChangeTracker` (snapshots, classes).
 */
import * as vscode from 'vscode';
import type { HeapProgress } from '../model';
import { startServer, type RunningServer } from '../server';
import { generateToken } from '../server/token';
import type { HeapStore } from '../server/heapStore';
import type { ProfiledTarget } from '../targets';
import { ClassTracker } from '../tracker';
import type { ProfilerSettings } from './settings';

export interface ProfilerState {
  readonly server: RunningServer;
  readonly target: ProfiledTarget;
  /** The live program, when there is one (not for saved files). */
  readonly live?: ProfiledTarget;
  /** The profiled program's pid (undefined for saved files). */
  readonly pid?: number;
  readonly tracker: ClassTracker;
  /** What is profiled, for messages: e.g. `app.js [1234]`. */
  readonly label: string;
  /** The debug session it came from and that session's ancestors, if any. */
  readonly debugSessionIds?: readonly string[];
  /** Why the program can no longer be reached; undefined while it can. */
  goneReason?: string;
}

export interface StartRequest {
  /** A live program (`live`, the same target) or saved files (`target` alone, with `tracker` and/or `heap`). */
  target: ProfiledTarget;
  live?: ProfiledTarget;
  /** The live program's pid. */
  pid?: number;
  label: string;
  debugSessionIds?: readonly string[];
  host: string;
  port: number;
  /** An offline tracker (from a stats dump); a live one is made here from the settings. */
  tracker?: ClassTracker;
  heap?: HeapStore;
  settings?: Pick<ProfilerSettings, 'memoryGuard' | 'memoryGuardFactor'>;
}

export class ProfilerService implements vscode.Disposable {
  private current: ProfilerState | undefined;
  private offState: Array<() => void> = [];
  private readonly changed = new vscode.EventEmitter<ProfilerState | undefined>();
  private readonly gone = new vscode.EventEmitter<ProfilerState>();
  private readonly trackerChanged = new vscode.EventEmitter<void>();
  private readonly progress = new vscode.EventEmitter<HeapProgress & { description: string }>();

  readonly onDidChange = this.changed.event;
  /** Fires once when the profiled program exits or its connection is lost. */
  readonly onDidLoseTarget = this.gone.event;
  /** Fires when the tracker took a snapshot or its tracked classes changed. */
  readonly onDidChangeTracker = this.trackerChanged.event;
  /** The tracker's snapshot progress (capture, then the worker's phases). */
  readonly onSnapshotProgress = this.progress.event;

  get state(): ProfilerState | undefined {
    return this.current;
  }

  /** Tells listeners the tracker changed (classes tracked or untracked through the extension). */
  notifyTrackerChanged(): void {
    this.trackerChanged.fire();
  }

  /**
   * Serves `request.target` on the requested port. A busy port rejects with `code === 'EADDRINUSE'`
   * and leaves the target attached, so the caller can retry on another port.
   */
  async start(request: StartRequest): Promise<ProfilerState> {
    await this.stop();
    const guard = request.settings && !request.settings.memoryGuard ? { factor: 0 } : { factor: request.settings?.memoryGuardFactor };
    const tracker = request.tracker ?? (request.live ? new ClassTracker(request.live, { guard }) : new ClassTracker());
    let server: RunningServer;
    try {
      server = await startServer({ target: request.target, tracker, heap: request.heap, host: request.host, port: request.port, webviewToken: generateToken() });
    } catch (e) {
      if (!request.tracker) await tracker.dispose().catch(() => {});
      throw e;
    }
    const state: ProfilerState = {
      server,
      target: request.target,
      live: request.live,
      pid: request.live ? request.pid : undefined,
      tracker: server.tracker,
      label: request.label,
      debugSessionIds: request.debugSessionIds,
    };
    this.current = state;
    this.offState = [
      request.target.onGone((reason) => this.markGone(state, reason)),
      server.tracker.onSnapshotAdded(() => this.trackerChanged.fire()),
      server.tracker.onTrackedChanged(() => this.trackerChanged.fire()),
      server.tracker.onProgress((p) => this.progress.fire(p)),
      // The server disposes only trackers it made; this one is ours.
      () => void tracker.dispose().catch(() => {}),
    ];
    this.changed.fire(state);
    this.trackerChanged.fire();
    return state;
  }

  /** The program is gone: the server stays up with what it collected; say so once. */
  markGone(state: ProfilerState, reason: string): void {
    if (state.goneReason !== undefined || state !== this.current) return;
    state.goneReason = reason;
    state.tracker.stopPeriodicSnapshots();
    // Letting go of the program makes the target report `connected: false` to the pages.
    void state.live?.dispose().catch(() => {});
    this.gone.fire(state);
    this.changed.fire(state);
  }

  /** Stops the server (frees the port) and disconnects from the program. */
  async stop(): Promise<boolean> {
    const state = this.current;
    if (!state) return false;
    this.current = undefined;
    const off = this.offState;
    this.offState = [];
    await state.server.stop();
    for (const f of off) f();
    await state.target.dispose().catch(() => {});
    this.changed.fire(undefined);
    this.trackerChanged.fire();
    return true;
  }

  dispose(): void {
    void this.stop();
    this.changed.dispose();
    this.gone.dispose();
    this.trackerChanged.dispose();
    this.progress.dispose();
  }
}
