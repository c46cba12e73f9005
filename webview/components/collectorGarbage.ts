/**
 * Pympler's garbage graphs on the garbage page, for a program whose runtime keeps what its
 * cycle collector finds (Python's gc.DEBUG_SAVEALL): the cycles the program dropped, a graph a
 * row with its classes; a click draws the graph. Kept until "Collect again"; the automatic
 * collector can be kept off (Pympler's advice) so that cycles wait here to be seen.
 */
import type { CollectorGarbage, CollectorGarbageGraph } from '../../src/model';
import type { Api } from '../api';
import { errorText } from '../api';
import { button } from './controls';
import { GraphView } from './graphView';
import { VirtualTable } from './virtualTable';
import { h, setText } from '../dom';
import { exactBytes, formatBytes, formatClock, formatCount } from '../format';

export class CollectorGarbageView {
  readonly element: HTMLElement;
  private readonly summary = h('p', { class: 'muted', testid: 'collector-summary' });
  private readonly problem = h('p', { class: 'empty-state', testid: 'collector-problem', attrs: { hidden: true } });
  private readonly collectButton = button({ testid: 'collector-collect', appearance: 'secondary' }, 'Collect again');
  private readonly keepOffBox = h('input', { testid: 'collector-keep-off', attrs: { type: 'checkbox' } });
  private readonly table: VirtualTable<CollectorGarbageGraph>;
  private readonly graphTitle = h('h3', { class: 'subhead', testid: 'collector-graph-title' });
  private readonly graphNote = h('p', { class: 'muted', testid: 'collector-graph-note' });
  private readonly graph: GraphView;
  private readonly graphBox = h('div', { testid: 'collector-graph-box', attrs: { hidden: true } });
  private report: CollectorGarbage | undefined;
  private busy = false;

  constructor(
    private readonly api: Api,
    private readonly signal: AbortSignal,
  ) {
    this.table = new VirtualTable<CollectorGarbageGraph>({
      testid: 'collector-graphs',
      label: 'Reference graphs the collector found',
      columns: [
        { id: 'index', header: 'Graph', width: '70px', numeric: true, value: (g) => `#${g.index}`, sortKey: (g) => g.index },
        { id: 'objects', header: 'Objects', width: '1fr', numeric: true, value: (g) => formatCount(g.objects), sortKey: (g) => g.objects },
        { id: 'cycles', header: 'On cycles', width: '1fr', numeric: true, value: (g) => formatCount(g.cycleObjects), sortKey: (g) => g.cycleObjects },
        {
          id: 'size',
          header: 'Total size',
          width: '1fr',
          numeric: true,
          value: (g) => formatBytes(g.totalSize),
          tooltip: (g) => exactBytes(g.totalSize),
          sortKey: (g) => g.totalSize,
        },
        { id: 'classes', header: 'Classes', width: 'minmax(240px, 3fr)', value: (g) => g.classes.join(', '), sortKey: (g) => g.classes[0] ?? '' },
      ],
      key: (g) => String(g.index),
      emptyText: 'The collector found nothing unreachable: the program dropped no reference cycle since the last collection.',
      sort: { column: 'index', descending: false },
      visibleRows: 12,
      rowClass: () => 'link',
      onActivate: (g) => this.draw(g),
    });
    this.graph = new GraphView({ testid: 'collector-graph', label: 'Garbage graph', height: 380 });
    this.graphBox.append(this.graphTitle, this.graphNote, this.graph.element);
    this.collectButton.addEventListener('click', () => void this.load(true));
    this.keepOffBox.addEventListener('change', () => void this.setKeptOff(this.keepOffBox.checked));
    const keepOff = h(
      'label',
      { class: 'toggle', testid: 'collector-keep-off-toggle' },
      this.keepOffBox,
      ' Keep the automatic collector off, so that dropped cycles wait here to be seen (Pympler\u2019s advice; the program then frees cycles only when it is collected here)',
    );
    this.element = h(
      'div',
      { testid: 'collector-garbage' },
      this.summary,
      h('div', { class: 'toolbar' }, this.collectButton, keepOff),
      this.problem,
      this.table.element,
      this.graphBox,
    );
  }

  dispose(): void {
    this.graph.dispose();
  }

  /** The kept graphs (a collection the first time); `collect`: a new collection. */
  async load(collect = false): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      this.show(await this.api.collectorGarbage(collect, this.signal));
    } catch (e) {
      if (this.signal.aborted) return;
      this.problem.hidden = false;
      setText(this.problem, errorText(e));
    } finally {
      this.busy = false;
    }
  }

  private show(report: CollectorGarbage): void {
    this.report = report;
    this.problem.hidden = true;
    const when = formatClock(report.timestamp);
    setText(
      this.summary,
      `The collection at ${when} found ${formatCount(report.objects)} unreachable objects (${formatBytes(report.totalSize)}) in ${formatCount(report.graphs.length)} reference graphs: what the program let go of that only the cycle collector frees. The automatic collector is ${report.collector.enabled ? 'on' : report.collector.keptOff ? 'kept off here' : 'off (the program turned it off)'}.`,
    );
    this.keepOffBox.checked = report.collector.keptOff;
    this.table.setRows(report.graphs);
    this.graphBox.hidden = true;
  }

  private async setKeptOff(keptOff: boolean): Promise<void> {
    try {
      const state = await this.api.setCollectorAutomatic(!keptOff);
      this.keepOffBox.checked = state.keptOff;
      if (this.report) this.show({ ...this.report, collector: state });
    } catch (e) {
      this.problem.hidden = false;
      setText(this.problem, errorText(e));
    }
  }

  private draw(g: CollectorGarbageGraph): void {
    const onCycle = new Set(g.reduced.nodes.map((n) => n.id));
    this.graphBox.hidden = false;
    setText(this.graphTitle, `Graph #${g.index}: ${g.classes.join(', ')}`);
    setText(
      this.graphNote,
      `${formatCount(g.graph.nodes.length)} objects, ${formatCount(g.graph.edges.length)} references${g.graph.truncated ? ' (cut at the agent\u2019s node limit)' : ''}; red ring: on a cycle.`,
    );
    this.graph.setGraph(
      g.graph.nodes.map((n) => ({ id: n.id, label: n.repr, type: n.type, size: n.size, cycle: onCycle.has(n.id) })),
      g.graph.edges.map((e) => ({ from: e.from, to: e.to, label: e.name })),
    );
  }
}
