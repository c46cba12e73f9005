/**
 * A tracked class (`/tracker/class/:name`): instance count and sizes, a small chart of the class
 * over the snapshots, its merged referents per snapshot as a tree, and its instances with their
 * lifetime (birth and death snapshot), preview, creation stack, size per snapshot and referent
 * tree (expanded a level at a time from the heap snapshot that last saw the instance). Worded by
 * the program's runtime (the JS heap and V8's ids of a Node program, the Python heap and the
 * agent's ids of a Python one).
 */
import type { ClassDetail, HeapAllocationFrame, HeapReference, InstanceLifetime, MergedReferent } from '../../src/model';
import { errorText } from '../api';
import { seriesColour, TimeChart } from '../components/chart';
import { Figure } from '../components/figure';
import { section } from '../components/section';
import { placeLabel, sourceLink } from '../components/sourceLink';
import { VirtualTable } from '../components/virtualTable';
import { h, setText, isolatedString } from '../dom';
import { exactBytes, formatBytes, formatCount } from '../format';
import { type RuntimeWords, runtimeWords } from '../runtime';
import { pathParam, type PageContext, type PageModule, type PageView } from './page';

const PREFIX = '/tracker/class/';

export const trackerClassPage: PageModule = {
  id: 'tracker-class',
  title: 'Tracked class',
  path: PREFIX,
  hidden: true,
  navId: 'tracker',
  match: (path) => pathParam(path, PREFIX) !== undefined,
  create: (context) => new TrackerClassPage(context, pathParam(context.path, PREFIX) ?? ''),
};

class TrackerClassPage implements PageView {
  readonly element: HTMLElement;
  private readonly abort = new AbortController();
  private detail: ClassDetail | undefined;
  private readonly message = h('p', { class: 'error', testid: 'class-message', attrs: { hidden: true, role: 'alert' } });
  private readonly count = new Figure('class-count', 'Instances', 'Instances alive in the latest snapshot');
  private readonly total = new Figure('class-total', 'Total size', 'Bytes the instances keep alive (retained), latest snapshot');
  private readonly avg = new Figure('class-avg', 'Average size', 'Retained bytes per instance');
  private readonly range = new Figure('class-range', 'Smallest / largest', 'Retained size of the smallest and largest instance');
  private readonly chart = new TimeChart({ testid: 'class-chart', label: 'The class over the snapshots', height: 180 });
  private readonly referentPicker = h('select', { class: 'select', testid: 'class-referent-snapshot', attrs: { 'aria-label': 'Snapshot' } });
  private readonly referents = h('ul', { class: 'tree', testid: 'class-referents' });
  private readonly instances: VirtualTable<InstanceLifetime>;
  private readonly instanceNote = h('p', { class: 'muted', testid: 'class-instances-note' });
  private readonly instanceDetail = h('div', { testid: 'class-instance-detail' });
  private selectedInstance: number | undefined;
  /** Tracker snapshot index → the heap snapshot it kept (for an instance's referents). */
  private heapIndexOf = new Map<number, number>();
  private words: RuntimeWords = runtimeWords(undefined);
  private readonly unsubscribe: () => void;

