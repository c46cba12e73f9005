/**
 * The UI's entry point (bundled to dist/webview/app.js): registers the toolkit's controls,
 * applies the theme, builds the shell and shows the page the router picks for the current path.
 * Runs the same in an external browser and in a VS Code webview (see host.ts).
 */
import { Api, errorText } from './api';
import { h, isolatedString } from './dom';
import { ServerEvents } from './events';
import { detectHost } from './host';
import { LiveProcess } from './live';
import type { PageView } from './pages/page';
import { findPage, normalizePath, PAGES } from './router';
import { Shell } from './shell';
import './styles.css';
import { applyTheme } from './theme';
import { registerControls } from './components/controls';

registerControls();

function start(): void {
  applyTheme();
  const host = detectHost();
  const api = new Api(host.apiBase, host.token);
  const live = new LiveProcess(api);
  // The program going away is pushed at once; the poll would notice only later.
  const events = new ServerEvents(host.apiBase, host.token);
  events.on('target-gone', () => void live.refresh());
  let current: { path: string; view: PageView } | undefined;

  const shell = new Shell(
    PAGES,
    host,
    (path) => navigate(path),
    () => void refreshAll(),
    () => stopProfiler(),
  );
  document.body.replaceChildren(shell.element);
  live.subscribe((state) => shell.showLive(state));

  function show(path: string): void {
    const normalized = normalizePath(path);
    if (current?.path === normalized) return;
    current?.view.dispose();
    const page = findPage(normalized);
    const query = new URLSearchParams(/\?([^#]*)/.exec(path)?.[1] ?? '');
    // the page's own state in the URL, without a history entry (a reload or a shared link keeps it)
    const setQuery =
      host.kind === 'browser'
        ? (q: URLSearchParams) => {
            const text = q.toString();
            history.replaceState(null, '', host.href(normalized) + (text ? `?${text}` : ''));
          }
        : undefined;
    const view = page
      ? page.create({ api, live, events, navigate, href: host.href, path: normalized, query, openSource: host.openSource, setQuery })
      : notFound(normalized, host.href('/'), navigate);
    current = { path: normalized, view };
    shell.main.replaceChildren(view.element);
    shell.main.dataset.page = page?.id ?? 'not-found';
    shell.setActive(page);
    const title = page?.title ?? 'Not found';
    document.title = `${isolatedString(title)} · Memory Profiler`;
    host.pageChanged(normalized, title);
  }

  async function refreshAll(): Promise<void> {
    // Clears the server's lazy caches (Pympler's /refresh), then reads everything again.
    void live.refresh();
    const view = current?.view;
    if (!view?.refresh) return;
    await api.refresh().catch(() => undefined);
    if (current?.view === view) view.refresh();
  }

  async function stopProfiler(): Promise<void> {
    try {
      await api.stopProfiler();
    } catch (e) {
      shell.showStopped(errorText(e));
      return;
    }
    // The server goes away now, on purpose: no more polls or reconnects to it.
    live.stop();
    events.close();
    shell.showStopped();
  }

  function navigate(path: string): void {
    if (host.kind === 'browser' && normalizePath(host.pageOf(location.pathname)) !== normalizePath(path)) {
      history.pushState(null, '', host.href(path) + location.search);
    }
    show(path);
  }

  if (host.kind === 'browser') window.addEventListener('popstate', () => show(host.pageOf(location.pathname)));
  show(host.kind === 'webview' && !findPage(host.initialPage) ? '/' : host.initialPage);
  live.start();
}

function notFound(path: string, homeHref: string, navigate: (path: string) => void): PageView {
  const link = h('a', { attrs: { href: homeHref }, testid: 'not-found-home' }, 'Go to the overview');
  link.addEventListener('click', (event) => {
    event.preventDefault();
    navigate('/');
  });
  const element = h('div', { class: 'page not-found', testid: 'page-not-found' }, h('h1', {}, 'No such page'), h('p', {}, 'There is no page at ', h('code', {}, path), '. '), link);
  return { element, dispose() {} };
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
