/**
 * Overview (`/`): what the program is and where its memory is — process figures (resident and
 * virtual size, page faults), the JS heap against its limit, and the heap's spaces. A runtime
 * whose heap is not V8's (Python) gets its own labelled figures instead of V8's, never zeros.
 */
import type { HeapSpace, ProcessInfo, RuntimeHeap } from '../../src/model';
import { Figure } from '../components/figure';
import { KeyedGrid } from '../components/grid';
import { MemoryBreakdown } from '../components/memoryBreakdown';
import { ProgramHeader } from '../components/programHeader';
import { section } from '../components/section';
import { h, setText } from '../dom';
import { exactBytes, formatBytes, formatCount, formatPercent } from '../format';
import type { PageContext, PageModule, PageView } from './page';

export const overviewPage: PageModule = {
  id: 'overview',
  title: 'Overview',
  path: '/',
  create: (context) => new OverviewPage(context),
};

class OverviewPage implements PageView {
  readonly element: HTMLElement;
  private readonly program = new ProgramHeader();
  private readonly rss = new Figure('rss', 'Resident size', 'Resident set size (RSS): memory of the process held in RAM');
  private readonly maxRss = new Figure('max-rss', 'Peak resident size', 'The largest resident size the process has had');
  private readonly vsz = new Figure('vsz', 'Virtual size', 'Virtual memory size: all address space the process has mapped');
  private readonly pagefaults = new Figure('pagefaults', 'Major page faults', 'Page faults that needed disk I/O, since the process started');
  private readonly heapUsed = new Figure('heap-used', 'JS heap used', 'Memory taken by live and not yet collected JavaScript objects');
  private readonly heapTotal = new Figure('heap-total', 'JS heap allocated', 'Memory the JavaScript heap has reserved from the system');
  private readonly heapLimit = new Figure('heap-limit', 'JS heap limit', 'The size the JavaScript heap may grow to before the program runs out of memory');
  private readonly external = new Figure('heap-external', 'External', 'Memory outside the JavaScript heap owned by JavaScript objects (buffers, native objects)');
  private readonly arrayBuffers = new Figure('heap-array-buffers', 'Array buffers', 'Memory of ArrayBuffers and Buffers (part of external)');
  private readonly breakdown = new MemoryBreakdown();
  private readonly spaces = new KeyedGrid<HeapSpace & { share: number }>(
    'heap-spaces',
    [
      { id: 'name', header: 'Space', width: 'minmax(140px, 2fr)', value: (s) => s.name },
      { id: 'size', header: 'Size', width: '1fr', numeric: true, value: (s) => formatBytes(s.size), tooltip: (s) => exactBytes(s.size) },
      {
        id: 'used',
        header: 'Used',
        width: '1fr',
        numeric: true,
        value: (s) => formatBytes(s.used),
        tooltip: (s) => exactBytes(s.used),
      },
      { id: 'available', header: 'Available', width: '1fr', numeric: true, value: (s) => formatBytes(s.available), tooltip: (s) => exactBytes(s.available) },
      { id: 'physical', header: 'Physical', width: '1fr', numeric: true, value: (s) => formatBytes(s.physical), tooltip: (s) => exactBytes(s.physical) },
      {
        id: 'share',
        header: 'Share of heap used',
        width: 'minmax(120px, 1.4fr)',
        numeric: true,
        value: (s) => formatPercent(s.used, s.share),
        fraction: (s) => (s.share > 0 ? s.used / s.share : 0),
        tooltip: (s) => `${exactBytes(s.used)} of ${exactBytes(s.share)} used in all spaces`,
      },
    ],
    (s) => s.name,
    'The runtime reports no heap spaces.',
  );
  private readonly unsubscribe: () => void;
  private readonly v8Sections: HTMLElement[];
  private readonly runtimeTitle = h('h2', { class: 'block-title', id: 'section-runtime-heap-title' });
  private readonly runtimeNote = h('p', { class: 'muted', testid: 'runtime-heap-note' });
  private readonly runtimeFigures = h('div', { class: 'figures', testid: 'runtime-heap-figures' });
  private readonly runtimeSection = h(
    'section',
    { class: 'block', id: 'section-runtime-heap', attrs: { 'aria-labelledby': 'section-runtime-heap-title', hidden: true } },
    this.runtimeTitle,
    this.runtimeNote,
    this.runtimeFigures,
  );
  private readonly shownFigures = new Map<string, Figure>();

