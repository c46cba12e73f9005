/**
 * Where the UI runs: an external browser (the page is the URL path, navigation uses history) or a
 * VS Code webview (the page comes from a meta tag or the panel's saved state; navigation stays
 * inside the document). Reads the settings `pageShell` wrote into meta tags.
 */

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare const acquireVsCodeApi: undefined | (() => VsCodeApi);

export interface HostState {
  /** The page path to show, e.g. `/process`. */
  page?: string;
}

export interface Host {
  /** `webview` inside VS Code, `browser` otherwise. */
  readonly kind: 'browser' | 'webview';
  /** Base URL of the server's API ('' = this page's origin). */
  readonly apiBase: string;
  /** The server's token, sent with every request (webviews of a server bound off loopback). */
  readonly token?: string;
  /** The page to show first. */
  readonly initialPage: string;
  /** Remembers the current page (webview state, so a reloaded panel comes back to it). */
  pageChanged(path: string, title: string): void;
  /** The URL path of a page: page paths are relative to where the server's pages are mounted. */
  href(page: string): string;
  /** The page a URL path shows (the inverse of `href`). */
  pageOf(pathname: string): string;
  /**
   * Opens a source location in the editor (VS Code only: posts `{type: 'openSource', url, line,
   * column}` to the extension, lines and columns 1-based); absent in a browser.
   */
  openSource?(url: string, line: number, column: number): void;
}

function meta(name: string): string | undefined {
  const element = document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`);
  return element ? element.content : undefined;
}

/**
 * A server bound off loopback wants a token, and its URL carries it (`…/?token=…`). Pages the
 * server serves get it as a cookie; a VS Code webview, on another origin, sends it with every
 * request instead: split it off the API base.
 */
export function splitToken(base: string): { base: string; token?: string } {
  const match = /^([^?#]*)\?(?:[^#]*&)?token=([^&#]*)/.exec(base);
  if (!match) return { base: base.replace(/[?#].*$/, '') };
  return { base: match[1], token: decodeURIComponent(match[2]) };
}

export function detectHost(): Host {
  const { base, token } = splitToken(meta('memory-profiler-api') ?? '');
  const apiBase = base.replace(/\/+$/, '');
  const metaPage = meta('memory-profiler-page') || '/';
  const vscode = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : undefined;
  if (vscode || !/^https?:$/.test(location.protocol)) {
    const saved = (vscode?.getState() ?? {}) as HostState;
    return {
      kind: 'webview',
      apiBase,
      token,
      // The extension writes the page into the HTML (after a reload, from the saved state), so
      // new HTML can move an open panel to another page.
      initialPage: meta('memory-profiler-page') ? metaPage : typeof saved.page === 'string' ? saved.page : '/',
      pageChanged(path, title) {
        vscode?.setState({ page: path } satisfies HostState);
        vscode?.postMessage({ type: 'pageChanged', path, title });
      },
      href: (page) => page,
      pageOf: (pathname) => pathname,
      openSource: vscode ? (url, line, column) => vscode.postMessage({ type: 'openSource', url, line, column }) : undefined,
    };
  }
  // The server writes a relative apiBase ('.', '..', '../..'), so the pages also work behind a
  // path-prefix proxy such as code-server's /proxy/8090/: that prefix is where pages are mounted.
  const mount = new URL(`${apiBase || '.'}/`, location.href).pathname.replace(/\/+$/, '');
  return {
    kind: 'browser',
    // Absolute (the mount path): a relative base would move with every history.pushState.
    apiBase: mount,
    initialPage: (meta('memory-profiler-page') ?? location.pathname.slice(mount.length)) + location.search,
    pageChanged() {},
    href: (page) => mount + page,
    pageOf: (pathname) => (pathname.startsWith(mount) ? pathname.slice(mount.length) || '/' : pathname),
  };
}
