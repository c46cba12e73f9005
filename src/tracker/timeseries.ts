import type { StatsDump, TimeSeries } from '../model';

/**
 * The series behind the tracker's stacked chart: each tracked class's `sum`, the rest of the JS
 * heap, the resident memory outside the JS heap (per snapshot), and each heap space's used bytes
 * and the resident size from the one-second samples, and per class counted by periodic
 * censuses its estimated bytes (`census:Name`).
 */
export function timeseries(dump: Pick<StatsDump, 'snapshots' | 'timeline' | 'classes' | 'census'>): TimeSeries[] {
  const out: TimeSeries[] = [];
  const at = new Map(dump.snapshots.map((s) => [s.index, s.timestamp]));
  for (const detail of Object.values(dump.classes)) {
    out.push({ label: `class:${detail.name}`, data: detail.snapshots.map((s) => [at.get(s.index) ?? 0, s.sum]) });
  }
  out.push({ label: 'heap:other', data: dump.snapshots.map((s) => [s.timestamp, Math.max(0, s.total - s.trackedTotal)]) });
  // The profiler's own heap, when it runs inside the program's process (a separate isolate): part
  // of the resident memory outside the program's JS heap, so taken out of `outside heap`.
  if (dump.snapshots.some((s) => s.overhead > 0)) out.push({ label: 'overhead', data: dump.snapshots.map((s) => [s.timestamp, s.overhead]) });
  out.push({ label: 'outside heap', data: dump.snapshots.filter((s) => s.process).map((s) => [s.timestamp, Math.max(0, s.process!.rss - s.process!.heapTotal - s.overhead)]) });
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
  // Periodic censuses: estimated bytes per class (exact count × the latest full snapshot's average).
  const census = new Map<string, Array<[number, number]>>();
  for (const entry of dump.census ?? []) {
    for (const [name, c] of Object.entries(entry.classes)) {
      let data = census.get(name);
      if (!data) census.set(name, (data = []));
      data.push([entry.timestamp, c.sum]);
    }
  }
  for (const [name, data] of census) out.push({ label: `census:${name}`, data });
  return out;
}
