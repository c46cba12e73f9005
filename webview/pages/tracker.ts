/**
 * Tracker (`/tracker`): memory over the tracker's snapshots as a stacked chart (each tracked
 * class, the rest of the heap, memory outside the heap), the timeline of cheap samples taken
 * between snapshots, the snapshots, and per snapshot a table Class / Instances / Total / Average /
 * Share. Actions: take a snapshot (with progress), track or untrack a class (picked from the
 * heap's classes with search), periodic snapshots on or off. The figures are worded by the
 * program's runtime (the JS heap of a Node program, the Python heap of a Python one), and what
 * the runtime cannot give (allocation sampling, V8's external memory) is not shown.
 */
import type { ClassSnapshotStats, HeapProgress, TargetInfo, TrackerSnapshot, TrackerState, TrackWarning } from '../../src/model';
import { errorText } from '../api';
import { AllocationSitesView } from '../components/allocationSites';
import { type ChartSeries, seriesColour, TimeChart } from '../components/chart';
import { section } from '../components/section';
import { VirtualTable } from '../components/virtualTable';
import { h, setText, isolatedString } from '../dom';
import { exactBytes, formatBytes, formatClock, formatCount } from '../format';
import type { PageContext, PageModule, PageView } from './page';
import { button } from '../components/controls';
import { type RuntimeWords, runtimeWords } from '../runtime';

export const trackerPage: PageModule = {
  id: 'tracker',
  title: 'Tracker',
  path: '/tracker',
  create: (context) => new TrackerPage(context),
};

type ClassRow = ClassSnapshotStats & { name: string };
/** One tracked class in one census (a census counts every tracked class at once). */
type CensusRow = { key: string; timestamp: number; pauseMs: number; name: string; active: number; sum: number; basedOn: number | null };

