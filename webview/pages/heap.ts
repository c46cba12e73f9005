/**
 * Heap (`/heap`): every object of a snapshot grouped by class (count, self and retained size,
 * sortable, filterable, virtualised for 100 000 classes); a class expands to its objects (paged);
 * an object shows why it is alive (its retainer graph and shortest paths to the roots); and two
 * snapshots compare class by class.
 */
import type { HeapClassDelta, HeapClassSummary, HeapObjectInfo, HeapRetainerGraph, HeapSnapshotEntry } from '../../src/model';
import { errorText } from '../api';
import { edgeLabel, fact } from '../components/facts';
import { GraphView } from '../components/graphView';
import { section } from '../components/section';
import { sortRows, type SortState, type VColumn, VirtualTable } from '../components/virtualTable';
import { h, setText, isolatedString } from '../dom';
import { exactBytes, formatBytes, formatCount } from '../format';
import type { PageContext, PageModule, PageView } from './page';

export const heapPage: PageModule = {
  id: 'heap',
  title: 'Heap',
  path: '/heap',
  create: (context) => new HeapPage(context),
};

const PAGE_SIZE = 100;

type Row =
  | { kind: 'class'; c: HeapClassSummary }
  | { kind: 'object'; o: HeapObjectInfo; parent: string }
  | { kind: 'more'; parent: string; loaded: number; total: number }
  | { kind: 'loading'; parent: string };

interface Expansion {
  objects: HeapObjectInfo[];
  total: number;
  loading: boolean;
}

/** Text for a snapshot in a picker. */
function snapshotLabel(s: HeapSnapshotEntry): string {
  if (s.dropped) return `#${s.index} ${isolatedString(s.label)} · dropped`;
  return `#${s.index} ${isolatedString(s.label)} · ${formatCount(s.nodeCount)} objects · ${formatBytes(s.totalSize)}`;
}

function select(testid: string, label: string): HTMLSelectElement {
  return h('select', { class: 'select', testid, attrs: { 'aria-label': label } });
}

function fillSelect(el: HTMLSelectElement, snapshots: readonly HeapSnapshotEntry[], value: number): void {
  el.replaceChildren(...snapshots.map((s) => h('option', { attrs: { value: s.index, disabled: s.dropped !== undefined } }, snapshotLabel(s))));
  el.value = String(value);
}

class HeapPage implements PageView {
  readonly element: HTMLElement;
  private readonly abort = new AbortController();
  private snapshots: HeapSnapshotEntry[] = [];
  private snapshot = -1;
  private classes: HeapClassSummary[] = [];
  private filter = '';
  private readonly expanded = new Map<string, Expansion>();
  private selectedObject: number | undefined;
  private sort: SortState = { column: 'retained', descending: true };

