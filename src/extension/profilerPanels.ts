/**
 * Webview panels showing the profiler's pages. Each panel loads the one UI bundle from the
 * extension's `dist/webview/` and reads data from the server through `vscode.env.asExternalUri`
 * (so remote windows and code-server work), with a strict CSP and a fresh crypto nonce. The page
 * shown is kept in the webview's state, so a panel comes back after a reload (serializer).
 */
import * as vscode from 'vscode';
import type { ProfilerService } from './profilerService';
import { stoppedHtml, webviewHtml } from './webviewHtml';

export const PANEL_VIEW_TYPE = 'memoryProfiler.page';

const PAGE_TITLES: Record<string, string> = {
  '/': 'Overview',
  '/process': 'Process',
  '/tracker': 'Tracker',
  '/heap': 'Heap',
  '/garbage': 'Garbage',
};

interface PanelState {
  page?: string;
}

class ProfilerPanel {
  private readonly disposables: vscode.Disposable[] = [];
  private renderedUrl: string | undefined = 'none';

  constructor(
    readonly panel: vscode.WebviewPanel,
    public page: string,
    private readonly extensionUri: vscode.Uri,
    private readonly profiler: ProfilerService,
    onDispose: () => void,
  ) {
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
    };
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icons', 'memory-profiler.svg');
    this.disposables.push(
      panel.onDidDispose(() => {
        for (const d of this.disposables) d.dispose();
        onDispose();
      }),
      panel.webview.onDidReceiveMessage((message: { type?: string; path?: string; title?: string }) => {
        if (message?.type === 'pageChanged' && typeof message.path === 'string') {
          this.page = message.path;
          if (message.title) panel.title = `Memory Profiler: ${message.title}`;
        }
      }),
      profiler.onDidChange(() => void this.render()),
    );
    void this.render();
  }

  /** Re-renders when the server moved (started, stopped, another port); otherwise leaves the page alone. */
  async render(force = false): Promise<void> {
    const state = this.profiler.state;
    const url = state?.server.url;
    if (!force && url === this.renderedUrl) return;
    this.renderedUrl = url;
    const webview = this.panel.webview;
    if (!state) {
      webview.html = stoppedHtml(webview.cspSource);
      return;
    }
    const external = await vscode.env.asExternalUri(vscode.Uri.parse(state.server.url));
    if (this.profiler.state !== state) return; // changed while we waited
    webview.html = webviewHtml({
      webview,
      extensionUri: this.extensionUri,
      apiBase: external.toString(true),
      page: this.page,
    });
  }

  show(page: string): void {
    if (page !== this.page) {
      this.page = page;
      void this.render(true);
    }
    this.panel.reveal();
  }
}

export class ProfilerPanels implements vscode.Disposable {
  private readonly panels = new Set<ProfilerPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly profiler: ProfilerService,
  ) {}

  /** Reveals the panel (creating it if needed) on `page`, e.g. `/` or `/process`. */
  show(page: string): vscode.WebviewPanel {
    const existing = [...this.panels][0];
    if (existing) {
      existing.show(page);
      return existing.panel;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, titleOf(page), vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview')],
    });
    this.adopt(panel, page);
    return panel;
  }

  /** A panel VS Code restored after a reload. */
  revive(panel: vscode.WebviewPanel, state: PanelState | undefined): void {
    this.adopt(panel, typeof state?.page === 'string' ? state.page : '/');
  }

  get count(): number {
    return this.panels.size;
  }

  private adopt(panel: vscode.WebviewPanel, page: string): void {
    const p: ProfilerPanel = new ProfilerPanel(panel, page, this.extensionUri, this.profiler, () => this.panels.delete(p));
    this.panels.add(p);
  }

  dispose(): void {
    for (const p of this.panels) p.panel.dispose();
    this.panels.clear();
  }
}

function titleOf(page: string): string {
  return `Memory Profiler: ${PAGE_TITLES[page] ?? page}`;
}

export function registerPanelSerializer(context: vscode.ExtensionContext, panels: ProfilerPanels): void {
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PanelState | undefined) {
        panels.revive(panel, state);
      },
    }),
  );
}