  constructor(
    private readonly context: PageContext,
    private readonly name: string,
  ) {
    this.instances = new VirtualTable<InstanceLifetime>({
      testid: 'class-instances',
      label: 'Instances',
      columns: [
        { id: 'id', header: 'Id', width: '130px', numeric: true, value: (i) => `@${i.id}`, sortKey: (i) => i.id },
        { id: 'repr', header: 'Instance', width: 'minmax(180px, 3fr)', value: (i) => i.repr, sortKey: (i) => i.repr },
        { id: 'lifetime', header: 'Lifetime', width: 'minmax(140px, 1.4fr)', value: (i) => lifetime(i), sortKey: (i) => i.birth ?? -1 },
        {
          id: 'size',
          header: 'Size (last seen)',
          width: '1fr',
          numeric: true,
          value: (i) => formatBytes(i.sizes.at(-1)?.[1]),
          tooltip: (i) => exactBytes(i.sizes.at(-1)?.[1]),
          sortKey: (i) => i.sizes.at(-1)?.[1] ?? 0,
        },
        { id: 'stack', header: 'Created at', width: 'minmax(160px, 2fr)', value: (i) => this.frameText(i.stack), sortKey: (i) => this.frameText(i.stack) },
      ],
      key: (i) => String(i.id),
      emptyText: 'No instance recorded yet: take a snapshot on the tracker page.',
      visibleRows: 12,
      onActivate: (i) => this.showInstance(i),
      rowClass: (i) => (i.id === this.selectedInstance ? 'selected' : ''),
    });
    this.referentPicker.addEventListener('change', () => this.showReferents(Number(this.referentPicker.value)));
    const back = h('a', { attrs: { href: context.href('/tracker') } }, '← Tracker');
    back.addEventListener('click', (e) => {
      e.preventDefault();
      context.navigate('/tracker');
    });
    this.element = h(
      'div',
      { class: 'page page-wide', testid: 'page-tracker-class' },
      back,
      h('header', { class: 'page-head' }, h('h1', { class: 'page-title', testid: 'class-name' }, name)),
      this.message,
      h('div', { class: 'figures' }, this.count.element, this.total.element, this.avg.element, this.range.element),
      section('class-chart', 'Over the snapshots', this.chart.element),
      section('class-referents', 'What the instances refer to (merged)', h('div', { class: 'toolbar' }, h('label', {}, 'Snapshot ', this.referentPicker)), this.referents),
      section('class-instances', 'Instances', this.instanceNote, this.instances.element, this.instanceDetail),
    );
    this.unsubscribe = context.live.subscribe((live) => {
      if (!live.target) return;
      const words = runtimeWords(live.target);
      if (words === this.words) return;
      this.words = words;
      if (this.detail) this.showDetail(this.detail);
    });
    void this.load();
  }

  refresh(): void {
    void this.load();
  }

  dispose(): void {
    this.unsubscribe();
    this.abort.abort();
    this.chart.dispose();
  }

  private async load(): Promise<void> {
    try {
      this.detail = await this.context.api.trackerClass(this.name, this.abort.signal);
    } catch (e) {
      if (this.abort.signal.aborted) return;
      setText(this.message, `${isolatedString(this.name)}: ${errorText(e)}`);
      this.message.hidden = false;
      return;
    }
    this.showDetail(this.detail);
    // The tracker state has the timestamps; the detail has the per-snapshot figures.
    const d = this.detail;
    const latest = d.snapshots.at(-1);
    const state = await this.context.api.tracker(this.abort.signal).catch(() => undefined);
    const times = new Map(state?.snapshots.map((s) => [s.index, s.timestamp]) ?? []);
    this.heapIndexOf = new Map(state?.snapshots.filter((s) => s.heapIndex !== undefined).map((s) => [s.index, s.heapIndex!]) ?? []);
    const rows = d.snapshots.filter((s) => times.has(s.index));
    this.chart.setData(
      rows.map((s) => times.get(s.index)!),
      [
        { label: 'total (retained)', values: rows.map((s) => s.sum), colour: seriesColour(0) },
        { label: 'own size', values: rows.map((s) => s.selfSum), colour: seriesColour(1) },
      ],
    );
    this.referentPicker.replaceChildren(...d.snapshots.map((s) => h('option', { attrs: { value: s.index } }, `#${s.index}`)));
    if (latest) {
      this.referentPicker.value = String(latest.index);
      this.showReferents(latest.index);
    }
    this.instances.setRows(d.instances);
  }

