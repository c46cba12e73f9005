import type { StatsDump, TimeSeries } from '../model';

/**
 * The series behind the tracker's stacked chart: each tracked class's `sum`, the rest of the JS
 * heap, the resident memory outside the JS heap (per snapshot), and each heap space's used bytes
 * and the resident size from the one-second samples.
 */
export function timeseries(dump: Pick<StatsDump, 'snapshots' | 'timeline' | 'classes'>): TimeSeries[] {
  const out: TimeSeries[] = [];
  const at = new Map(dump.snapshots.map((s) => [s.index, s.timestamp]));
  for (const detail of Object.values(dump.classes)) {
    out.push({ label: `class:${detail.name}`, data: detail.snapshots.map((s) => [at.get(s.index) ?? 0, s.sum]) });
  }
  out.push({ label: 'heap:other', data: dump.snapshots.map((s) => [s.timestamp, Math.max(0, s.total - s.trackedTotal)]) });
  out.push({ label: 'outside heap', data: dump.snapshots.filter((s) => s.process).map((s) => [s.timestamp, Math.max(0, s.process!.rss - s.process!.heapTotal)]) });
  const spaces = new Map<string, Array<[number, number]>>();
  for (const sample of dump.timeline) {
    for (const space of sample.spaces) {
      let data = spaces.get(space.name);
      if (!data) spaces.set(space.name, (data = []));
      data.push([sample.timestamp, space.used]);
    }
  }
  for (const [name, data] of spaces) out.push({ label: `space:${name}`, data });
  out.push({ label: 'rss', data: dump.timeline.map((s) => [s.timestamp, s.rss]) });
  return out;
}
