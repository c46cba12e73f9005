/** What every page module provides, and what it gets from the app. */
import type { Api } from '../api';
import type { ServerEvents } from '../events';
import type { LiveProcess } from '../live';

export interface PageContext {
  api: Api;
  /** Live process figures, shared by all pages. */
  live: LiveProcess;
  /** Server-sent events (one stream shared by all pages). */
  events: ServerEvents;
  /** Shows another page (keeps history in the browser). */
  navigate(path: string): void;
  /** The URL of a page, for `href`s (pages may sit behind a path-prefix proxy). */
  href(path: string): string;
  /** Opens a source location in the editor (VS Code webviews only). */
  openSource?(url: string, line: number, column: number): void;
  /** The page's own path, e.g. `/garbage/3` (parameters of pattern paths come from it). */
  path: string;
  /** The query the page was opened with, e.g. `from=0&to=2` for the heap page's comparison. */
  query: URLSearchParams;
  /** Puts the page's state in its URL's query (browsers; a VS Code webview has no URL to keep it in). */
  setQuery?(query: URLSearchParams): void;
}

export interface PageView {
  readonly element: HTMLElement;
  /** Called when the page is left: unsubscribe, stop timers. */
  dispose(): void;
  /** The refresh button: read the page's data again (server caches were just cleared). */
  refresh?(): void;
}

export interface PageModule {
  /** Stable id, used for `data-page` and test ids. */
  id: string;
  /** The label in the navigation bar and the document title. */
  title: string;
  /** The canonical path, e.g. `/process` (Pympler's paths). */
  path: string;
  /** Other paths showing the same page. */
  aliases?: string[];
  /** Paths with parameters (e.g. `/garbage/3`): true when this page shows `path`. */
  match?(path: string): boolean;
  /** Not listed in the navigation bar (a detail page reached from another page). */
  hidden?: boolean;
  /** The navigation link to mark as current while this page shows (default: its own id). */
  navId?: string;
  create(context: PageContext): PageView;
}

/** The decoded parameter after `prefix` (e.g. `/tracker/class/`) of a path, or undefined. */
export function pathParam(path: string, prefix: string): string | undefined {
  if (!path.startsWith(prefix)) return undefined;
  const rest = path.slice(prefix.length);
  if (!rest || rest.includes('/')) return undefined;
  try {
    return decodeURIComponent(rest);
  } catch {
    return undefined;
  }
}