  /** The figures and the note on lifetimes, in the runtime's words. */
  private showDetail(d: ClassDetail): void {
    const latest = d.snapshots.at(-1);
    this.count.set(latest ? formatCount(latest.active) : '—', '', latest ? `in snapshot #${latest.index}` : 'no snapshot yet');
    this.total.set(latest ? formatBytes(latest.sum) : '—', latest ? exactBytes(latest.sum) : '', latest ? `${latest.pct.toFixed(2)} % of the ${this.words.heap}` : '');
    this.avg.set(
      latest ? formatBytes(Math.round(latest.avg)) : '—',
      latest ? exactBytes(Math.round(latest.avg)) : '',
      latest ? `own size ${formatBytes(latest.active ? Math.round(latest.selfSum / latest.active) : 0)}` : '',
    );
    this.range.set(
      latest ? `${formatBytes(latest.min)} / ${formatBytes(latest.max)}` : '—',
      '',
      d.tracked ? (d.tracked.trace ? 'with creation stacks' : 'tracked') : 'no longer tracked',
    );
    const numbering = this.words.allocationStacks
      ? `without creation stacks ${this.words.idGiver} numbers an object only when a snapshot first sees it`
      : `${this.words.idGiver} numbers an object only when a snapshot first sees it`;
    setText(
      this.instanceNote,
      `${formatCount(d.instances.length)} instances recorded${d.instancesTruncated ? ' (more existed than are recorded)' : ''}. Lifetimes count in snapshots; ${d.tracked?.startId !== undefined ? '“before” means it already existed when tracking began.' : `“before” means it was there at the class\u2019s first snapshot: made before tracking began, or after it but before that snapshot (${numbering}).`}`,
    );
  }

  private showReferents(index: number): void {
    const s = this.detail?.snapshots.find((x) => x.index === index);
    const tree = s?.referents ?? [];
    this.referents.replaceChildren(...tree.map((r) => referentItem(r)));
    if (!tree.length) {
      this.referents.append(
        h(
          'li',
          { class: 'muted' },
          this.detail?.tracked?.resolutionLevel
            ? 'No referents in this snapshot.'
            : 'Referents are recorded when the class is tracked with a resolution level above 0 (POST /api/tracker/classes {"name", "resolutionLevel": 2}).',
        ),
      );
    }
  }

  private frameText(stack: number | undefined): string {
    if (stack === undefined) return '';
    // the program's innermost frame: Node's own (`node:…`) fold away
    const frames = this.detail?.stacks[stack] ?? [];
    const frame = frames.find((f) => f.newAt) ?? frames.find(isProgramFrame) ?? frames[0];
    return frame ? placeLabel(frame) : '';
  }

  /** Why an instance has no creation stack, true to how the class is tracked. */
  private noStackText(i: InstanceLifetime): string {
    const tracked = this.detail?.tracked;
    if (!this.words.allocationStacks) return 'Not recorded: this runtime records no creation stacks.';
    if (!tracked?.trace) return 'Not recorded: track the class with creation stacks (trace) to see where instances are made.';
    if (i.birth === null) return 'Not recorded: it was made before allocation tracking began.';
    return `Not recorded: ${this.words.idGiver} kept no allocation stack for it.`;
  }

