/**
 * Time charts of bytes (the tracker's stacked memory chart, its timeline, a class over time).
 *
 * Why uPlot: it is small (~50 KB), fast (canvas, draws 100 000 points in milliseconds) and
 * needs no inline styles or `<style>` injection: its CSS is bundled into app.css (the import
 * below) and it positions its cursor and legend through the CSSOM, which the strict CSP allows.
 * Its legend shows the values under the cursor (the tooltips) as text nodes.
 *
 * Stacked areas: uPlot has no stacking mode; we pass cumulative values (bottom series first),
 * fill each band down to the previous one, and show the series' own values in the legend.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h, isolatedString } from '../dom';
import { exactBytes, formatBytes } from '../format';

export interface ChartSeries {
  label: string;
  /** One value per x (null = no value). */
  values: Array<number | null>;
  colour: string;
}

export interface ChartOptions {
  testid: string;
  label: string;
  stacked?: boolean;
  height?: number;
  /** Draws points (few x values). */
  points?: boolean;
  /** Format for the y values (default: bytes). */
  format?(value: number): string;
}

/** A colour per series index, from VS Code's chart colours then a few more. */
export function seriesColour(i: number): string {
  const names = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red'];
  const fallback = ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#4ec9b0', '#ce9178', '#c586c0', '#dcdcaa', '#9cdcfe'];
  if (i < names.length) {
    const v = getComputedStyle(document.body).getPropertyValue(names[i]).trim();
    if (v) return v;
  }
  return fallback[i % fallback.length];
}

/** The shortest time axis, in seconds. */
const MIN_SPAN_S = 60;
/** Steps of a byte axis: 1, 2, 4… 512 bytes, KiB, MiB, GiB, TiB. */
const BYTE_STEPS = [0, 1, 2, 3, 4].flatMap((k) => [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].map((m) => m * 1024 ** k));

export class TimeChart {
  readonly element: HTMLElement;
  private plot: uPlot | undefined;
  private readonly observer: ResizeObserver;
  /** Canvas colours are read once per plot: a theme change (body class) redraws it. */
  private readonly themeObserver = new MutationObserver(() => {
    if (!this.last) return;
    this.shape = '';
    this.setData(this.last.x, this.last.series);
  });
  private last: { x: number[]; series: ChartSeries[] } | undefined;
  private shape = '';
  private readonly noData: HTMLElement;
  private xSpan: uPlot.Range.MinMax = [0, 1];

