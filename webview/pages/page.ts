/** What every page module provides, and what it gets from the app. */
import type { Api } from '../api';
import type { LiveProcess } from '../live';

export interface PageContext {
  api: Api;
  /** Live process figures, shared by all pages. */
  live: LiveProcess;
  /** Shows another page (keeps history in the browser). */
  navigate(path: string): void;
}

export interface PageView {
  readonly element: HTMLElement;
  /** Called when the page is left: unsubscribe, stop timers. */
  dispose(): void;
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
  create(context: PageContext): PageView;
}
