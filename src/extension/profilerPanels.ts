/**
 * Webview panels showing the profiler's pages. Each panel loads the one UI bundle from the
 * extension's `dist/webview/` and reads data from the server through `vscode.env.asExternalUri`
 * (so remote windows and code-server work), with a strict CSP and a fresh crypto nonce. The page
 * shown is kept in the webview's state, so a panel comes back after a reload (serializer).
 */
import * as vscode from 'vscode';
import type { ProfilerService } from './profilerService';
import { urlWithToken } from '../server/token';
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

/** What the UI posts: the page it shows now, or a source location to open (1-based). */
interface PanelMessage {
  type?: string;
  path?: string;
  title?: string;
  url?: string;
  line?: number;
  column?: number;
}

/**
 * Opens a stack frame's script at its line: `file://` URLs and absolute paths open in the editor;
 * Node's internals (`node:…`) and eval'd code have no file to open.
 */
async function openSource(url: string, line: number, column: number): Promise<void> {
  let uri: vscode.Uri;
  if (/^file:/i.test(url)) uri = vscode.Uri.parse(url);
  else if (url.startsWith('/') || /^[A-Za-z]:[\\/]/.test(url)) uri = vscode.Uri.file(url);
  else {
    void vscode.window.showInformationMessage(`Memory Profiler: ${url || 'this frame'} is not a file in this workspace.`);
    return;
  }
  try {
    const position = new vscode.Position(Math.max(0, line - 1), Math.max(0, column - 1));
    await vscode.window.showTextDocument(uri, { selection: new vscode.Range(position, position), viewColumn: vscode.ViewColumn.One, preview: true });
  } catch (e) {
    void vscode.window.showWarningMessage(`Memory Profiler: cannot open ${uri.fsPath}: ${(e as Error).message}`);
  }
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
      panel.webview.onDidReceiveMessage((message: PanelMessage) => {
        if (message?.type === 'pageChanged' && typeof message.path === 'string') {
          this.page = message.path;
          if (message.title) panel.title = `Memory Profiler: ${message.title}`;
        } else if (message?.type === 'openSource' && typeof message.url === 'string') {
          void openSource(message.url, Number(message.line) || 1, Number(message.column) || 1);
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
    // Webviews carry the server's token (its access token, else the one made for them): the
    // server refuses a vscode-webview:// origin without it, as any extension's webview has one.
    const { server } = state;
    const serverUrl = server.token ? server.url : urlWithToken(server.url, server.webviewToken);
    const external = await vscode.env.asExternalUri(vscode.Uri.parse(serverUrl));
    if (this.profiler.state !== state) return; // changed while we waited
    webview.html = webviewHtml({
      webview,
      extensionUri: this.extensionUri,
      apiBase: external.toString(true),
      page: this.page,
    });
  }
}

export class ProfilerPanels implements vscode.Disposable {
  private readonly panels = new Set<ProfilerPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly profiler: ProfilerService,
  ) {}

  /**
   * Reveals the panel showing `page` (e.g. `/`, `/process` or `/heap?from=0&to=1`), else opens a
   * new panel on it: one panel per page, so Process, Tracker and Garbage can sit side by side.
   * (A panel's page is kept in its webview state, which wins over new HTML: an open panel is
   * moved to another page by the user's own navigation only.) `background` keeps the focus where it is.
   */
  show(page: string, background = false): vscode.WebviewPanel {
    const existing = [...this.panels].find((p) => p.page === page);
    if (existing) {
      existing.panel.reveal(undefined, background);
      return existing.panel;
    }
    const panel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      titleOf(page),
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: background },
      {
        enableScripts: true,
        localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview')],
      },
    );
    this.adopt(panel, page);
    return panel;
  }

  /** A panel VS Code restored after a reload. */
  revive(panel: vscode.WebviewPanel, state: PanelState | undefined): void {
    this.adopt(panel, typeof state?.page === 'string' ? state.page : '/');
  }

  /** The pages the open panels show (for tests). */
  get pages(): string[] {
    return [...this.panels].map((p) => p.page);
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
  const path = page.replace(/[?#].*$/, '');
  const title = PAGE_TITLES[path] ?? (path.startsWith('/tracker/class/') ? decodeURIComponent(path.slice('/tracker/class/'.length)) : path);
  return `Memory Profiler: ${title}`;
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
