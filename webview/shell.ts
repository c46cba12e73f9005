/**
 * The frame around every page: brand, navigation, live status, refresh button, and a banner that
 * says when the program has exited or the server cannot be reached.
 */
import type { Host } from './host';
import { h, icon, setText } from './dom';
import { formatClock } from './format';
import type { LiveState } from './live';
import type { PageModule } from './pages/page';
import { button, progressRing } from './components/controls';

const REFRESH_ICON = 'M13.5 8a5.5 5.5 0 1 1-1.61-3.89M13.5 2.5v3h-3';
const LOGO_ICON = 'M2 13.5h12M3.5 13.5V9M6.5 13.5V5M9.5 13.5V7M12.5 13.5V3';

export class Shell {
  readonly element: HTMLElement;
  /** Where the current page goes. */
  readonly main = h('main', { id: 'page', class: 'page-host', attrs: { tabindex: -1 } });
  private readonly links = new Map<string, HTMLAnchorElement>();
  private readonly status = h('span', { id: 'status', testid: 'status', class: 'status-text' }, 'Connecting…');
  private readonly statusBox = h(
    'span',
    { class: 'status', attrs: { 'data-status': 'loading', role: 'status' } },
    h('span', { class: 'status-dot', attrs: { 'aria-hidden': 'true' } }),
    this.status,
  );
  private readonly updated = h('span', { id: 'updated', testid: 'updated', class: 'updated' }, '\u00a0');
  private readonly busy = progressRing({ id: 'busy', class: 'busy', attrs: { 'aria-label': 'Loading' } });
  readonly refreshButton: HTMLElement;
  /** `startProfiler`'s servers: stops the profiler, and the suspended program carries on. */
  private readonly stopButton: HTMLElement;
  private stopped = false;
  private readonly banner = h('div', { id: 'banner', testid: 'banner', class: 'banner', attrs: { hidden: true } });

  /** In a browser, modified clicks (new tab, …) go through as usual; a webview has no tabs to open. */
  constructor(
    pages: readonly PageModule[],
    host: Pick<Host, 'kind' | 'href'>,
    onNavigate: (path: string) => void,
    onRefresh: () => void,
    onStop: () => Promise<void> = async () => {},
  ) {
    const nativeLinks = host.kind === 'browser';
    const nav = h('nav', { class: 'nav', attrs: { 'aria-label': 'Pages' } });
    for (const page of pages) {
      if (page.hidden) continue;
      const link = h('a', { class: 'nav-link', testid: `nav-${page.id}`, attrs: { href: host.href(page.path) } }, page.title);
      link.addEventListener('click', (event) => {
        if (nativeLinks && (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)) return;
        event.preventDefault();
        onNavigate(page.path);
      });
      this.links.set(page.id, link);
      nav.append(link);
    }
    const refreshIcon = icon(REFRESH_ICON);
    refreshIcon.setAttribute('slot', 'start');
    this.refreshButton = button({ id: 'refresh', testid: 'refresh', appearance: 'secondary', attrs: { title: 'Read the figures again now' } }, refreshIcon, 'Refresh');
    this.refreshButton.addEventListener('click', onRefresh);
    this.stopButton = button(
      { id: 'stop', testid: 'stop-profiler', attrs: { title: 'Stop the profiler: the program, suspended by startProfiler(), carries on', hidden: true } },
      'Stop',
    );
    this.stopButton.addEventListener('click', () => {
      this.stopButton.setAttribute('disabled', '');
      void onStop().finally(() => this.stopButton.removeAttribute('disabled'));
    });
    this.element = h(
      'div',
      { class: 'app' },
      h(
        'header',
        { class: 'topbar' },
        h('div', { class: 'brand', title: 'Memory Profiler' }, icon(LOGO_ICON), h('span', {}, 'Memory Profiler')),
        nav,
        h('div', { class: 'topbar-status' }, this.busy, this.statusBox, this.updated, this.refreshButton, this.stopButton),
      ),
      this.banner,
      this.main,
    );
  }

  /** Marks the page's link as current. */
  setActive(page: PageModule | undefined): void {
    for (const [id, link] of this.links) {
      if (id === (page?.navId ?? page?.id)) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }

  /** Said once the profiler was stopped from this page: the server is gone on purpose. */
  showStopped(error?: string): void {
    if (error !== undefined) {
      this.banner.dataset.kind = 'error';
      setText(this.banner, `The profiler could not be stopped: ${error}`);
      this.banner.hidden = false;
      return;
    }
    this.stopped = true;
    this.stopButton.hidden = true;
    this.busy.classList.remove('active');
    this.statusBox.dataset.status = 'exited';
    setText(this.status, 'Profiler stopped');
    this.banner.dataset.kind = 'stopped';
    setText(this.banner, 'The profiler has stopped and the program carries on. The figures on this page are the last ones read.');
    this.banner.hidden = false;
  }

  showLive(state: LiveState): void {
    if (this.stopped) return;
    this.stopButton.hidden = !(state.target?.stoppable && (state.status === 'live' || state.status === 'offline'));
    this.busy.classList.toggle('active', state.busy);
    this.statusBox.dataset.status = state.status;
    const labels: Record<LiveState['status'], string> = {
      loading: 'Connecting…',
      live: 'Live',
      offline: 'Saved data',
      exited: 'Program exited',
      unreachable: 'Server unreachable',
      error: 'Error',
    };
    setText(this.status, labels[state.status]);
    setText(this.updated, state.updatedAt ? `updated ${formatClock(state.updatedAt)}` : '\u00a0');
    this.showBanner(state);
  }

  private showBanner(state: LiveState): void {
    let text = '';
    if (state.status === 'exited') {
      text = state.process ? 'The program has exited. The figures below are the last ones read.' : 'The program has exited; no figures were read before it did.';
    } else if (state.status === 'unreachable') {
      text = `The profiler server cannot be reached (${state.error?.detail ?? 'no answer'}). Retrying…`;
    } else if (state.status === 'error' && state.error) {
      text = state.error.message;
    }
    this.banner.dataset.kind = state.status;
    setText(this.banner, text);
    this.banner.hidden = text === '';
  }
}
