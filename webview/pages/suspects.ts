/**
 * Leak suspects (`/garbage/suspects`), memlab's method: objects allocated after a baseline
 * snapshot and still alive in the two latest, one group per retainer path (what varies from one
 * leaked object to the next, such as array indexes, Map slots and dictionary keys, collapsed),
 * largest retained size first. Every group is reachable: the server answers a page at a time and
 * "Show more" asks for the next. A click on a group shows its whole retainer path, where its
 * objects were allocated (when traced) and some of their ids. The baseline is picked among the
 * tracker snapshots (default: the third latest, as the API's) and kept in the URL
 * (`?baseline=N`); groups of engine and Node internals are behind a toggle that counts them.
 */
import type { LeakSuspectGroup, LeakSuspects, TrackerSnapshot } from '../../src/model';
import { errorText } from '../api';
import { fact } from '../components/facts';
import { section } from '../components/section';
import { placeLabel, sourceLink } from '../components/sourceLink';
import { VirtualTable } from '../components/virtualTable';
import { h, isolatedString, setText } from '../dom';
import { exactBytes, formatBytes, formatClock, formatCount } from '../format';
import type { PageContext, PageModule, PageView } from './page';

export const suspectsPage: PageModule = {
  id: 'suspects',
  title: 'Leak suspects',
  path: '/garbage/suspects',
  hidden: true,
  navId: 'garbage',
  create: (context) => new SuspectsPage(context),
};

/** Groups asked for at a time. */
const PAGE_SIZE = 50;

interface Row extends LeakSuspectGroup {
  rank: number;
}

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** The group's allocation site: recorded with its objects' stacks, else as sampled. */
function siteText(g: LeakSuspectGroup): string {
  if (g.allocatedAt) return placeLabel(g.allocatedAt);
  return g.sampledAt ? `${placeLabel(g.sampledAt)} (sampled)` : '';
}

function link(context: PageContext, path: string, text: string, testid: string): HTMLElement {
  const a = h('a', { testid, attrs: { href: context.href(path) } }, text);
  a.addEventListener('click', (e) => {
    e.preventDefault();
    context.navigate(path);
  });
  return a;
}