  private showInstance(i: InstanceLifetime): void {
    this.selectedInstance = i.id;
    this.instances.redraw();
    const stack = i.stack === undefined ? [] : (this.detail?.stacks[i.stack] ?? []);
    const ownFrames = stack.filter(isProgramFrame);
    const shown = ownFrames.length ? ownFrames : stack;
    const folded = stack.length - shown.length;
    this.instanceDetail.replaceChildren(
      h('h3', { class: 'subhead' }, i.repr),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Lifetime'),
        h('dd', {}, lifetime(i)),
        h('dt', {}, 'Size per snapshot'),
        h('dd', { testid: 'class-instance-sizes' }, i.sizes.map(([s, b]) => `#${s}: ${formatBytes(b)}`).join(', ') || '—'),
      ),
      h('h3', { class: 'subhead' }, 'Creation stack'),
      stack.length
        ? h('ol', { class: 'paths', testid: 'class-instance-stack' }, ...shown.map((f, k) => h('li', {}, sourceLink(f, this.context.openSource, `class-instance-frame-${k}`))))
        : h('p', { class: 'muted', testid: 'class-instance-no-stack' }, this.noStackText(i)),
      ...(folded ? [h('p', { class: 'muted' }, `${formatCount(folded)} frame${folded === 1 ? '' : 's'} of Node's own (node:…) not shown.`)] : []),
      ...(stack.length
        ? [
            h(
              'p',
              { class: 'muted' },
              stack.some((f) => f.newAt)
                ? 'Innermost first. The frame that ran the new points at it (found in the script); the others at the line where their function begins (V8 records functions, not lines).'
                : 'Innermost first; each frame is a function, at the line where it begins (V8 records functions, not lines).',
            ),
          ]
        : []),
      ...this.instanceReferents(i),
    );
  }

  /** The instance's referent tree in the last snapshot that saw it, a level at a time (Pympler's per-instance referents). */
  private instanceReferents(i: InstanceLifetime): HTMLElement[] {
    const seen = i.sizes.at(-1)?.[0];
    const heapIndex = seen === undefined ? undefined : this.heapIndexOf.get(seen);
    const title = h('h3', { class: 'subhead' }, seen === undefined ? 'What it refers to' : `What it refers to (snapshot #${seen})`);
    if (heapIndex === undefined) {
      return [title, h('p', { class: 'muted', testid: 'class-instance-referents-note' }, 'The heap snapshot that saw it is no longer kept.')];
    }
    const tree = h('ul', { class: 'tree', testid: 'class-instance-referents' });
    void this.fillReferents(tree, heapIndex, i.id);
    return [title, tree];
  }

  /** Lists what object `id` refers to in `tree` (100 at most; a referent expands on first opening). */
  private async fillReferents(tree: HTMLElement, heapIndex: number, id: number): Promise<void> {
    tree.replaceChildren(h('li', { class: 'muted' }, 'Loading…'));
    let page: { total: number; referents: HeapReference[] };
    try {
      page = await this.context.api.heapReferents(heapIndex, id, 0, REFERENTS_PAGE, this.abort.signal);
    } catch (e) {
      if (this.abort.signal.aborted) return;
      tree.replaceChildren(h('li', { class: 'error' }, errorText(e)));
      return;
    }
    const items = page.referents.map((r) => {
      const label = [
        h('span', { class: 't-name' }, edgeLabel(r)),
        ' → ',
        h('span', {}, r.object.repr),
        h('span', { class: 't-size' }, ` · ${formatBytes(r.object.retainedSize ?? r.object.selfSize)}`),
      ];
      const children = h('ul', { class: 'tree' });
      const details = h('details', { attrs: { 'data-id': r.object.id } }, h('summary', {}, ...label), children);
      details.addEventListener('toggle', () => {
        if (details.open && !children.childElementCount) void this.fillReferents(children, heapIndex, r.object.id);
      });
      return h('li', {}, details);
    });
    if (!items.length) items.push(h('li', { class: 'muted' }, 'It refers to nothing.'));
    if (page.total > page.referents.length) items.push(h('li', { class: 'muted' }, `… and ${formatCount(page.total - page.referents.length)} more`));
    tree.replaceChildren(...items);
  }
}

/** Referents listed per object (the API pages them). */
const REFERENTS_PAGE = 100;

/** An edge as code would write it: `.name` for properties, `[i]` for elements, else `name (type)`. */
function edgeLabel(r: HeapReference): string {
  if (r.edgeType === 'property') return `.${isolatedString(r.name)}`;
  if (r.edgeType === 'element') return `[${isolatedString(r.name)}]`;
  return `${isolatedString(r.name)} (${r.edgeType})`;
}

function lifetime(i: InstanceLifetime): string {
  const birth = i.birth === null ? 'before' : `#${i.birth}`;
  const death = i.death === null ? (i.lostAt !== undefined ? `lost at #${i.lostAt}` : 'alive') : `collected before #${i.death}`;
  return `${birth} – ${death}`;
}

/** A frame of the program, not of Node itself (`node:` scripts, the bootstrap's `internal/…`). */
function isProgramFrame(f: HeapAllocationFrame): boolean {
  return f.scriptName !== '' && !f.scriptName.startsWith('node:') && !f.scriptName.startsWith('internal/');
}

function referentItem(r: MergedReferent): HTMLElement {
  const label = [h('span', { class: 't-name' }, r.name), h('span', { class: 't-size' }, ` ×${formatCount(r.count)} · ${formatBytes(r.size)}`)];
  if (!r.children.length) return h('li', {}, h('span', { class: 'tree-leaf' }, ...label));
  const details = h('details', {}, h('summary', {}, ...label), h('ul', { class: 'tree' }, ...r.children.map(referentItem)));
  return h('li', {}, details);
}
