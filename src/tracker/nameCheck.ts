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
export function trackWarning(name: string, names: ProgramNames, aliases?: readonly string[]): TrackWarning | undefined {
  // Where the target resolves names (Python's `Inner` → `Outer.Inner`): the names it stands for.
  const forms = aliases?.length ? aliases : [name];
  if (forms.some((form) => (ownValue(names.counts, form) ?? 0) > 0)) return undefined;
  const known = !!aliases?.length || forms.some((form) => names.classes.includes(form));
  // Classes with instances first, most instances first; then those with none; never `(closure)`-like groups.
  const withInstances = Object.keys(names.counts)
    .filter((n) => names.counts[n] > 0 && !n.startsWith('('))
    .sort((a, b) => names.counts[b] - names.counts[a]);
  const seen = new Set(withInstances);
  const candidates = [...withInstances, ...names.classes.filter((n) => !seen.has(n) && !n.startsWith('('))];
  let suggestions = nearNames(name, candidates);
  if (!suggestions.length && aliases !== undefined) {
    // Compared by their last part too: `Innr` → `Outer.Inner`, `app.Ordr` or `app.Order` (the
    // program's module is `__main__`) → `Order`.
    const byLast = new Map<string, string>();
    for (const c of candidates) {
      const last = c.slice(c.lastIndexOf('.') + 1);
      if (!byLast.has(last)) byLast.set(last, c);
    }
    const typedLast = name.slice(name.lastIndexOf('.') + 1);
    const same = byLast.get(typedLast);
    suggestions = same !== undefined && same !== name ? [same] : nearNames(typedLast, byLast.keys()).map((last) => byLast.get(last)!);
  }
  const where = names.source === 'census' ? 'a census just now' : `heap snapshot #${names.snapshot ?? 0}`;
  const near = suggestions.length ? ` Near names: ${suggestions.join(', ')}.` : '';
  const rule =
    aliases !== undefined
      ? ' Class names are matched by bare, qualified or module-qualified name (Order, Outer.Inner, app.Order).'
      : ' Class names are matched exactly, as the constructor is named.';
  const shown = forms.length === 1 && forms[0] === name ? name : `${name} (${forms.join(', ')})`;
  const message = known
    ? `${shown}: no instance in the program now (${where}); the class exists and is tracked: its instances are counted once there are some.${near}`
    : `${shown}: no instance in the program now (${where}) and no class of that name.${near || rule} It is tracked anyway.`;
  return { name, source: names.source, suggestions, message };
}