  private readonly picker = select('heap-snapshot', 'Snapshot');
  private readonly summary = h('span', { class: 'muted', testid: 'heap-summary' });
  private readonly empty = h('div', { class: 'empty-state', testid: 'heap-empty', attrs: { hidden: true } });
  private readonly content = h('div', { attrs: { hidden: true } });
  private readonly filterInput = h('input', {
    class: 'input',
    testid: 'heap-filter',
    attrs: { type: 'search', placeholder: 'Filter classes', 'aria-label': 'Filter classes by name', spellcheck: 'false' },
  });
  private readonly classCount = h('span', { class: 'muted', testid: 'heap-class-count' });
  private readonly status = h('p', { class: 'muted', testid: 'heap-status', attrs: { role: 'status' } });
  /** What the Track action did (tracking, or why not), with the tracker's warning if it had one. */
  private readonly trackStatus = h('p', { class: 'muted', testid: 'heap-track-status', attrs: { role: 'status', hidden: true } });
  /** A live program's tracker can follow a class; saved snapshots have none. */
  private canTrack = false;
  private readonly tracked = new Set<string>();
  private readonly table: VirtualTable<Row>;
  private readonly columns: Array<VColumn<Row>>;
  private readonly objectTitle = h('span', { testid: 'heap-object-title' }, 'Why is it alive?');
  private readonly objectHint = h('p', { class: 'muted', testid: 'heap-object-hint' }, 'Expand a class and pick one of its objects to see what keeps it alive.');
  private readonly objectFacts = h('dl', { class: 'facts', testid: 'heap-object-facts' });
  private readonly paths = h('ol', { class: 'paths', testid: 'heap-paths' });
  private readonly graph: GraphView;
  private readonly graphBox = h('div', { attrs: { hidden: true } });
  private readonly diffFrom = select('heap-diff-from', 'Compare from snapshot');
  private readonly diffTo = select('heap-diff-to', 'Compare to snapshot');
  private readonly diffSummary = h('p', { class: 'muted', testid: 'heap-diff-summary' });
  private readonly diffTable: VirtualTable<HeapClassDelta>;
  private readonly diffSection: HTMLElement;
  private readonly unsubscribe: () => void;
  private classesRequest = 0;
  private retainersRequest = 0;
  private diffRequest = 0;
  private filterTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly context: PageContext) {
    const columns: Array<VColumn<Row>> = (this.columns = [
      {
        id: 'name',
        header: 'Class',
        width: 'minmax(200px, 3fr)',
        value: (r) =>
          r.kind === 'class'
            ? `${this.expanded.has(r.c.name) ? '▾' : '▸'} ${isolatedString(r.c.name)}`
            : r.kind === 'object'
              ? r.o.repr
              : r.kind === 'more'
                ? `Show ${Math.min(PAGE_SIZE, r.total - r.loaded)} more (${formatCount(r.loaded)} of ${formatCount(r.total)} shown)`
                : 'Loading…',
        tooltip: (r) => (r.kind === 'class' ? r.c.name : r.kind === 'object' ? `${isolatedString(r.o.repr)} (${r.o.type})` : ''),
        sortKey: (r) => (r.kind === 'class' ? r.c.name : ''),
      },
      {
        id: 'count',
        header: 'Objects',
        width: 'minmax(90px, 1fr)',
        numeric: true,
        value: (r) => (r.kind === 'class' ? formatCount(r.c.count) : r.kind === 'object' ? `@${r.o.id}` : ''),
        sortKey: (r) => (r.kind === 'class' ? r.c.count : 0),
        description: 'Number of objects of this class',
      },
      {
        id: 'self',
        header: 'Self size',
        width: 'minmax(90px, 1fr)',
        numeric: true,
        value: (r) => (r.kind === 'class' ? formatBytes(r.c.selfSize) : r.kind === 'object' ? formatBytes(r.o.selfSize) : ''),
        tooltip: (r) => (r.kind === 'class' ? exactBytes(r.c.selfSize) : r.kind === 'object' ? exactBytes(r.o.selfSize) : ''),
        sortKey: (r) => (r.kind === 'class' ? r.c.selfSize : 0),
        description: 'The objects\u2019 own sizes',
      },
      {
        id: 'retained',
        header: 'Retained size',
        width: 'minmax(110px, 1fr)',
        numeric: true,
        value: (r) => (r.kind === 'class' ? formatBytes(r.c.retainedSize) : r.kind === 'object' ? formatBytes(r.o.retainedSize) : ''),
        tooltip: (r) => (r.kind === 'class' ? exactBytes(r.c.retainedSize) : r.kind === 'object' ? exactBytes(r.o.retainedSize) : ''),
        sortKey: (r) => (r.kind === 'class' ? r.c.retainedSize : 0),
        description: 'Memory freed if these objects were collected (nested objects of the class counted once)',
      },
      {
        id: 'distance',
        header: 'Distance',
        width: '80px',
        numeric: true,
        value: (r) => (r.kind === 'object' && r.o.distance !== undefined ? String(r.o.distance) : ''),
        description: 'References on the shortest path from a GC root',
      },
      {
        id: 'track',
        header: '',
        width: '90px',
        value: () => '',
        description: 'Follow a class in the class tracker (live programs)',
        action: {
          label: (r) => (r.kind === 'class' && this.canTrack && trackable(r.c.name) ? (this.tracked.has(r.c.name) ? 'Tracked' : 'Track') : undefined),
          title: (r) =>
            r.kind !== 'class'
              ? ''
              : this.tracked.has(r.c.name)
                ? `${isolatedString(r.c.name)} is tracked: open its tracker page`
                : `Track ${isolatedString(r.c.name)}: the tracker counts its instances in every snapshot from the next one`,
          onClick: (r) => {
            if (r.kind !== 'class') return;
            if (this.tracked.has(r.c.name)) this.context.navigate(`/tracker/class/${encodeURIComponent(r.c.name)}`);
            else void this.track(r.c.name);
          },
        },
      },
    ]);
    this.table = new VirtualTable<Row>({
      testid: 'heap-classes',
      label: 'Objects by class',
      columns,
      key: (r) => (r.kind === 'class' ? r.c.name : r.kind === 'object' ? `${r.parent}#${r.o.id}` : `${r.parent}#${r.kind}`),
      emptyText: 'No class matches the filter.',
      sort: this.sort,
      visibleRows: 18,
      onSort: (sort) => {
        this.sort = sort;
        this.classes = sortRows(
          this.classes.map((c) => ({ kind: 'class', c }) as Row),
          columns,
          sort,
        ).map((r) => (r as { c: HeapClassSummary }).c);
        this.showRows();
      },
      onActivate: (row) => this.activate(row),
      onKey: (row, key) => {
        if (row.kind !== 'class') return;
        const open = this.expanded.has(row.c.name);
        if ((key === 'ArrowRight' && !open) || (key === 'ArrowLeft' && open)) this.toggle(row.c.name);
      },
      rowClass: (r) =>
        [
          r.kind !== 'class' ? 'child' : '',
          r.kind === 'object' ? 'object' : '',
          r.kind === 'more' ? 'more' : '',
          r.kind === 'loading' ? 'loading' : '',
          r.kind === 'object' && r.o.id === this.selectedObject ? 'selected' : '',
        ]
          .join(' ')
          .trim(),
      level: (r) => (r.kind === 'class' ? 0 : 1),
    });
    this.graph = new GraphView({ testid: 'retainer-graph', label: 'Retainer graph', onSelect: (id) => void this.showObjectById(id), height: 380 });
    this.graphBox.append(this.graph.element);

    this.diffTable = new VirtualTable<HeapClassDelta>({
      testid: 'heap-diff',
      label: 'Change per class',
      columns: [
        { id: 'name', header: 'Class', width: 'minmax(200px, 3fr)', value: (d) => d.name, sortKey: (d) => d.name },
        {
          id: 'added',
          header: 'New',
          width: '1fr',
          numeric: true,
          value: (d) => formatCount(d.addedCount),
          sortKey: (d) => d.addedCount,
          description: 'Objects in the second snapshot only',
        },
        {
          id: 'removed',
          header: 'Gone',
          width: '1fr',
          numeric: true,
          value: (d) => formatCount(d.removedCount),
          sortKey: (d) => d.removedCount,
          description: 'Objects in the first snapshot only',
        },
        { id: 'countDelta', header: '# Δ', width: '1fr', numeric: true, value: (d) => signed(d.countDelta), sortKey: (d) => d.countDelta },
        { id: 'addedSize', header: 'Allocated', width: '1fr', numeric: true, value: (d) => formatBytes(d.addedSize), sortKey: (d) => d.addedSize },
        { id: 'removedSize', header: 'Freed', width: '1fr', numeric: true, value: (d) => formatBytes(d.removedSize), sortKey: (d) => d.removedSize },
        {
          id: 'sizeDelta',
          header: 'Size Δ',
          width: '1fr',
          numeric: true,
          value: (d) => (d.sizeDelta > 0 ? '+' : '') + formatBytes(d.sizeDelta),
          tooltip: (d) => exactBytes(d.sizeDelta),
          sortKey: (d) => Math.abs(d.sizeDelta),
        },
      ],
      key: (d) => d.name,
      emptyText: 'No class changed between these snapshots.',
      visibleRows: 12,
    });

    this.filterInput.addEventListener('input', () => {
      clearTimeout(this.filterTimer);
      this.filterTimer = setTimeout(() => {
        this.filter = this.filterInput.value.trim().toLowerCase();
        this.showRows();
        this.table.scrollToIndex(0);
      }, 80);
    });
    this.picker.addEventListener('change', () => void this.loadClasses(Number(this.picker.value)));
    this.diffFrom.addEventListener('change', () => void this.loadDiff());
    this.diffTo.addEventListener('change', () => void this.loadDiff());

    this.diffSection = section(
      'heap-diff',
      'Comparison of two snapshots',
      h('div', { class: 'toolbar' }, h('label', {}, 'From ', this.diffFrom), h('label', {}, 'to ', this.diffTo)),
      this.diffSummary,
      this.diffTable.element,
    );
    this.content.append(
      section('heap-classes', 'Objects by class', h('div', { class: 'toolbar' }, this.filterInput, this.classCount), this.status, this.trackStatus, this.table.element),
      section(
        'heap-object',
        'Why is it alive?',
        h('h3', { class: 'object-title' }, this.objectTitle),
        this.objectHint,
        this.objectFacts,
        this.graphBox,
        h('h3', { class: 'subhead' }, 'Shortest paths from the roots'),
        this.paths,
      ),
      this.diffSection,
    );
    this.element = h(
      'div',
      { class: 'page page-wide', testid: 'page-heap' },
      h('header', { class: 'page-head' }, h('h1', { class: 'page-title' }, 'Heap'), h('div', { class: 'toolbar' }, h('label', {}, 'Snapshot ', this.picker), this.summary)),
      this.empty,
      this.content,
    );
    const offAdded = context.events.on('snapshot-added', () => void this.loadSnapshots(true));
    const offDropped = context.events.on('snapshot-dropped', () => void this.loadSnapshots(false));
    const offLive = context.live.subscribe((live) => {
      const can = live.status === 'live' && live.target?.kind === 'live' && live.target.capabilities.includes('heapSnapshots');
      if (can === this.canTrack) return;
      this.canTrack = can;
      if (can) void this.loadTracked();
      this.table.redraw();
    });
    this.unsubscribe = () => {
      offAdded();
      offDropped();
      offLive();
    };
    void this.loadSnapshots(false);
  }

  refresh(): void {
    this.expanded.clear();
    void this.loadSnapshots(false);
  }

  dispose(): void {
    this.unsubscribe();
    this.abort.abort();
    this.graph.dispose();
    clearTimeout(this.filterTimer);
  }

  private async loadSnapshots(added: boolean): Promise<void> {
    let list: HeapSnapshotEntry[];
    try {
      list = await this.context.api.snapshots(this.abort.signal);
    } catch (e) {
      if (this.abort.signal.aborted) return;
      this.showEmpty(`The snapshots could not be read: ${errorText(e)}`);
      return;
    }
    this.snapshots = list;
    if (!list.length) {
      this.showEmpty('');
      return;
    }
    this.empty.hidden = true;
    this.content.hidden = false;
    // A new snapshot moves the view to it only if the latest one was shown.
    // Dropped snapshots stay listed (disabled) but are never shown or compared.
    const held = list.filter((e) => !e.dropped).map((e) => e.index);
    const isHeld = (i: number) => held.includes(i);
    const latest = held.length ? held[held.length - 1] : list.length - 1;
    const follow = this.snapshot < 0 || (added && this.snapshot === list.length - 2);
    let index = follow ? list.length - 1 : Math.min(this.snapshot, list.length - 1);
    if (!isHeld(index)) index = latest;
    fillSelect(this.picker, list, index);
    this.diffSection.hidden = held.length < 2;
    if (held.length >= 2) {
      const [defaultFrom, defaultTo] = held.slice(-2);
      // `?from=A&to=B` (Compare Snapshots… in VS Code) picks the pair on the first load.
      const asked = (name: string) => {
        const v = this.context.query.get(name);
        return v !== null && /^\d+$/.test(v) && isHeld(Number(v)) ? Number(v) : undefined;
      };
      const first = this.diffFrom.value === '';
      const askedFrom = first ? asked('from') : undefined;
      const askedTo = first ? asked('to') : undefined;
      const to = askedTo ?? (Number(this.diffTo.value) || defaultTo);
      const from = askedFrom ?? (first ? defaultFrom : Number(this.diffFrom.value));
      const keep = (askedFrom !== undefined || askedTo !== undefined || !follow) && isHeld(from) && isHeld(to);
      fillSelect(this.diffFrom, list, keep ? from : defaultFrom);
      fillSelect(this.diffTo, list, keep ? to : defaultTo);
      if (first && keep) this.diffSection.scrollIntoView();
      void this.loadDiff();
    }
    if (index !== this.snapshot || !added) await this.loadClasses(index);
  }

  private showEmpty(problem: string): void {
    this.content.hidden = true;
    this.empty.hidden = false;
    this.empty.replaceChildren(
      h('h2', {}, problem ? 'No snapshots' : 'No heap snapshot yet'),
      problem
        ? h('p', {}, problem)
        : h('p', {}, 'This page shows every object of a heap snapshot by class. Take a snapshot on the ', this.link('/tracker', 'Tracker'), ' page, or open saved snapshots:'),
      h('pre', { class: 'code' }, 'memory-profiler open before.heapsnapshot after.heapsnapshot'),
    );
  }

  /** The classes the tracker follows now (for the Track buttons). */
  private async loadTracked(): Promise<void> {
    try {
      const state = await this.context.api.tracker(this.abort.signal);
      this.tracked.clear();
      for (const t of state.tracked) this.tracked.add(t.name);
      this.table.redraw();
    } catch {
      // no tracker here: the buttons stay as they are
    }
  }

  private async track(name: string): Promise<void> {
    this.trackStatus.hidden = false;
    this.trackStatus.classList.remove('error');
    setText(this.trackStatus, `Tracking ${name}…`);
    try {
      const answer = await this.context.api.trackClass(name, false);
      this.tracked.add(answer.name);
      this.table.redraw();
      this.trackStatus.replaceChildren(
        `Tracking ${answer.name}: the tracker counts its instances in every snapshot from the next one on. See the `,
        this.link('/tracker', 'Tracker'),
        ' page.',
        answer.warning ? ` ${answer.warning.message}` : '',
      );
    } catch (e) {
      this.trackStatus.classList.add('error');
      setText(this.trackStatus, `${name} could not be tracked: ${errorText(e)}`);
    }
  }

  private link(path: string, text: string): HTMLAnchorElement {
    const a = h('a', { attrs: { href: this.context.href(path) } }, text);
    a.addEventListener('click', (e) => {
      e.preventDefault();
      this.context.navigate(path);
    });
    return a;
  }

  private async loadClasses(index: number): Promise<void> {
    const request = ++this.classesRequest;
    this.snapshot = index;
    this.expanded.clear();
    const entry = this.snapshots[index];
    setText(this.summary, entry ? `${formatCount(entry.nodeCount)} objects, ${formatBytes(entry.totalSize)}` : '');
    setText(this.status, 'Reading the classes…');
    try {
      const classes = await this.context.api.heapClasses(index, this.abort.signal);
      if (request !== this.classesRequest) return;
      this.classes = sortRows(
        classes.map((c) => ({ kind: 'class', c }) as Row),
        this.columns,
        this.sort,
      ).map((r) => (r as { c: HeapClassSummary }).c);
      setText(this.status, '');
      this.showRows();
    } catch (e) {
      if (this.abort.signal.aborted || request !== this.classesRequest) return;
      setText(this.status, `The classes could not be read: ${errorText(e)}`);
    }
  }

  /** Builds the flat row list: classes passing the filter, each expanded one followed by its objects. */
  private showRows(): void {
    const rows: Row[] = [];
    const f = this.filter;
    let shown = 0;
    for (const c of this.classes) {
      if (f && !c.name.toLowerCase().includes(f)) continue;
      shown++;
      rows.push({ kind: 'class', c });
      const open = this.expanded.get(c.name);
      if (!open) continue;
      for (const o of open.objects) rows.push({ kind: 'object', o, parent: c.name });
      if (open.loading) rows.push({ kind: 'loading', parent: c.name });
      else if (open.objects.length < open.total) rows.push({ kind: 'more', parent: c.name, loaded: open.objects.length, total: open.total });
    }
    setText(this.classCount, f ? `${formatCount(shown)} of ${formatCount(this.classes.length)} classes` : `${formatCount(this.classes.length)} classes`);
    this.table.setRows(rows);
  }

  private activate(row: Row): void {
    if (row.kind === 'class') this.toggle(row.c.name);
    else if (row.kind === 'more') void this.loadObjects(row.parent);
    else if (row.kind === 'object') void this.showObject(row.o);
  }

  private toggle(name: string): void {
    if (this.expanded.has(name)) {
      this.expanded.delete(name);
      this.showRows();
    } else {
      this.expanded.set(name, { objects: [], total: 0, loading: false });
      void this.loadObjects(name);
    }
  }

  private async loadObjects(name: string): Promise<void> {
    const open = this.expanded.get(name);
    if (!open || open.loading) return;
    open.loading = true;
    this.showRows();
    const snapshot = this.snapshot;
    try {
      const start = open.objects.length;
      const page = await this.context.api.objectsOfClass(snapshot, name, start, start + PAGE_SIZE, this.abort.signal);
      if (snapshot !== this.snapshot || this.expanded.get(name) !== open) return;
      open.objects.push(...page.objects);
      open.total = page.total;
    } catch (e) {
      if (this.abort.signal.aborted) return;
      setText(this.status, `The objects of ${isolatedString(name)} could not be read: ${errorText(e)}`);
    } finally {
      open.loading = false;
    }
    this.showRows();
  }

  private async showObjectById(id: number): Promise<void> {
    try {
      await this.showObject(await this.context.api.heapObject(this.snapshot, id, this.abort.signal), false);
    } catch (e) {
      if (!this.abort.signal.aborted) setText(this.objectHint, errorText(e));
    }
  }

  private async showObject(o: HeapObjectInfo, redrawGraph = true): Promise<void> {
    this.selectedObject = o.id;
    this.table.redraw();
    setText(this.objectTitle, `Why is ${isolatedString(o.repr)} alive?`);
    this.objectHint.hidden = true;
    this.objectFacts.replaceChildren(
      ...fact('Class', o.className),
      ...fact('Type', o.type),
      ...fact('Self size', formatBytes(o.selfSize), exactBytes(o.selfSize)),
      ...fact('Retained size', formatBytes(o.retainedSize), exactBytes(o.retainedSize)),
      ...fact('Distance from the roots', o.distance === undefined ? '—' : String(o.distance)),
    );
    if (!redrawGraph) {
      this.graph.select(o.id, false);
      return;
    }
    const request = ++this.retainersRequest;
    this.paths.replaceChildren(h('li', { class: 'muted' }, 'Finding the retainers…'));
    try {
      const graph = await this.context.api.retainers(this.snapshot, o.id, this.abort.signal);
      if (request !== this.retainersRequest) return;
      this.showRetainers(graph);
    } catch (e) {
      if (this.abort.signal.aborted || request !== this.retainersRequest) return;
      this.paths.replaceChildren(h('li', { class: 'error' }, `The retainers could not be read: ${errorText(e)}`));
    }
  }

  private showRetainers(graph: HeapRetainerGraph): void {
    this.graphBox.hidden = false;
    this.graph.setGraph(
      graph.nodes.map((n) => ({ id: n.id, label: n.repr, type: n.type, size: n.retainedSize ?? n.selfSize, target: n.target, root: n.root })),
      graph.edges.map((e) => ({ from: e.from, to: e.to, label: edgeLabel(e.edgeType, e.name) })),
    );
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    const edgeOf = new Map(graph.edges.map((e) => [`${e.from}>${e.to}`, e]));
    const items = graph.paths.map((path, i) => {
      // A path runs from the object to a root; read it from the root down, as code would reach it.
      const steps: HTMLElement[] = [];
      for (let k = path.length - 1; k >= 0; k--) {
        const node = byId.get(path[k]);
        steps.push(h('span', { class: 'path-node', title: node ? `${node.type}, ${exactBytes(node.selfSize)}` : '' }, node?.repr ?? `@${path[k]}`));
        if (k > 0) {
          const e = edgeOf.get(`${path[k]}>${path[k - 1]}`);
          steps.push(h('span', { class: 'path-edge' }, ` → ${e ? edgeLabel(e.edgeType, e.name) : '?'} → `));
        }
      }
      return h('li', { testid: `heap-path-${i}` }, ...steps);
    });
    if (!items.length) items.push(h('li', { class: 'muted' }, 'No path from a root: the object is unreachable (garbage not yet collected).'));
    if (graph.truncated) items.push(h('li', { class: 'muted' }, 'The graph was cut at its node limit; the paths are complete.'));
    this.paths.replaceChildren(...items);
  }

  private async loadDiff(): Promise<void> {
    const from = Number(this.diffFrom.value);
    const to = Number(this.diffTo.value);
    const request = ++this.diffRequest;
    setText(this.diffSummary, 'Comparing…');
    try {
      const diff = await this.context.api.diff(from, to, this.abort.signal);
      if (request !== this.diffRequest) return;
      setText(
        this.diffSummary,
        `${formatCount(diff.addedCount)} new objects (${formatBytes(diff.addedSize)}), ${formatCount(diff.removedCount)} gone (${formatBytes(diff.removedSize)}), matched by object id.`,
      );
      this.diffTable.setRows(diff.classes);
    } catch (e) {
      if (this.abort.signal.aborted || request !== this.diffRequest) return;
      setText(this.diffSummary, `The comparison failed: ${errorText(e)}`);
      this.diffTable.setRows([]);
    }
  }
}

/** Names the tracker can follow: constructor names, not groups like `(closure)` or engine-internal `system / Context`. */
function trackable(name: string): boolean {
  return name !== '' && !name.startsWith('(') && !name.includes(' / ');
}

function signed(n: number): string {
  return n > 0 ? `+${formatCount(n)}` : formatCount(n);
}
