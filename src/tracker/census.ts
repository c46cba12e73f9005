import { nameMap, ownValue } from '../common/nameMap';
import type { CensusEntry, StatsDump } from '../model';
import type { Census } from '../targets';

export interface CensusResult {
  /** Instances per name asked for (exact: the runtime collects garbage before it counts). */
  counts: Record<string, number>;
  /** Objects looked at. */
  scanned: number;
  /** Milliseconds from the request to the answer: about how long the program was paused. */
  pauseMs: number;
}

/** Counts through the target's census and times it. */
export async function takeCensus(census: Census, names: readonly string[]): Promise<CensusResult> {
  const started = performance.now();
  const { counts, scanned } = await census.count(names);
  // Copied into a null-prototype record: the names are the program's, `__proto__` among them.
  const own: Record<string, number> = Object.create(null);
  for (const name of names) own[name] = Object.hasOwn(counts, name) ? counts[name] : 0;
  return { counts: own, scanned, pauseMs: Math.round(performance.now() - started) };
}

/**
 * A census entry: exact counts per tracked class, with sizes estimated from the latest full
 * snapshot that had the class (its average retained size per instance × the count).
 */
export function censusEntry(dump: Pick<StatsDump, 'snapshots'>, result: CensusResult, timestamp: number): CensusEntry {
  const classes: CensusEntry['classes'] = nameMap();
  let basedOn: number | null = null;
  for (const [name, active] of Object.entries(result.counts)) {
    let avg = 0;
    let from: number | null = null;
    for (let i = dump.snapshots.length - 1; i >= 0; i--) {
      const stats = ownValue(dump.snapshots[i].classes, name);
      if (stats) {
        avg = stats.avg;
        from = dump.snapshots[i].index;
        break;
      }
    }
    if (from !== null) basedOn = Math.max(basedOn ?? 0, from);
    classes[name] = { active, sum: Math.round(avg * active), avg, sizesFrom: from, estimated: true };
  }
  return { timestamp, pauseMs: result.pauseMs, scanned: result.scanned, basedOn, classes };
}