  constructor(private readonly options: ChartOptions) {
    this.element = h('div', { class: 'chart', testid: options.testid, attrs: { role: 'img', 'aria-label': options.label } });
    this.noData = h('p', { class: 'muted chart-no-data', testid: `${options.testid}-no-data`, attrs: { hidden: true } }, 'No data yet.');
    // Room for the plot and its legend from the start, so the page does not jump when data arrives.
    this.element.style.minHeight = `${(options.height ?? 260) + 36}px`;
    this.observer = new ResizeObserver(() => {
      const width = this.width();
      if (this.plot && Math.abs(this.plot.width - width) > 2) this.plot.setSize({ width, height: this.options.height ?? 260 });
    });
    this.observer.observe(this.element);
    this.themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  /** `x` in milliseconds since the epoch. */
  setData(x: number[], series: ChartSeries[]): void {
    this.last = { x, series };
    // No points: words, not an axis at the epoch (1970).
    this.noData.hidden = x.length > 0;
    if (!x.length) {
      this.plot?.destroy();
      this.plot = undefined;
      this.shape = '';
      this.element.dataset.points = '0';
      this.element.dataset.series = series.map((s) => s.label).join('|');
      if (!this.noData.isConnected) this.element.append(this.noData);
      return;
    }
    const shape = series.map((s) => s.label + s.colour).join('|');
    const format = this.options.format ?? formatBytes;
    const raw = series.map((s) => s.values);
    const drawn = this.options.stacked ? cumulative(raw) : raw;
    const data = [x.map((t) => t / 1000), ...drawn] as uPlot.AlignedData;
    // One point alone would stretch the time axis over years, two a second apart label it in
    // milliseconds: the axis spans a minute at least, around the points.
    const first = x[0] / 1000; // x ascends
    const last = x[x.length - 1] / 1000;
    const room = Math.max(0, MIN_SPAN_S - (last - first)) / 2;
    this.xSpan = [first - room, last + room];
    this.element.dataset.points = String(x.length);
    this.element.dataset.series = series.map((s) => s.label).join('|');
    if (this.plot && shape === this.shape) {
      this.plot.setData(data);
      return;
    }
    this.shape = shape;
    this.plot?.destroy();
    const style = getComputedStyle(document.body);
    const fg = style.getPropertyValue('--vscode-descriptionForeground').trim() || '#9d9d9d';
    const grid = style.getPropertyValue('--vscode-widget-border').trim() || '#80808040';
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const opts: uPlot.Options = {
      width: this.width(),
      height: this.options.height ?? 260,
      // From our own points: uPlot widens one point's time axis by 1000 days before asking.
      scales: { x: { time: true, range: () => this.xSpan } },
      cursor: { drag: { x: true, y: false } },
      hooks: { setScale: [(u, key) => key === 'x' && this.showRange(u)] },
      legend: { live: true },
      // bytes step by powers of two (16 MiB, 32 MiB…), not by tens (which label 47.7 MiB)
      // (the labels drawn are kept in data-x-ticks and data-y-ticks, for tests)
      axes: [
        { ...axis, values: (_u, ticks) => this.labelled('xTicks', timeLabels(ticks)) },
        {
          ...axis,
          size: 70,
          incrs: this.options.format ? undefined : BYTE_STEPS,
          values: (_u, ticks) =>
            this.labelled(
              'yTicks',
              ticks.map((v) => withoutTrailingZeros(format(v))),
            ),
        },
      ],
      series: [
        { label: 'Time' },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.colour,
          width: 1.5,
          // a sample a series lacks (a snapshot between timeline samples) does not break its line
          spanGaps: true,
          fill: this.options.stacked ? withAlpha(s.colour, 0.55) : undefined,
          points: { show: this.options.points ?? x.length < 40 },
          value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) => {
            const v = idx === null ? null : raw[i][idx];
            return v === null || v === undefined ? '—' : format(v);
          },
        })),
      ],
      bands: this.options.stacked ? series.slice(1).map((_, i) => ({ series: [i + 2, i + 1] as [number, number] })) : undefined,
    };
    this.plot = new uPlot(opts, data, this.element);
    this.plot.root.title = '';
  }

  private labelled(key: 'xTicks' | 'yTicks', labels: string[]): string[] {
    this.element.dataset[key] = labels.join('|');
    return labels;
  }

  /** The time axis's span in ms since the epoch, as `data-x-range="min..max"` (tests). */
  private showRange(u: uPlot): void {
    const x = u.scales.x;
    if (x?.min != null && x.max != null) this.element.dataset.xRange = `${Math.round(x.min * 1000)}..${Math.round(x.max * 1000)}`;
  }

  /** Values under the cursor as the legend shows them (tests and screen readers). */
  describe(): string {
    if (!this.last) return '';
    return this.last.series.map((s) => `${isolatedString(s.label)}: ${exactBytes(s.values.at(-1) ?? 0)}`).join('; ');
  }

  dispose(): void {
    this.observer.disconnect();
    this.themeObserver.disconnect();
    this.plot?.destroy();
  }

  private width(): number {
    return Math.max(320, this.element.clientWidth || 800);
  }
}

/** Clock times of ticks (seconds since the epoch): to the second, with the day when they span days. */
function timeLabels(ticks: number[]): string[] {
  const days = ticks.length > 1 && ticks[ticks.length - 1] - ticks[0] >= 86_400;
  const two = (n: number) => String(n).padStart(2, '0');
  return ticks.map((t) => {
    const d = new Date(t * 1000);
    const clock = `${two(d.getHours())}:${two(d.getMinutes())}${days ? '' : `:${two(d.getSeconds())}`}`;
    return days ? `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${clock}` : clock;
  });
}

/** `16.0 MiB` → `16 MiB`, `1.50 MiB` → `1.5 MiB` (an axis's steps are round). */
function withoutTrailingZeros(label: string): string {
  return label.replace(/\.(\d*?)0+(?=\D|$)/, (_m, kept: string) => (kept ? `.${kept}` : ''));
}

/** Running sums, bottom series first (nulls count as 0 in the sum). */
function cumulative(series: Array<Array<number | null>>): Array<Array<number | null>> {
  const out: Array<Array<number | null>> = [];
  let below: number[] = [];
  for (const s of series) {
    const sums = s.map((v, i) => (below[i] ?? 0) + (v ?? 0));
    out.push(sums);
    below = sums;
  }
  return out;
}

/** `#rrggbb` (or `#rrggbbaa`) with the given alpha; other colour syntaxes pass unchanged. */
function withAlpha(colour: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(colour);
  if (!m) return colour;
  return `#${m[1]}${Math.round(alpha * 255)
    .toString(16)
    .padStart(2, '0')}`;
}
