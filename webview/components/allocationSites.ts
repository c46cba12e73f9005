/**
 * Where the program allocates what is still alive, as V8's sampling heap profiler estimates it
 * (`GET /api/tracker/allocation-sites`): the fallback for classes tracked without creation
 * stacks. Sampling covers the whole program, not one class, so the list is the program's.
 */
import type { AllocationSites } from '../../src/model';
import { type Api, errorText } from '../api';
import { h, setText } from '../dom';
import { exactBytes, formatBytes, formatClock } from '../format';
import { section } from './section';
import { sourceLink } from './sourceLink';

/** Sites shown; the route gives at most 100. */
const SHOWN = 20;

export class AllocationSitesView {
  private readonly note = h('p', { class: 'muted', testid: 'allocation-sites-note' });
  private readonly list = h('ol', { class: 'paths', testid: 'allocation-sites' });
  readonly element = section('allocation-sites', 'Where live memory was allocated (sampled)', this.note, this.list);
  private loading = 0;

  constructor(
    private readonly api: Api,
    private readonly signal: AbortSignal,
    private readonly openSource?: (url: string, line: number, column: number) => void,
  ) {
    this.element.hidden = true;
  }

  /** Reads the sites again when sampling runs (a class is tracked without creation stacks). */
  async update(sampling: boolean): Promise<void> {
    const request = ++this.loading;
    if (!sampling) {
      this.element.hidden = true;
      return;
    }
    let sites: AllocationSites;
    try {
      sites = await this.api.call('GET /api/tracker/allocation-sites', {}, { signal: this.signal });
    } catch (e) {
      if (this.signal.aborted || request !== this.loading) return;
      this.element.hidden = false;
      setText(this.note, `The allocation sites could not be read: ${errorText(e)}`);
      this.list.replaceChildren();
      return;
    }
    if (request !== this.loading) return;
    this.element.hidden = false;
    setText(
      this.note,
      `Live bytes by the program function that allocated them, for the whole program, sampled about every ${formatBytes(sites.samplingInterval)} allocated since ${formatClock(sites.since)}` +
        ' (a class tracked without creation stacks starts the sampling). Estimates: each sample stands for its interval.',
    );
    this.list.replaceChildren(
      ...sites.sites
        .slice(0, SHOWN)
        .map((s, i) =>
          h(
            'li',
            { testid: `allocation-site-${i}` },
            h('span', { class: 't-size', title: exactBytes(s.liveBytes) }, `${formatBytes(s.liveBytes)} `),
            sourceLink(s, this.openSource, `allocation-site-${i}-link`),
          ),
        ),
    );
    if (!sites.sites.length) this.list.append(h('li', { class: 'muted' }, 'No sample yet: the program has allocated little since sampling began.'));
  }
}