export class TrackerPage implements PageView {
  readonly element: HTMLElement;
  private readonly abort = new AbortController();
  private readonly sites: AllocationSitesView;
  private state: TrackerState | undefined;
  private selected = -1;
  private readonly empty = h('div', { class: 'empty-state', testid: 'tracker-empty', attrs: { hidden: true } });
  private readonly message = h('p', { class: 'error', testid: 'tracker-message', attrs: { role: 'alert', hidden: true } });
  /** A tracked name the program has no instance of (a typo, often), with the near names it has. */
  private readonly trackWarning = h('div', { class: 'warning', testid: 'track-warning', attrs: { role: 'status', hidden: true } });
  /** Why a snapshot's heap is no longer held (the store keeps only so many); its summary here stays. */
  private readonly droppedNote = h('p', { class: 'muted', testid: 'tracker-dropped', attrs: { role: 'status', hidden: true } });
  private readonly chart = new TimeChart({ testid: 'tracker-chart', label: 'Memory per snapshot, stacked', stacked: true });
  private readonly timeline = new TimeChart({ testid: 'tracker-timeline', label: 'Memory sampled between snapshots', height: 180 });
  private readonly snapshotsTable: VirtualTable<TrackerSnapshot>;
  private readonly classTable: VirtualTable<ClassRow>;
  private readonly censusTable: VirtualTable<CensusRow>;
  private readonly censusSection: HTMLElement;
  private readonly snapshotTitle = h('span', { testid: 'tracker-snapshot-title' }, 'Snapshot');
  private readonly snapshotFacts = h('dl', { class: 'facts', testid: 'tracker-snapshot-facts' });
  private readonly actions: HTMLElement;
  private readonly snapshotButton = button({ testid: 'take-snapshot', attrs: { title: 'Take a heap snapshot now (pauses the program briefly)' } }, 'Take snapshot');
  private readonly progress = h('div', {
    class: 'progress',
    testid: 'snapshot-progress',
    attrs: { role: 'progressbar', 'aria-label': 'Snapshot progress', 'aria-valuemin': 0, 'aria-valuemax': 100, hidden: true },
  });
  private readonly progressFill = h('span', { class: 'progress-fill' });
  private readonly progressText = h('span', { class: 'muted', testid: 'snapshot-progress-text' });
  private readonly trackInput = h('input', {
    class: 'input',
    testid: 'track-input',
    attrs: { type: 'search', list: 'track-options', placeholder: 'Class name, e.g. Order', 'aria-label': 'Class to track', spellcheck: 'false', autocomplete: 'off' },
  });
  private readonly trackOptions = h('datalist', { id: 'track-options', testid: 'track-options' });
  private readonly traceBox = h('input', { testid: 'track-trace', attrs: { type: 'checkbox' } });
  private readonly traceLabel = h('label', { title: 'Record where instances are allocated (slows allocation down)' }, this.traceBox, 'with creation stacks');
  private readonly levelSelect = h(
    'select',
    { class: 'select', testid: 'track-level', attrs: { 'aria-label': 'Referents recorded to this depth' } },
    ...[0, 1, 2, 3].map((n) => h('option', { attrs: { value: n } }, n === 0 ? 'no referents' : `referents ${n} level${n > 1 ? 's' : ''} deep`)),
  );
  private readonly trackButton = button({ testid: 'track-button', appearance: 'secondary' }, 'Track');
  private readonly trackedList = h('ul', { class: 'tracked-list', testid: 'tracked-list' });
  private readonly periodicBox = h('input', { testid: 'periodic-toggle', attrs: { type: 'checkbox' } });
  private readonly periodicInterval = h('input', {
    class: 'input input-short',
    testid: 'periodic-interval',
    attrs: { type: 'number', min: 1, step: 1, value: 10, 'aria-label': 'Interval in seconds' },
  });
  private readonly periodicText = h('span', { class: 'muted', testid: 'periodic-status' });
  /** The stacked chart: the heap only by default (memory outside it would dwarf the classes). */
  private readonly outsideBox = h('input', { testid: 'chart-outside', attrs: { type: 'checkbox' } });
  private readonly outsideText = h('span', { testid: 'chart-outside-label' });
  private readonly chartNote = h('p', { class: 'muted', testid: 'tracker-chart-note' });
  /** The program, once `/api/target` has told it: its runtime words the figures. */
  private target: TargetInfo | undefined;
  private words: RuntimeWords = runtimeWords(undefined);
  private readonly trackedOnlyBox = h('input', { testid: 'chart-tracked-only', attrs: { type: 'checkbox' } });
  private heapClassNames: string[] | undefined;
  private readonly unsubscribe: Array<() => void> = [];
  private loading = 0;
  private poll: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly context: PageContext) {
    this.sites = new AllocationSitesView(context.api, this.abort.signal, context.openSource);
    this.progress.append(this.progressFill);
    this.snapshotsTable = new VirtualTable<TrackerSnapshot>({
      testid: 'tracker-snapshots',
      label: 'Snapshots',
      columns: [
        { id: 'index', header: '#', width: '48px', numeric: true, value: (s) => String(s.index), sortKey: (s) => s.index },
        { id: 'description', header: 'Description', width: 'minmax(140px, 2fr)', value: (s) => s.description || '—', sortKey: (s) => s.description },
        { id: 'time', header: 'Taken', width: '90px', value: (s) => formatClock(s.timestamp), tooltip: (s) => new Date(s.timestamp).toISOString(), sortKey: (s) => s.timestamp },
        { id: 'total', header: this.words.heap, width: '1fr', numeric: true, value: (s) => formatBytes(s.total), tooltip: (s) => exactBytes(s.total), sortKey: (s) => s.total },
        {
          id: 'tracked',
          header: 'Tracked',
          width: '1fr',
          numeric: true,
          value: (s) => formatBytes(s.trackedTotal),
          tooltip: (s) => exactBytes(s.trackedTotal),
          sortKey: (s) => s.trackedTotal,
        },
        { id: 'rss', header: 'Resident', width: '1fr', numeric: true, value: (s) => formatBytes(s.process?.rss), sortKey: (s) => s.process?.rss ?? 0 },
        {
          id: 'pause',
          header: 'Pause',
          width: '80px',
          numeric: true,
          value: (s) => `${formatCount(s.captureMs)} ms`,
          sortKey: (s) => s.captureMs,
          description: 'How long the program was paused for the snapshot',
        },
      ],
      key: (s) => String(s.index),
      emptyText: 'No snapshot yet.',
      sort: { column: 'index', descending: true },
      visibleRows: 6,
      onActivate: (s) => this.selectSnapshot(s.index),
      rowClass: (s) => (s.index === this.selected ? 'selected' : ''),
    });
    this.classTable = new VirtualTable<ClassRow>({
      testid: 'tracker-classes',
      label: 'Tracked classes in the snapshot',
      columns: [
        { id: 'name', header: 'Class', width: 'minmax(160px, 2fr)', value: (r) => r.name, sortKey: (r) => r.name },
        { id: 'active', header: 'Instances', width: '1fr', numeric: true, value: (r) => formatCount(r.active), sortKey: (r) => r.active },
        {
          id: 'sum',
          header: 'Total',
          width: '1fr',
          numeric: true,
          value: (r) => formatBytes(r.sum),
          tooltip: (r) => exactBytes(r.sum),
          sortKey: (r) => r.sum,
          description: 'Bytes the instances keep alive (retained size)',
        },
        {
          id: 'avg',
          header: 'Average',
          width: '1fr',
          numeric: true,
          value: (r) => formatBytes(Math.round(r.avg)),
          tooltip: (r) => exactBytes(Math.round(r.avg)),
          sortKey: (r) => r.avg,
        },
        {
          id: 'pct',
          header: 'Share',
          width: '1fr',
          numeric: true,
          value: (r) => `${r.pct.toFixed(2)} %`,
          sortKey: (r) => r.pct,
          description: shareText(this.words),
        },
      ],
      key: (r) => r.name,
      emptyText: 'No tracked class in this snapshot.',
      sort: { column: 'sum', descending: true },
      visibleRows: 8,
      rowClass: () => 'link',
      onActivate: (r) => context.navigate(`/tracker/class/${encodeURIComponent(r.name)}`),
    });

    // Censuses (periodic mode, or POST /api/tracker/census): exact counts, sizes estimated.
    this.censusTable = new VirtualTable<CensusRow>({
      testid: 'tracker-census',
      label: 'Censuses',
      columns: [
        { id: 'time', header: 'Taken', width: '90px', value: (r) => formatClock(r.timestamp), tooltip: (r) => new Date(r.timestamp).toISOString(), sortKey: (r) => r.timestamp },
        { id: 'name', header: 'Class', width: 'minmax(160px, 2fr)', value: (r) => r.name, sortKey: (r) => r.name },
        {
          id: 'active',
          header: 'Instances',
          width: '1fr',
          numeric: true,
          value: (r) => formatCount(r.active),
          sortKey: (r) => r.active,
          description: 'Exact: counted after a full garbage collection',
        },
        {
          id: 'sum',
          header: 'Total (est.)',
          width: '1fr',
          numeric: true,
          value: (r) => formatBytes(r.sum),
          tooltip: (r) => exactBytes(r.sum),
          sortKey: (r) => r.sum,
          description: 'Instances × their average retained size in the full snapshot the sizes come from',
        },
        { id: 'basedOn', header: 'Sizes from', width: '90px', numeric: true, value: (r) => (r.basedOn === null ? '—' : `#${r.basedOn}`), sortKey: (r) => r.basedOn ?? -1 },
        {
          id: 'pause',
          header: 'Pause',
          width: '80px',
          numeric: true,
          value: (r) => `${formatCount(Math.round(r.pauseMs))} ms`,
          sortKey: (r) => r.pauseMs,
          description: 'How long the program was paused for the census',
        },
      ],
      key: (r) => r.key,
      emptyText: 'No census yet.',
      sort: { column: 'time', descending: true },
      visibleRows: 6,
      rowClass: () => 'link',
      onActivate: (r) => context.navigate(`/tracker/class/${encodeURIComponent(r.name)}`),
    });
    this.censusSection = section(
      'tracker-census',
      'Censuses (instance counts between full snapshots)',
      h('p', { class: 'muted' }, 'Exact instance counts of the tracked classes without a heap snapshot; sizes are estimated from the latest full snapshot.'),
      this.censusTable.element,
    );

    this.snapshotButton.addEventListener('click', () => void this.takeSnapshot());
    this.trackButton.addEventListener('click', () => void this.track());
    this.trackInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') void this.track();
    });
    this.trackInput.addEventListener('focus', () => void this.loadClassNames());
    this.trackInput.addEventListener('input', () => this.fillOptions());
    this.periodicBox.addEventListener('change', () => void this.setPeriodic());
    for (const box of [this.outsideBox, this.trackedOnlyBox]) box.addEventListener('change', () => this.state && this.showChart(this.state));
    this.periodicInterval.addEventListener('change', () => {
      if (this.periodicBox.checked) void this.setPeriodic();
    });

    this.actions = h(
      'div',
      { class: 'actions', testid: 'tracker-actions' },
      h('div', { class: 'toolbar' }, this.snapshotButton, this.progress, this.progressText),
      h(
        'div',
        { class: 'toolbar' },
        h('label', {}, 'Track a class ', this.trackInput),
        this.trackOptions,
        this.traceLabel,
        h('label', { title: 'What the instances refer to, merged by name and class, per snapshot (the class page shows it)' }, this.levelSelect),
        this.trackButton,
      ),
      h(
        'div',
        { class: 'toolbar' },
        h('label', {}, this.periodicBox, 'Periodic snapshots every'),
        this.periodicInterval,
        h('span', { class: 'muted' }, 'seconds'),
        this.periodicText,
      ),
      this.trackWarning,
      h('div', { class: 'toolbar' }, h('span', { class: 'muted' }, 'Tracked:'), this.trackedList),
    );

    this.element = h(
      'div',
      { class: 'page page-wide', testid: 'page-tracker' },
      h('header', { class: 'page-head' }, h('h1', { class: 'page-title' }, 'Class tracker')),
      this.message,
      this.droppedNote,
      this.actions,
      this.empty,
      section(
        'tracker-chart',
        'Memory per snapshot',
        this.chartNote,
        h('div', { class: 'toolbar' }, h('label', {}, this.trackedOnlyBox, 'Only the tracked classes (their own scale)'), h('label', {}, this.outsideBox, this.outsideText)),
        this.chart.element,
      ),
      section('tracker-timeline', 'Timeline (sampled every second once a class is tracked, and at each snapshot)', this.timeline.element),
      section('tracker-snapshots', 'Snapshots', this.snapshotsTable.element),
      this.censusSection,
      section('tracker-snapshot', 'Tracked classes per snapshot', h('h3', { class: 'subhead' }, this.snapshotTitle), this.snapshotFacts, this.classTable.element),
      this.sites.element,
    );
    this.setWords();
    this.unsubscribe.push(
      context.live.subscribe((live) => {
        if (!live.target) return;
        const known = this.target !== undefined;
        const before = this.words;
        this.target = live.target;
        this.words = runtimeWords(live.target);
        // A runtime without allocation tracking offers no creation stacks.
        this.traceLabel.hidden = !this.canTrackAllocations;
        if (this.words !== before) this.setWords();
        // The first time the target is known (or its runtime words change): shown again.
        if ((!known || this.words !== before) && this.state) this.show(this.state);
      }),
      context.events.on('snapshot-added', () => {
        this.heapClassNames = undefined;
        void this.load();
      }),
      context.events.on('census-added', () => void this.load()),
      context.events.on('snapshot-progress', (p) => this.showProgress(p)),
      context.events.on('snapshot-dropped', (d) => {
        setText(this.droppedNote, `${d.note.charAt(0).toUpperCase()}${d.note.slice(1)}.`);
        this.droppedNote.hidden = false;
      }),
    );
    // Snapshots and censuses are pushed as events; the timeline's samples are not (one a second
    // in periodic mode): only then is the state read again now and then.
    this.poll = setInterval(() => {
      if (!document.hidden && this.state?.live && this.state.periodic) void this.load();
    }, 5_000);
    void this.load();
  }

  refresh(): void {
    this.heapClassNames = undefined;
    void this.load();
  }

  /** Allocation tracking (creation stacks, sampled allocation sites): known once the target is. */
  private get canTrackAllocations(): boolean {
    return this.target?.capabilities.includes('allocationTracking') ?? false;
  }

  /** The texts that name the runtime's heap. */
  private setWords(): void {
    const w = this.words;
    setText(this.chartNote, `Stacked: each tracked class (retained bytes) and the rest of the ${w.heap}. Click a legend entry to hide it.`);
    setText(this.outsideText, w.external ? `Add resident memory outside the ${w.heap}` : 'Add the rest of the resident size (memory outside the snapshot\u2019s objects)');
    this.snapshotsTable.setHeader('total', w.heap, `All the objects of the snapshot: the ${w.heap}`);
    this.classTable.setHeader('pct', 'Share', shareText(w));
  }

  dispose(): void {
    this.unsubscribe.forEach((u) => u());
    this.abort.abort();
    clearInterval(this.poll);
    this.chart.dispose();
    this.timeline.dispose();
  }

  async load(): Promise<void> {
    const request = ++this.loading;
    try {
      const state = await this.context.api.tracker(this.abort.signal);
      if (request !== this.loading) return;
      this.show(state);
    } catch (e) {
      if (this.abort.signal.aborted) return;
      this.say(`The tracker could not be read: ${errorText(e)}`);
    }
  }

  private say(text: string): void {
    setText(this.message, text);
    this.message.hidden = text === '';
  }

  private show(state: TrackerState): void {
    const follow = !this.state || this.selected === this.state.snapshots.length - 1;
    this.state = state;
    this.actions.hidden = !state.live;
    // a tracked name the program has no class of, however it was tracked (run --track, the API)
    if (this.trackWarning.hidden && state.warnings?.length) this.showTrackWarning(state.warnings[0]);
    else if (!this.trackWarning.hidden && this.shownWarning && !state.warnings?.some((w) => w.name === this.shownWarning)) this.showTrackWarning(undefined);
    // Sampled allocation sites: only where the runtime samples allocations (not Python).
    void this.sites.update(state.live && this.canTrackAllocations && state.tracked.some((t) => !t.trace));
    this.snapshotButton.toggleAttribute('disabled', state.busy);
    // Empty state: nothing tracked and no snapshot yet.
    const nothing = state.snapshots.length === 0;
    this.empty.hidden = !nothing;
    if (nothing) this.showEmpty(state);
    this.snapshotsTable.setRows(state.snapshots);
    this.censusSection.hidden = state.census.length === 0;
    this.censusTable.setRows(
      state.census.flatMap((c, i) =>
        Object.entries(c.classes).map(([name, k]) => ({ key: `${i}:${name}`, timestamp: c.timestamp, pauseMs: c.pauseMs, name, active: k.active, sum: k.sum, basedOn: c.basedOn })),
      ),
    );
    if (follow || this.selected >= state.snapshots.length) this.selected = state.snapshots.length - 1;
    this.selectSnapshot(this.selected);
    this.showChart(state);
    this.trackedList.replaceChildren(
      ...state.tracked.map((t) => {
        const link = h('a', { testid: `tracked-${t.name}`, attrs: { href: this.context.href(`/tracker/class/${encodeURIComponent(t.name)}`) } }, t.name);
        link.addEventListener('click', (e) => {
          e.preventDefault();
          this.context.navigate(`/tracker/class/${encodeURIComponent(t.name)}`);
        });
        const remove = h(
          'button',
          {
            class: 'chip-remove',
            testid: `untrack-${t.name}`,
            title: `Stop tracking ${isolatedString(t.name)}`,
            attrs: { type: 'button', 'aria-label': `Stop tracking ${isolatedString(t.name)}` },
          },
          '×',
        );
        remove.addEventListener('click', () => void this.untrack(t.name));
        return h('li', { class: 'chip' }, link, t.trace ? h('span', { class: 'muted' }, ' (stacks)') : null, state.live ? remove : null);
      }),
    );
    if (!state.tracked.length) this.trackedList.append(h('li', { class: 'muted' }, 'none'));
    this.periodicBox.checked = state.periodic !== null;
    if (state.periodic && document.activeElement !== this.periodicInterval) this.periodicInterval.value = String(Math.round(state.periodic.intervalMs / 1000));
    setText(this.periodicText, periodicText(state.periodic));
  }

  private showEmpty(state: TrackerState): void {
    const live = state.live;
    this.empty.replaceChildren(
      h('h2', {}, 'No tracker snapshot yet'),
      h(
        'p',
        {},
        live
          ? 'The tracker counts the instances of chosen classes in heap snapshots. Track a class above (or not: the table shows the heap either way), then take a snapshot, or switch periodic snapshots on.'
          : 'This is saved data without tracker snapshots. Record some with a running program:',
      ),
      h('p', {}, 'From the command line:'),
      h('pre', { class: 'code', testid: 'tracker-empty-cli' }, this.words.runExample),
      h('p', {}, 'From the program itself (then track classes and take snapshots on this page):'),
      h('pre', { class: 'code', testid: 'tracker-empty-code' }, this.words.programExample),
      h('p', {}, 'From a script, over the HTTP API:'),
      h(
        'pre',
        { class: 'code' },
        `curl -X POST -H 'content-type: application/json' -d '{"name":"Order"}' ${serverUrl(this.context.api.base)}/api/tracker/classes\ncurl -X POST ${serverUrl(this.context.api.base)}/api/tracker/snapshots`,
      ),
    );
  }

  private selectSnapshot(index: number): void {
    this.selected = index;
    this.snapshotsTable.redraw();
    const snapshot = this.state?.snapshots[index];
    if (!snapshot) {
      setText(this.snapshotTitle, 'No snapshot');
      this.snapshotFacts.replaceChildren();
      this.classTable.setRows([]);
      return;
    }
    setText(this.snapshotTitle, `Snapshot #${snapshot.index}${snapshot.description ? ` “${isolatedString(snapshot.description)}”` : ''} at ${formatClock(snapshot.timestamp)}`);
    const p = snapshot.process;
    const w = this.words;
    const facts: Array<[string, string, string?]> = [
      [`${w.heap} (all objects)`, formatBytes(snapshot.total), exactBytes(snapshot.total)],
      ['Tracked classes', formatBytes(snapshot.trackedTotal), exactBytes(snapshot.trackedTotal)],
      ['Profiler overhead', snapshot.overhead ? formatBytes(snapshot.overhead) : 'not measurable (separate process)'],
    ];
    if (p) {
      facts.push(['Resident size', formatBytes(p.rss), exactBytes(p.rss)], ['Virtual size', formatBytes(p.vsz), exactBytes(p.vsz)]);
      if (w.family === 'python') {
        // CPython counts no heap bytes of its own: tracemalloc's, when it traces (else 0: not shown).
        if (p.heapUsed > 0 || p.heapTotal > 0)
          facts.push(['Traced by tracemalloc', formatBytes(p.heapUsed), exactBytes(p.heapUsed)], ['Traced peak', formatBytes(p.heapTotal), exactBytes(p.heapTotal)]);
      } else {
        if (w.heapTotal && (w.family === 'v8' || p.heapTotal > 0)) facts.push([w.heapTotal, formatBytes(p.heapTotal), exactBytes(p.heapTotal)]);
        if (w.external && (w.family === 'v8' || p.external > 0)) facts.push(['External', formatBytes(p.external), exactBytes(p.external)]);
      }
    }
    if (snapshot.idReset) facts.push(['Object ids', 'reset before this snapshot: lifetimes are cut here']);
    this.snapshotFacts.replaceChildren(...facts.flatMap(([k, v, t]) => [h('dt', {}, k), h('dd', { title: t }, v)]));
    this.classTable.setRows(Object.entries(snapshot.classes).map(([name, stats]) => ({ name, ...stats })));
  }

  private showChart(state: TrackerState): void {
    const snapshots = state.snapshots;
    const x = snapshots.map((s) => s.timestamp);
    const byLabel = new Map(state.timeseries.map((t) => [t.label, new Map(t.data)]));
    const at = (label: string, fallback: (s: TrackerSnapshot) => number | null) => snapshots.map((s) => byLabel.get(label)?.get(s.timestamp) ?? fallback(s));
    const names = [...new Set([...state.tracked.map((t) => t.name), ...snapshots.flatMap((s) => Object.keys(s.classes))])];
    const series: ChartSeries[] = names.map((name, i) => ({
      label: name,
      values: at(`class:${name}`, (s) => (Object.hasOwn(s.classes, name) ? s.classes[name].sum : null)),
      colour: seriesColour(i),
    }));
    // In-process profiling: the profiler thread's own heap (a separate isolate); 0 for another process.
    const trackedOnly = this.trackedOnlyBox.checked && names.length > 0;
    if (!trackedOnly) {
      if (snapshots.some((s) => s.overhead > 0)) series.push({ label: 'profiler overhead', values: at('overhead', (s) => s.overhead), colour: '#c2185b' });
      const w = this.words;
      series.push({ label: `rest of the ${w.heap}`, values: at('heap:other', (s) => Math.max(0, s.total - s.trackedTotal)), colour: '#8a8a8a' });
      if (this.outsideBox.checked) {
        if (w.external)
          series.push({
            label: `outside the ${w.heap}`,
            values: at('outside heap', (s) => (s.process ? Math.max(0, s.process.rss - s.process.heapTotal) : null)),
            colour: '#5a5a5a',
          });
        // No heap figure to take from the resident size (Python): what the snapshot's objects do not account for.
        else series.push({ label: 'rest of the resident size', values: snapshots.map((s) => (s.process ? Math.max(0, s.process.rss - s.total) : null)), colour: '#5a5a5a' });
      }
    }
    this.chart.setData(x, series);

    // The timeline: resident size and each heap space's used bytes, from the samples.
    // Periodic censuses add `census:Name` (estimated bytes: exact count × the last full snapshot's average).
    const samples = state.timeseries.filter((t) => t.label === 'rss' || ((t.label.startsWith('space:') || t.label.startsWith('census:')) && t.data.some(([, v]) => v > 0)));
    const times = [...new Set(samples.flatMap((t) => t.data.map(([ts]) => ts)))].sort((a, b) => a - b);
    this.timeline.setData(
      times,
      samples.map((t, i) => {
        const m = new Map(t.data);
        const label =
          t.label === 'rss'
            ? 'resident size'
            : t.label.startsWith('census:')
              ? `${isolatedString(t.label.slice('census:'.length))} (census, est.)`
              : t.label.slice('space:'.length);
        return { label, values: times.map((ts) => m.get(ts) ?? null), colour: seriesColour(i) };
      }),
    );
  }

  private showProgress(p: (HeapProgress & { description?: string }) | undefined): void {
    if (!p) return;
    const fraction = p.totalBytes ? (p.bytes ?? 0) / p.totalBytes : p.total ? p.done / p.total : 0;
    this.progress.hidden = false;
    this.progressFill.style.transform = `scaleX(${Math.max(0, Math.min(1, fraction))})`;
    this.progress.setAttribute('aria-valuenow', String(Math.round(fraction * 100)));
    setText(this.progressText, `${p.phase}${p.total ? ` ${Math.round(fraction * 100)} %` : ''}`);
  }

  private async takeSnapshot(): Promise<void> {
    this.snapshotButton.setAttribute('disabled', '');
    this.say('');
    this.progress.hidden = false;
    this.progressFill.style.transform = 'scaleX(0)';
    setText(this.progressText, 'Taking a snapshot…');
    try {
      await this.context.api.takeSnapshot(`snapshot from the UI at ${formatClock(Date.now())}`);
      setText(this.progressText, 'Done');
    } catch (e) {
      this.say(`The snapshot failed: ${errorText(e)}`);
      setText(this.progressText, '');
    } finally {
      this.snapshotButton.removeAttribute('disabled');
      this.progress.hidden = true;
    }
    this.selected = Number.MAX_SAFE_INTEGER;
    await this.load();
  }

  private async loadClassNames(): Promise<void> {
    if (this.heapClassNames) return;
    this.heapClassNames = [];
    try {
      const snapshots = await this.context.api.snapshots(this.abort.signal);
      if (!snapshots.length) {
        this.heapClassNames = undefined;
        return;
      }
      const classes = await this.context.api.heapClasses(snapshots.length - 1, this.abort.signal);
      // Largest first: the likely suspects come first in the suggestions.
      this.heapClassNames = classes
        .filter((c) => !c.name.startsWith('('))
        .sort((a, b) => b.retainedSize - a.retainedSize)
        .map((c) => c.name);
      this.fillOptions();
    } catch {
      this.heapClassNames = undefined;
    }
  }

  /** The suggestions: at most 50 classes whose name contains what was typed. */
  private fillOptions(): void {
    const typed = this.trackInput.value.trim().toLowerCase();
    const names = (this.heapClassNames ?? []).filter((n) => !typed || n.toLowerCase().includes(typed)).slice(0, 50);
    this.trackOptions.replaceChildren(...names.map((n) => h('option', { attrs: { value: n } })));
  }

  private async track(): Promise<void> {
    const name = this.trackInput.value.trim();
    if (!name) return;
    this.say('');
    this.showTrackWarning(undefined);
    try {
      const tracked = await this.context.api.trackClass(name, this.traceBox.checked, Number(this.levelSelect.value) || undefined);
      this.trackInput.value = '';
      this.showTrackWarning(tracked.warning);
    } catch (e) {
      this.say(`${isolatedString(name)} could not be tracked: ${errorText(e)}`);
    }
    await this.load();
  }

  /** The server's warning as text, each near name a button that tracks it instead of the mistyped one. */
  private shownWarning: string | undefined;
  private showTrackWarning(warning: TrackWarning | undefined): void {
    this.shownWarning = warning?.name;
    this.trackWarning.hidden = !warning;
    if (!warning) {
      this.trackWarning.replaceChildren();
      return;
    }
    const message = h('p', { testid: 'track-warning-text' });
    setText(message, warning.message);
    const near = warning.suggestions.map((name) => {
      const pick = button(
        { testid: 'track-suggestion', appearance: 'secondary', attrs: { title: `Track ${isolatedString(name)} instead of ${isolatedString(warning.name)}` } },
        name,
      );
      pick.addEventListener('click', () => void this.trackInstead(warning.name, name));
      return pick;
    });
    this.trackWarning.replaceChildren(message);
    if (near.length) this.trackWarning.append(h('div', { class: 'toolbar' }, h('span', { class: 'muted' }, 'Track instead:'), ...near));
  }

  private async trackInstead(mistyped: string, name: string): Promise<void> {
    try {
      await this.context.api.untrackClass(mistyped);
    } catch {
      // untracked meanwhile: nothing to undo
    }
    this.trackInput.value = name;
    await this.track();
  }

  private async untrack(name: string): Promise<void> {
    try {
      await this.context.api.untrackClass(name);
    } catch (e) {
      this.say(`${isolatedString(name)} could not be untracked: ${errorText(e)}`);
    }
    await this.load();
  }

  private async setPeriodic(): Promise<void> {
    this.say('');
    try {
      if (this.periodicBox.checked) {
        const seconds = Math.max(1, Number(this.periodicInterval.value) || 10);
        await this.context.api.startPeriodic(seconds * 1000);
      } else {
        await this.context.api.stopPeriodic();
      }
    } catch (e) {
      this.say(`Periodic snapshots could not be changed: ${errorText(e)}`);
    }
    await this.load();
  }
}

