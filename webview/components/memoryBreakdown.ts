/**
 * Where resident memory goes, as one stacked bar: JS heap in use, JS heap reserved but free,
 * memory outside the heap owned by JS objects (buffers, native objects), and the rest (code,
 * stacks, the runtime itself). The parts come from different counters read at about the same
 * time, so the split is approximate; the bar says so. Segment sizes are set through the CSSOM
 * (`style.flexGrow`), which the strict CSP allows.
 */
import type { ProcessInfo } from '../../src/model';
import { h, setText } from '../dom';
import { exactBytes, formatBytes, formatPercent } from '../format';

interface Part {
  id: string;
  label: string;
  description: string;
  bytes(p: ProcessInfo): number;
}

const PARTS: Part[] = [
  { id: 'heap-used', label: 'JS heap used', description: 'JavaScript objects, live or not yet collected', bytes: (p) => p.heap.used },
  { id: 'heap-free', label: 'JS heap free', description: 'Reserved by the JavaScript heap, not in use', bytes: (p) => Math.max(0, p.heap.total - p.heap.used) },
  { id: 'external', label: 'External', description: 'Outside the heap, owned by JavaScript objects: buffers, native objects', bytes: (p) => p.heap.external },
  { id: 'other', label: 'Other', description: 'Code, stacks, the runtime and native libraries', bytes: (p) => Math.max(0, p.rss - p.heap.total - p.heap.external) },
];

export class MemoryBreakdown {
  readonly element: HTMLElement;
  private readonly segments: HTMLElement[];
  private readonly values: HTMLElement[];

  constructor() {
    this.segments = PARTS.map((part) => h('span', { class: `segment segment-${part.id}`, testid: `breakdown-${part.id}` }));
    this.values = PARTS.map((part) => h('span', { class: 'legend-value', testid: `breakdown-${part.id}-value` }, '—'));
    this.element = h(
      'div',
      { class: 'breakdown', testid: 'memory-breakdown' },
      h('div', { class: 'breakdown-track', attrs: { role: 'img', 'aria-label': 'Resident memory by part (approximate)' } }, ...this.segments),
      h(
        'div',
        { class: 'breakdown-legend' },
        ...PARTS.map((part, i) =>
          h(
            'span',
            { class: 'legend', title: part.description },
            h('span', { class: `swatch segment-${part.id}` }),
            h('span', { class: 'legend-label' }, part.label),
            this.values[i],
          ),
        ),
        h('span', { class: 'legend-note' }, 'approximate split of the resident size'),
      ),
    );
  }

  update(p: ProcessInfo | undefined): void {
    if (!p) return;
    const sizes = PARTS.map((part) => part.bytes(p));
    const whole = Math.max(
      p.rss,
      sizes.reduce((a, b) => a + b, 0),
    );
    PARTS.forEach((part, i) => {
      const bytes = sizes[i];
      this.segments[i].style.flexGrow = String(whole > 0 ? bytes / whole : 0);
      const tip = `${part.label}: ${exactBytes(bytes)} (${formatPercent(bytes, whole)}). ${part.description}`;
      this.segments[i].title = tip;
      setText(this.values[i], formatBytes(bytes), tip);
    });
  }
}