  constructor(context: PageContext) {
    this.v8Sections = [
      section(
        'heap',
        'JavaScript heap',
        h('div', { class: 'figures' }, this.heapUsed.element, this.heapTotal.element, this.heapLimit.element, this.external.element, this.arrayBuffers.element),
      ),
      section('spaces', 'Heap spaces', this.spaces.element),
    ];
    this.element = h(
      'div',
      { class: 'page', testid: 'page-overview' },
      this.program.element,
      section('memory', 'Process memory', h('div', { class: 'figures' }, this.rss.element, this.maxRss.element, this.vsz.element, this.pagefaults.element), this.breakdown.element),
      ...this.v8Sections,
      this.runtimeSection,
    );
    this.unsubscribe = context.live.subscribe((state) => {
      this.program.update(state.target);
      this.update(state.process);
    });
  }

  private update(p: ProcessInfo | undefined): void {
    if (!p) return;
    this.rss.set(formatBytes(p.rss), exactBytes(p.rss), `${formatPercent(p.rss, p.vsz)} of virtual size`);
    this.maxRss.set(formatBytes(p.maxRss), exactBytes(p.maxRss), p.maxRss > p.rss ? `${formatBytes(p.maxRss - p.rss)} above now` : 'now at its peak');
    this.vsz.set(formatBytes(p.vsz), exactBytes(p.vsz), 'address space mapped');
    this.pagefaults.set(formatCount(p.pagefaults), `${formatCount(p.pagefaults)} major page faults`, 'since the process started');
    for (const s of this.v8Sections) s.hidden = p.runtimeHeap !== undefined;
    this.runtimeSection.hidden = p.runtimeHeap === undefined;
    // V8's split of the resident size means nothing for another runtime's heap.
    this.breakdown.element.hidden = p.runtimeHeap !== undefined;
    if (p.runtimeHeap) return this.updateRuntime(p.runtimeHeap);
    this.heapUsed.set(formatBytes(p.heap.used), exactBytes(p.heap.used), `${formatPercent(p.heap.used, p.heap.total)} of allocated`);
    this.heapTotal.set(formatBytes(p.heap.total), exactBytes(p.heap.total), `${formatPercent(p.heap.total, p.rss)} of resident size`);
    this.heapLimit.set(formatBytes(p.heap.limit), exactBytes(p.heap.limit), `${formatPercent(p.heap.used, p.heap.limit)} in use`);
    this.external.set(formatBytes(p.heap.external), exactBytes(p.heap.external), 'outside the JS heap');
    this.arrayBuffers.set(formatBytes(p.heap.arrayBuffers), exactBytes(p.heap.arrayBuffers), 'included in external');
    this.breakdown.update(p);
    const usedAll = p.spaces.reduce((sum, s) => sum + s.used, 0);
    this.spaces.update(p.spaces.map((s) => ({ ...s, share: usedAll })));
  }

  private updateRuntime(r: RuntimeHeap): void {
    setText(this.runtimeTitle, r.title);
    setText(this.runtimeNote, r.note);
    const ids = new Set(r.figures.map((f) => f.id));
    for (const [id, figure] of this.shownFigures) {
      if (!ids.has(id)) {
        figure.element.remove();
        this.shownFigures.delete(id);
      }
    }
    for (const f of r.figures) {
      let figure = this.shownFigures.get(f.id);
      if (!figure) {
        figure = new Figure(`runtime-${f.id}`, f.label, f.detail);
        this.shownFigures.set(f.id, figure);
        this.runtimeFigures.append(figure.element);
      }
      if (f.unit === 'bytes') figure.set(formatBytes(f.value), exactBytes(f.value), '');
      else figure.set(formatCount(f.value), f.detail, '');
    }
  }

  dispose(): void {
    this.unsubscribe();
  }
}
