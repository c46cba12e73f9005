/**
 * Picks the page module for a path. The list of pages is explicit (no folder scanning): a new
 * page is one module in pages/ plus one line in `PAGES`.
 */
import { garbageGraphPage, garbagePage } from './pages/garbage';
import { heapPage } from './pages/heap';
import { overviewPage } from './pages/overview';
import type { PageModule } from './pages/page';
import { processPage } from './pages/process';
import { suspectsPage } from './pages/suspects';
import { trackerClassPage } from './pages/trackerClass';
import { trackerPage } from './pages/tracker';

/** Every page, in navigation-bar order (detail pages are `hidden`). */
export const PAGES: readonly PageModule[] = [overviewPage, processPage, trackerPage, heapPage, garbagePage, trackerClassPage, suspectsPage, garbageGraphPage];

/** `/process/` → `/process`; drops query and hash; '' → `/`. */
export function normalizePath(path: string): string {
  const bare = path.replace(/[?#].*$/, '').replace(/\/+$/, '');
  return bare === '' ? '/' : bare;
}

export function findPage(path: string): PageModule | undefined {
  const p = normalizePath(path);
  return PAGES.find((page) => page.path === p || page.aliases?.includes(p) || page.match?.(p));
}
