/**
 * Garbage (`/garbage`, `/garbage/:index`). V8 keeps no garbage list as CPython's `gc.garbage`:
 * what we show is what was *collected* between the tracker's last two snapshots (objects in the
 * first and gone from the second), split into connected reference graphs, largest first. A graph
 * page lists its objects and draws the graph with vis-network, in full or reduced to the objects
 * on reference cycles; a click on a node shows that object. A program whose runtime keeps what its
 * cycle collector finds (Python) also gets Pympler's own garbage graphs, above.
 */
import type { GarbageGraph, GarbageGraphDetail, GarbageGraphSummary, GarbageObject, GarbageReport } from '../../src/model';
import { errorText } from '../api';
import { edgeLabel, fact } from '../components/facts';
import { GraphView } from '../components/graphView';
import { section } from '../components/section';
import { VirtualTable } from '../components/virtualTable';
import { h, setText } from '../dom';
import { exactBytes, formatBytes, formatCount } from '../format';
import { pathParam, type PageContext, type PageModule, type PageView } from './page';
import { button, setAppearance } from '../components/controls';
import { CollectorGarbageView } from '../components/collectorGarbage';

export const garbagePage: PageModule = {
  id: 'garbage',
  title: 'Garbage',
  path: '/garbage',
  create: (context) => new GarbageListPage(context),
};

export const garbageGraphPage: PageModule = {
  id: 'garbage-graph',
  title: 'Garbage graph',
  path: '/garbage/',
  hidden: true,
  navId: 'garbage',
  match: (path) => /^\d{1,9}$/.test(pathParam(path, '/garbage/') ?? ''),
  create: (context) => new GarbageGraphPage(context, Number(pathParam(context.path, '/garbage/'))),
};

const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;

/** `OrderCycle ×2, Object ×24, …` (older dumps: the names only). */
function classesText(g: GarbageGraphSummary): string {
  return g.classCounts ? g.classCounts.map((c) => `${c.name} \u00d7${formatCount(c.count)}`).join(', ') : g.classes.join(', ');
}

function suspectsLink(context: PageContext): HTMLElement {
  const link = h('a', { testid: 'garbage-suspects-link', attrs: { href: context.href('/garbage/suspects') } }, 'Leak suspects \u2192');
  link.addEventListener('click', (e) => {
    e.preventDefault();
    context.navigate('/garbage/suspects');
  });
  return link;
}

function explain(container: HTMLElement, problem: string, context: PageContext): void {
  const link = h('a', { attrs: { href: context.href('/tracker') } }, 'Tracker');
  link.addEventListener('click', (e) => {
    e.preventDefault();
    context.navigate('/tracker');
  });
  container.replaceChildren(
    h('h2', {}, 'No collected objects to show'),
    h('p', { testid: 'garbage-problem' }, problem),
    h(
      'p',
      {},
      'Garbage here is what the program let go of between two tracker snapshots: take a snapshot on the ',
      link,
      ' page, let the program run, and take another. Then this page lists the objects collected in between, as reference graphs.',
    ),
  );
  container.hidden = false;
}

class GarbageListPage implements PageView {
  readonly element: HTMLElement;
  private readonly abort = new AbortController();
  private readonly summary = h('p', { class: 'muted', testid: 'garbage-summary' });
  private readonly empty = h('div', { class: 'empty-state', testid: 'garbage-empty', attrs: { hidden: true } });
  private readonly table: VirtualTable<GarbageGraphSummary>;
  private readonly content = h('div', { attrs: { hidden: true } });
  private readonly engineBox = h('input', { testid: 'garbage-show-engine', attrs: { type: 'checkbox' } });
  private readonly engineLabel = h('span', { testid: 'garbage-engine-label' });
  private readonly engineToggle = h('label', { class: 'toggle', testid: 'garbage-engine-toggle' }, this.engineBox, ' ', this.engineLabel);
  private report: GarbageReport | undefined;
  private collector: CollectorGarbageView | undefined;
  private readonly collectorSection = h('div', { attrs: { hidden: true } });
  private readonly unsubscribe: () => void;

