/**
 * Objects keyed by a program's names (class names, mostly). A program may name a class
 * `toString`, `constructor` or `__proto__`: on a plain object such a key reads Object.prototype's
 * member, and assigning `__proto__` replaces the prototype. These objects have no prototype, so
 * every name is an ordinary key; they serialise to the same JSON as plain objects.
 */
export type NameMap<T> = Record<string, T>;

/** A new, empty map with no prototype. */
export function nameMap<T>(): NameMap<T> {
  return Object.create(null) as NameMap<T>;
}

/** A prototype-free copy of an object's own enumerable entries (e.g. one `JSON.parse` made). */
export function toNameMap<T>(from: Readonly<Record<string, T>> | undefined | null): NameMap<T> {
  const out = nameMap<T>();
  if (from) for (const [key, value] of Object.entries(from)) out[key] = value;
  return out;
}

/** The value under `key` when it is the object's own, whatever the object's prototype. */
export function ownValue<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}