class SuspectsPage implements PageView {
  readonly element: HTMLElement;
  private readonly abort = new AbortController();
  private readonly summary = h('p', { class: 'muted', testid: 'suspects-summary' });
  private readonly baselinePicker = h('select', { class: 'select', testid: 'suspects-baseline', attrs: { 'aria-label': 'Baseline snapshot' } });
  private readonly engineBox = h('input', { testid: 'suspects-show-engine', attrs: { type: 'checkbox' } });
  private readonly engineLabel = h('span', { testid: 'suspects-engine-label' });
  private readonly engineToggle = h('label', { class: 'toggle', testid: 'suspects-engine-toggle' }, this.engineBox, ' ', this.engineLabel);
  /** The baseline asked for (`?baseline=N`, then the picker); undefined: the API's default. */
  private baseline: number | undefined;
  private readonly empty = h('div', { class: 'empty-state', testid: 'suspects-empty', attrs: { hidden: true } });
  private readonly content = h('div', { attrs: { hidden: true } });
  private readonly more = h('vscode-button', { testid: 'suspects-more', attrs: { appearance: 'secondary' } }, 'Show more');
  private readonly pageNote = h('span', { class: 'muted', testid: 'suspects-page-note' });
  private readonly detail = h('div', { testid: 'suspect-detail' }, h('p', { class: 'muted' }, 'Click a group (or press Enter on it) to see its retainer path.'));
  private readonly table: VirtualTable<Row>;
  private rows: Row[] = [];
  private report: LeakSuspects | undefined;
  private selected: number | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly context: PageContext) {
    this.table = new VirtualTable<Row>({
      testid: 'suspects',
      label: 'Leak suspect groups',
      columns: [
        { id: 'rank', header: '#', width: '56px', numeric: true, value: (g) => String(g.rank + 1), sortKey: (g) => g.rank },
        { id: 'class', header: 'Class', width: 'minmax(140px, 2fr)', value: (g) => g.className, sortKey: (g) => g.className },
        { id: 'count', header: 'Objects', width: '90px', numeric: true, value: (g) => formatCount(g.count), sortKey: (g) => g.count },
        {
          id: 'retained',
          header: 'Retained',
          width: '100px',
          numeric: true,
          value: (g) => formatBytes(g.retainedSize),
          tooltip: (g) => exactBytes(g.retainedSize),
          sortKey: (g) => g.retainedSize,
          description: 'What the group\u2019s objects keep alive, themselves included',
        },
        { id: 'self', header: 'Self', width: '90px', numeric: true, value: (g) => formatBytes(g.selfSize), tooltip: (g) => exactBytes(g.selfSize), sortKey: (g) => g.selfSize },
        { id: 'path', header: 'Held by', width: 'minmax(240px, 4fr)', value: (g) => g.path.slice(-3).join(' / '), tooltip: (g) => g.path.join('\n') },
        { id: 'site', header: 'Allocated at', width: 'minmax(160px, 2fr)', value: (g) => siteText(g), sortKey: (g) => siteText(g) },
      ],
      key: (g) => String(g.rank),
      emptyText: 'Nothing allocated after the baseline is still alive.',
      sort: { column: 'rank', descending: false },
      visibleRows: 14,
      rowClass: (g) => (g.rank === this.selected ? 'selected link' : 'link'),
      onActivate: (g) => this.select(g),
    });
    this.more.addEventListener('click', () => void this.loadMore());
    const asked = context.query.get('baseline');
    if (asked !== null && /^\d{1,9}$/.test(asked)) this.baseline = Number(asked);
    this.engineBox.checked = context.query.get('engine') === '1';
    this.baselinePicker.addEventListener('change', () => {
      this.baseline = Number(this.baselinePicker.value);
      this.keepInUrl();
      void this.load();
    });
    this.engineBox.addEventListener('change', () => {
      this.keepInUrl();
      void this.load();
    });
    this.content.append(
      h('div', { class: 'toolbar' }, h('label', {}, 'Baseline ', this.baselinePicker), this.engineToggle),
      this.summary,
      section('suspects-groups', 'Groups, largest retained size first', this.table.element, h('div', { class: 'toolbar' }, this.more, this.pageNote)),
      section('suspect-detail', 'Selected group', this.detail),
    );
    this.element = h(
      'div',
      { class: 'page page-wide', testid: 'page-suspects' },
      link(context, '/garbage', '\u2190 Collected garbage', 'suspects-back'),
      h('header', { class: 'page-head' }, h('h1', { class: 'page-title' }, 'Leak suspects')),
      this.empty,
      this.content,
    );
    this.unsubscribe = context.events.on('snapshot-added', () => void this.load());
    void this.load();
  }

  refresh(): void {
    void this.load();
  }

  dispose(): void {
    this.unsubscribe();
    this.abort.abort();
  }

  private async load(): Promise<void> {
    let report: LeakSuspects;
    try {
      // Ask the tracker first: without three snapshots there is nothing to ask the suspects API.
      const state = await this.context.api.tracker(this.abort.signal);
      if (!state.live) return this.explain('This is saved data: leak suspects come from the heap snapshots of a running program.');
      if (state.snapshots.length < 3) {
        const n = state.snapshots.length;
        return this.explain(
          `There ${n === 1 ? 'is one tracker snapshot' : `are ${n ? formatCount(n) : 'no'} tracker snapshots`} yet; leak suspects need three tracker snapshots: a baseline, then two after the work that leaks.`,
        );
      }
      // the baseline: one of the snapshots before the two latest, still held (default: the third latest)
      const choices = state.snapshots.slice(0, -2);
      const held = (s: TrackerSnapshot | undefined) => s !== undefined && s.heapIndex !== undefined;
      if (this.baseline !== undefined && !held(choices[this.baseline])) this.baseline = undefined;
      this.fillBaselines(choices, this.baseline ?? choices.length - 1);
      report = await this.context.api.suspects(0, PAGE_SIZE, this.options(), this.abort.signal);
    } catch (e) {
      if (this.abort.signal.aborted) return;
      return this.explain(errorText(e));
    }
    this.report = report;
    this.rows = [];
    this.selected = undefined;
    this.append(report);
    this.empty.hidden = true;
    this.content.hidden = false;
    this.baselinePicker.value = String(report.baseline);
    const engine = report.engineGroups;
    const programGroups = this.engineBox.checked ? report.totalGroups - engine : report.totalGroups;
    setText(
      this.summary,
      `${formatCount(report.objects)} objects of the program were allocated after tracker snapshot #${report.baseline} and are still alive in #${report.target} and #${report.final}, in ${plural(programGroups, 'group')} by retainer path${
        engine ? `; ${plural(engine, 'more group')} (${plural(report.engineObjects, 'object')}) are V8's or Node's own` : ''
      }. Objects held inside another suspect count in its retained size, not as groups of their own.`,
    );
    this.engineToggle.hidden = engine === 0;
    setText(
      this.engineLabel,
      `Show engine and Node internals (literal boilerplates, Node's parsers, requests and timers): ${plural(engine, 'group')}, ${plural(report.engineObjects, 'object')} ${
        this.engineBox.checked ? 'shown' : 'hidden'
      }`,
    );
  }

  private options(): { baseline?: number; engine?: boolean } {
    return { baseline: this.baseline, engine: this.engineBox.checked };
  }

  private keepInUrl(): void {
    const q = new URLSearchParams();
    if (this.baseline !== undefined) q.set('baseline', String(this.baseline));
    if (this.engineBox.checked) q.set('engine', '1');
    this.context.setQuery?.(q);
  }

  private fillBaselines(choices: readonly TrackerSnapshot[], value: number): void {
    this.baselinePicker.replaceChildren(
      ...choices.map((s) =>
        h(
          'option',
          { attrs: { value: s.index, disabled: s.heapIndex === undefined } },
          `#${s.index} ${isolatedString(s.description || 'snapshot')} · ${formatClock(s.timestamp)}${s.heapIndex === undefined ? ' · dropped' : ''}`,
        ),
      ),
    );
    this.baselinePicker.value = String(value);
  }

  private explain(problem: string): void {
    this.content.hidden = true;
    this.empty.replaceChildren(
      h('h2', {}, 'No leak suspects to show'),
      h('p', { testid: 'suspects-problem' }, problem),
      h(
        'p',
        {},
        'Leak suspects are objects made after a baseline snapshot that are still alive two snapshots later. Take a snapshot on the ',
        link(this.context, '/tracker', 'Tracker', 'suspects-tracker-link'),
        ' page, let the program run through the work that leaks, then take two more.',
      ),
    );
    this.empty.hidden = false;
  }

  private async loadMore(): Promise<void> {
    const report = this.report;
    if (!report) return;
    try {
      const next = await this.context.api.suspects(this.rows.length, PAGE_SIZE, this.options(), this.abort.signal);
      // a new snapshot meanwhile changes the groups: start over
      if (next.final !== report.final || next.baseline !== report.baseline) return void this.load();
      this.append(next);
    } catch (e) {
      if (!this.abort.signal.aborted) setText(this.pageNote, `The next groups could not be read: ${errorText(e)}`);
    }
  }

  private append(page: LeakSuspects): void {
    page.groups.forEach((g, i) => this.rows.push({ ...g, rank: page.offset + i }));
    this.table.setRows(this.rows);
    const total = page.totalGroups;
    this.more.hidden = this.rows.length >= total;
    setText(
      this.pageNote,
      this.rows.length >= total
        ? total === 1
          ? 'The one group shown.'
          : `All ${formatCount(total)} groups shown.`
        : `${formatCount(this.rows.length)} of ${formatCount(total)} groups shown.`,
    );
  }

  private select(g: Row): void {
    this.selected = g.rank;
    this.table.redraw();
    const site = g.allocatedAt;
    this.detail.replaceChildren(
      h('h3', { class: 'subhead', testid: 'suspect-detail-class' }, `${g.className} \u00d7${formatCount(g.count)}`),
      h(
        'dl',
        { class: 'facts' },
        ...fact('Objects', formatCount(g.count)),
        ...fact('Retained', formatBytes(g.retainedSize), exactBytes(g.retainedSize)),
        ...fact('Self', formatBytes(g.selfSize), exactBytes(g.selfSize)),
        ...(site
          ? [
              h('dt', {}, 'Allocated at'),
              h(
                'dd',
                { testid: 'suspect-detail-site' },
                sourceLink(site, this.context.openSource, 'suspect-detail-site-link'),
                ` (${formatCount(site.count)} of ${formatCount(g.count)})`,
              ),
            ]
          : g.sampledAt
            ? [
                h('dt', {}, 'Allocated at'),
                h(
                  'dd',
                  { testid: 'suspect-detail-site' },
                  sourceLink(g.sampledAt, this.context.openSource, 'suspect-detail-site-link'),
                  ` (sampled: of the program's functions that make ${g.className}, the one holding the most live memory, ${formatBytes(g.sampledAt.liveBytes)} of all kinds)`,
                ),
              ]
            : fact('Allocated at', 'not recorded: track a class with creation stacks (trace) before the objects are made, or without them to sample where memory is allocated')),
        ...fact('Some ids', g.sampleIds.map((id) => `@${id}`).join(' ')),
      ),
      h('h3', { class: 'subhead' }, 'Retainer path, from the GC roots'),
      h('ol', { class: 'paths', testid: 'suspect-detail-path' }, ...g.path.map((step) => h('li', {}, step)), h('li', {}, g.className)),
    );
  }
}