  constructor(private readonly context: PageContext) {
    this.table = new VirtualTable<GarbageGraphSummary>({
      testid: 'garbage-graphs',
      label: 'Collected reference graphs',
      columns: [
        { id: 'index', header: 'Graph', width: '70px', numeric: true, value: (g) => `#${g.index}`, sortKey: (g) => g.index },
        { id: 'objects', header: 'Objects', width: '1fr', numeric: true, value: (g) => formatCount(g.objects), sortKey: (g) => g.objects },
        {
          id: 'cycles',
          header: 'On cycles',
          width: '1fr',
          numeric: true,
          value: (g) => formatCount(g.cycleObjects),
          sortKey: (g) => g.cycleObjects,
          description: 'Objects that lie on reference cycles',
        },
        {
          id: 'size',
          header: 'Total size',
          width: '1fr',
          numeric: true,
          value: (g) => formatBytes(g.totalSize),
          tooltip: (g) => exactBytes(g.totalSize),
          sortKey: (g) => g.totalSize,
        },
        {
          id: 'classes',
          header: 'Classes',
          width: 'minmax(240px, 3fr)',
          value: classesText,
          sortKey: (g) => g.classes[0] ?? '',
          description: 'The classes of the graph\u2019s objects: those on cycles first, then the program\u2019s, then the engine\u2019s',
        },
      ],
      key: (g) => String(g.index),
      emptyText: 'Nothing the program let go of was collected between these snapshots.',
      sort: { column: 'index', descending: false },
      visibleRows: 16,
      rowClass: () => 'link',
      onActivate: (g) => context.navigate(`/garbage/${g.index}`),
    });
    this.engineBox.addEventListener('change', () => this.show());
    this.content.append(this.summary, h('div', { class: 'toolbar' }, this.engineToggle), this.table.element);
    this.element = h(
      'div',
      { class: 'page page-wide', testid: 'page-garbage' },
      h('header', { class: 'page-head' }, h('h1', { class: 'page-title' }, 'Collected garbage'), suspectsLink(context)),
      this.collectorSection,
      this.empty,
      section('garbage-graphs', 'Reference graphs of collected objects', this.content),
    );
    this.unsubscribe = context.events.on('snapshot-added', () => void this.load());
    void this.load();
    void this.loadCollector();
  }

  refresh(): void {
    void this.load();
    void this.collector?.load();
  }

  dispose(): void {
    this.unsubscribe();
    this.abort.abort();
    this.collector?.dispose();
  }

  /** Pympler's garbage graphs, when the program's runtime has them. */
  private async loadCollector(): Promise<void> {
    let capabilities: readonly string[];
    try {
      capabilities = (await this.context.api.target(this.abort.signal)).capabilities;
    } catch {
      return;
    }
    if (!capabilities.includes('collectorGarbage') || this.abort.signal.aborted) return;
    this.collector = new CollectorGarbageView(this.context.api, this.abort.signal);
    this.collectorSection.replaceChildren(section('collector-garbage', 'Cycles the collector found (gc.garbage)', this.collector.element));
    this.collectorSection.hidden = false;
    await this.collector.load();
  }

  private async load(): Promise<void> {
    let report: GarbageReport;
    try {
      // Ask the tracker first: without two snapshots there is nothing to ask the garbage API.
      const state = await this.context.api.tracker(this.abort.signal);
      if (state.snapshots.length < 2) {
        this.content.hidden = true;
        explain(
          this.empty,
          state.live
            ? `There ${state.snapshots.length === 1 ? 'is one tracker snapshot' : 'are no tracker snapshots'} yet; garbage needs two.`
            : 'This saved data has fewer than two tracker snapshots: garbage needs two.',
          this.context,
        );
        return;
      }
      try {
        report = await this.context.api.garbage(this.abort.signal);
      } catch (e) {
        // A stats dump keeps the garbage of its latest snapshots only; older data has none.
        if (state.live || (e as { status?: number }).status !== 404) throw e;
        this.content.hidden = true;
        explain(this.empty, 'This saved data holds no collected objects: dumps keep the garbage of their latest snapshots only.', this.context);
        return;
      }
    } catch (e) {
      if (this.abort.signal.aborted) return;
      this.content.hidden = true;
      explain(this.empty, errorText(e), this.context);
      return;
    }
    this.empty.hidden = true;
    this.content.hidden = false;
    this.report = report;
    this.show();
  }

