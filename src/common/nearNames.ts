/** Names close to a mistyped one: `--prot` → `--port`, a tracked `Ordr` → `Order`. */

/** Levenshtein distance, with a swap of two neighbours counted as one edit (`--prot`). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** Longest names compared: a program's name can be a whole minified source line. */
const MAX_LENGTH = 200;

/**
 * The candidates nearest to `typed` (ties in the order given, e.g. most instances first), at
 * most `max`: the same name in another case, a few edits away (about one in four letters), or
 * starting with what was typed (`Ord` → `Order`). Never `typed` itself.
 */
export function nearNames(typed: string, candidates: Iterable<string>, max = 5): string[] {
  const want = typed.toLowerCase();
  if (!want || want.length > MAX_LENGTH) return [];
  const limit = Math.max(1, Math.floor(want.length / 4));
  const found: Array<{ name: string; distance: number; order: number }> = [];
  let order = 0;
  for (const name of candidates) {
    order++;
    if (name === typed || name.length > MAX_LENGTH) continue;
    const lower = name.toLowerCase();
    // `Ord` → `Order`, `Sess` → `Session`: a prefix counts as near, after the real near misses.
    const prefix = want.length >= 3 && lower.startsWith(want);
    if (!prefix && Math.abs(lower.length - want.length) > limit) continue;
    const distance = Math.min(editDistance(want, lower), prefix ? limit + 1 : Infinity);
    if (distance <= limit + (prefix ? 1 : 0)) found.push({ name, distance, order });
  }
  found.sort((a, b) => a.distance - b.distance || a.order - b.order);
  // Only the nearest: `TrackedWidgt` is `TrackedWidget` (1 edit), not also `TrackedGadget` (3).
  const best = found.length ? found[0].distance : 0;
  return found
    .filter((f) => f.distance === best)
    .slice(0, max)
    .map((f) => f.name);
}
