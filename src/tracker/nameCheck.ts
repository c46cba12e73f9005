import { nearNames } from '../common/nearNames';
import { ownValue } from '../common/nameMap';
import type { TrackWarning } from '../model';

/** The class names a program has, as a census or a heap snapshot saw them. */
export interface ProgramNames {
  source: TrackWarning['source'];
  /** For a snapshot source: which one (its index in the heap snapshots). */
  snapshot?: number;
  /** Instances per name (names with none may be absent). */
  counts: Readonly<Record<string, number>>;
  /** Classes the program has even with no instance (their prototypes); empty when unknown. */
  classes: readonly string[];
}

/**
 * The warning for tracking `name` when the program has no instance of it, with the near names it
 * has (`Ordr` → `Order`); undefined when it has instances. The names are the program's: any
 * string, `__proto__` and `toString` included, read as own keys only.
 */
export function trackWarning(name: string, names: ProgramNames): TrackWarning | undefined {
  if ((ownValue(names.counts, name) ?? 0) > 0) return undefined;
  const known = names.classes.includes(name);
  // Classes with instances first, most instances first; then those with none; never `(closure)`-like groups.
  const withInstances = Object.keys(names.counts)
    .filter((n) => names.counts[n] > 0 && !n.startsWith('('))
    .sort((a, b) => names.counts[b] - names.counts[a]);
  const seen = new Set(withInstances);
  const candidates = [...withInstances, ...names.classes.filter((n) => !seen.has(n) && !n.startsWith('('))];
  const suggestions = nearNames(name, candidates);
  const where = names.source === 'census' ? 'a census just now' : `heap snapshot #${names.snapshot ?? 0}`;
  const near = suggestions.length ? ` Near names: ${suggestions.join(', ')}.` : '';
  const message = known
    ? `${name}: no instance in the program now (${where}); the class exists and is tracked: its instances are counted once there are some.${near}`
    : `${name}: no instance in the program now (${where}) and no class of that name.${near || ' Class names are matched exactly, as the constructor is named.'} It is tracked anyway.`;
  return { name, source: names.source, suggestions, message };
}