  /** The graphs, those of engine internals only when the toggle asks for them. */
  private show(): void {
    const report = this.report;
    if (!report) return;
    const engine = report.graphs.filter((g) => g.engine);
    const program = report.graphs.length - engine.length;
    const engineObjects = engine.reduce((n, g) => n + g.objects, 0);
    const between = Number.isFinite(report.from) ? `tracker snapshots #${report.from} and #${report.to}` : 'the last two tracker snapshots';
    setText(
      this.summary,
      `${formatCount(report.objects)} objects (${formatBytes(report.totalSize)}) were collected between ${between}: ${plural(program, 'reference graph')} of the program's objects${engine.length ? ` and ${plural(engine.length, 'graph')} of engine internals only` : ''}. Graphs with reference cycles come first.`,
    );
    this.engineToggle.hidden = engine.length === 0;
    setText(
      this.engineLabel,
      `Show engine internals (compiled code, hidden classes, backing stores, natives, Node's own objects such as its timers lists): ${plural(engine.length, 'graph')}, ${plural(engineObjects, 'object')} ${this.engineBox.checked ? 'shown' : 'hidden'}`,
    );
    this.table.setRows(this.engineBox.checked ? report.graphs : report.graphs.filter((g) => !g.engine));
  }
}

class GarbageGraphPage implements PageView {
  readonly element: HTMLElement;
  private readonly abort = new AbortController();
  private detail: GarbageGraphDetail | undefined;
  private reduced = false;
  private readonly title = h('h1', { class: 'page-title', testid: 'garbage-graph-title' });
  private readonly summary = h('p', { class: 'muted', testid: 'garbage-graph-summary' });
  private readonly empty = h('div', { class: 'empty-state', testid: 'garbage-empty', attrs: { hidden: true } });
  private readonly content = h('div', { attrs: { hidden: true } });
  private readonly graph: GraphView;
  private readonly fullButton = button({ testid: 'garbage-full', appearance: 'primary' }, 'Full graph');
  private readonly cyclesButton = button({ testid: 'garbage-cycles', appearance: 'secondary' }, 'Only cycles');
  private readonly graphNote = h('p', { class: 'muted', testid: 'garbage-graph-note' });
  private readonly noCycles = h(
    'p',
    { class: 'empty-state', testid: 'garbage-no-cycles', attrs: { hidden: true } },
    'No object of this graph lies on a reference cycle: it was collected because nothing referred to it any more, not as part of a cycle. The full graph shows all its objects.',
  );
  private readonly objectBox = h('div', { testid: 'garbage-object' }, h('p', { class: 'muted' }, 'Click a node (or a row below) to see the object.'));
  private readonly table: VirtualTable<GarbageObject>;
  private selected: number | undefined;

  constructor(
    private readonly context: PageContext,
    private readonly index: number,
  ) {
    this.graph = new GraphView({ testid: 'garbage-graph', label: `Collected graph ${index}`, onSelect: (id) => this.showObject(id), height: 440 });
    this.table = new VirtualTable<GarbageObject>({
      testid: 'garbage-objects',
      label: 'Objects of the graph',
      columns: [
        { id: 'id', header: 'Id', width: '130px', numeric: true, value: (o) => `@${o.id}`, sortKey: (o) => o.id },
        { id: 'class', header: 'Class', width: 'minmax(140px, 2fr)', value: (o) => o.className, sortKey: (o) => o.className },
        { id: 'type', header: 'Type', width: '110px', value: (o) => o.type, sortKey: (o) => o.type },
        { id: 'size', header: 'Size', width: '1fr', numeric: true, value: (o) => formatBytes(o.size), tooltip: (o) => exactBytes(o.size), sortKey: (o) => o.size },
        { id: 'repr', header: 'Preview', width: 'minmax(200px, 3fr)', value: (o) => o.repr, sortKey: (o) => o.repr },
      ],
      key: (o) => String(o.id),
      emptyText: 'No objects.',
      sort: { column: 'size', descending: true },
      visibleRows: 12,
      onActivate: (o) => this.showObject(o.id, true),
      rowClass: (o) => (o.id === this.selected ? 'selected' : ''),
    });
    this.fullButton.addEventListener('click', () => this.setReduced(false));
    this.cyclesButton.addEventListener('click', () => this.setReduced(true));
    const back = h('a', { attrs: { href: context.href('/garbage') } }, '← All collected graphs');
    back.addEventListener('click', (e) => {
      e.preventDefault();
      context.navigate('/garbage');
    });
    this.content.append(
      this.summary,
      section('garbage-graph', 'Graph', h('div', { class: 'toolbar' }, this.fullButton, this.cyclesButton, this.graphNote), this.noCycles, this.graph.element),
      section('garbage-object', 'Selected object', this.objectBox),
      section('garbage-objects', 'Objects', this.table.element),
    );
    this.element = h('div', { class: 'page page-wide', testid: 'page-garbage-graph' }, back, h('header', { class: 'page-head' }, this.title), this.empty, this.content);
    setText(this.title, `Collected graph #${index}`);
    void this.load();
  }