/** What a class's share is of. */
function shareText(w: RuntimeWords): string {
  return `Share of the ${w.heap} (the snapshot\u2019s objects), not of the resident size`;
}

/** The periodic mode in words: on or off, how, and what it cost so far. */
function periodicText(p: TrackerState['periodic']): string {
  if (!p) return 'off';
  const parts = [p.mode === 'full' ? 'on: full snapshots' : p.mode === 'census' ? 'on: a census (instance counts) every interval, full snapshots as the budget allows' : 'on'];
  const budget = Math.round(p.budget * 100);
  parts.push(`pause budget ${budget} % of the time`);
  if (p.elapsedMs) {
    const paused = (100 * (p.pausedMs ?? 0)) / p.elapsedMs;
    // The first full snapshot is taken at once (sizes to carry over); the later pauses wait for credit.
    const over = paused > budget ? ' (above the budget so far: the first full snapshot is taken at once, the later pauses wait until the budget covers them)' : '';
    parts.push(
      `${plural(p.censuses ?? 0, 'census', 'censuses')} and ${plural(p.fullSnapshots ?? 0, 'full snapshot', 'full snapshots')} so far, paused ${paused.toFixed(1)} % of the time${over}`,
    );
  }
  if (p.nextAt) parts.push(`next at ${formatClock(p.nextAt)}`);
  if (p.lastError) parts.push(`last error: ${p.lastError}`);
  return parts.join('; ');
}

/** The server's absolute URL (for commands to copy), from the API base the page uses. */
function serverUrl(apiBase: string): string {
  return new URL(`${apiBase || '.'}/`, location.href).href.replace(/\/$/, '');
}

/** `1 census`, `2 censuses`. */
function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