  refresh(): void {
    void this.load();
  }

  dispose(): void {
    this.abort.abort();
    this.graph.dispose();
  }

  private async load(): Promise<void> {
    try {
      this.detail = await this.context.api.garbageGraph(this.index, this.abort.signal);
    } catch (e) {
      if (this.abort.signal.aborted) return;
      this.content.hidden = true;
      explain(this.empty, errorText(e), this.context);
      return;
    }
    const d = this.detail;
    this.empty.hidden = true;
    this.content.hidden = false;
    setText(
      this.summary,
      `${formatCount(d.objects.length)} objects, ${formatBytes(d.totalSize)}, ${formatCount(d.cycleObjects)} of them on reference cycles; collected between tracker snapshots #${d.from} and #${d.to}.`,
    );
    this.table.setRows(d.objects);
    this.drawGraph();
  }

  private setReduced(reduced: boolean): void {
    this.reduced = reduced;
    setAppearance(this.fullButton, reduced ? 'secondary' : 'primary');
    setAppearance(this.cyclesButton, reduced ? 'primary' : 'secondary');
    this.drawGraph();
  }

  private drawGraph(): void {
    const d = this.detail;
    if (!d) return;
    const g: GarbageGraph = this.reduced ? d.reduced : d.graph;
    const onCycle = new Set(d.reduced.nodes.map((n) => n.id));
    this.noCycles.hidden = !(this.reduced && g.nodes.length === 0);
    this.graph.element.hidden = !this.noCycles.hidden;
    if (!this.noCycles.hidden) {
      setText(this.graphNote, 'Only the objects on reference cycles: none.');
      return;
    }
    setText(
      this.graphNote,
      `${this.reduced ? 'Only the objects on reference cycles' : 'All objects'}: ${formatCount(g.nodes.length)} nodes, ${formatCount(g.edges.length)} references${g.truncated ? ' (cut at the server\u2019s node limit)' : ''}. Size: bytes; colour: type; red ring: on a cycle.`,
    );
    this.graph.setGraph(
      g.nodes.map((n) => ({ id: n.id, label: n.repr, type: n.type, size: n.size, cycle: onCycle.has(n.id) })),
      g.edges.map((e) => ({ from: e.from, to: e.to, label: edgeLabel(e.edgeType, e.name) })),
    );
  }

  private showObject(id: number, fromTable = false): void {
    const o = this.detail?.objects.find((x) => x.id === id);
    this.selected = id;
    this.table.redraw();
    if (fromTable) this.graph.select(id, false);
    if (!o) return;
    const refs = this.detail!.graph.edges;
    const out = refs.filter((e) => e.from === id).length;
    const inc = refs.filter((e) => e.to === id).length;
    this.objectBox.replaceChildren(
      h('h3', { class: 'subhead', testid: 'garbage-object-repr' }, o.repr),
      h(
        'dl',
        { class: 'facts' },
        ...fact('Id', `@${o.id}`),
        ...fact('Class', o.className),
        ...fact('Type', o.type),
        ...fact('Size', formatBytes(o.size), exactBytes(o.size)),
        ...fact('References', `${formatCount(out)} out, ${formatCount(inc)} in (within this graph)`),
      ),
    );
  }
}
