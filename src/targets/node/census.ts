import type { CdpConnection } from '../../cdp';
import { profilerExpression } from './profilerCode';

const GROUP = 'memory-profiler-census';
let censusSeq = 0;

/**
 * Evaluated in the program once, when the tracker attaches: captures the few builtins the
 * census needs, before the program can patch them (a program may replace
 * `Object.getPrototypeOf`, `Map.prototype.get`, `Function.prototype.call`…; patched ones would
 * run its code during the census and could fake counts). Returns the census function, which the
 * tracker holds by reference in its own object group, out of the program's reach.
 *
 * The census counts the objects in `all` (every object whose prototype chain reaches
 * `Object.prototype`, as `Runtime.queryObjects` found them) by their constructor's name, for the
 * names asked for. The constructor is found through the prototype chain's own data properties
 * (no getter, no proxy trap runs), and objects that own `constructor` (prototypes) are skipped,
 * so a class's prototype object is not counted as one of its instances. It calls no method
 * through a prototype: only the captured functions, prototype-free objects and plain syntax.
 */
const CAPTURE = `(() => {
  const getProto = Object.getPrototypeOf;
  const describe = Object.getOwnPropertyDescriptor;
  const hasOwn = Object.hasOwn;
  const apply = Reflect.apply;
  const MapConstructor = Map;
  const mapGet = Map.prototype.get;
  const mapSet = Map.prototype.set;
  return function memoryProfilerCensus(all, names) {
    const wanted = { __proto__: null };
    const counts = { __proto__: null };
    for (let i = 0; names !== null && i < names.length; i++) {
      wanted[names[i]] = true;
      counts[names[i]] = 0;
    }
    const cache = new MapConstructor();
    const nameOf = (proto) => {
      let name = apply(mapGet, cache, [proto]);
      if (name !== undefined) return name;
      name = null;
      for (let p = proto; p !== null; p = getProto(p)) {
        const d = describe(p, 'constructor');
        if (d === undefined) continue;
        if (hasOwn(d, 'value') && typeof d.value === 'function') {
          const n = describe(d.value, 'name');
          if (n !== undefined && hasOwn(n, 'value') && typeof n.value === 'string') name = n.value;
        }
        break;
      }
      apply(mapSet, cache, [proto, name]);
      return name;
    };
    const length = all.length;
    if (names === null) {
      // Every name: instances per constructor name, and the classes the program has (their
      // prototypes, which own \`constructor\`) even when none of their instances lives.
      const classes = { __proto__: null };
      for (let i = 0; i < length; i++) {
        const o = all[i];
        try {
          const own = hasOwn(o, 'constructor');
          const name = nameOf(own ? o : getProto(o));
          if (name === null) continue;
          if (own) classes[name] = true;
          else counts[name] = (counts[name] === undefined ? 0 : counts[name]) + 1;
        } catch {}
      }
      return { counts, classes, scanned: length };
    }
    // Objects of one class often come together: the last prototype's name saves a lookup.
    let lastProto;
    let lastName = null;
    for (let i = 0; i < length; i++) {
      const o = all[i];
      try {
        if (hasOwn(o, 'constructor')) continue;
        const proto = getProto(o);
        if (proto !== lastProto) {
          lastProto = proto;
          lastName = nameOf(proto);
        }
        if (lastName !== null && wanted[lastName] === true) counts[lastName]++;
      } catch {}
    }
    return { counts, scanned: length };
  };
})()`;

/** Calls the captured census function (`this`) with syntax alone: no `.call` the program could patch. */
const RUN = 'function (all, names) { return this(all, names); }';

const INTRINSICS_GROUP = 'memory-profiler-intrinsics';
const captured = new WeakMap<CdpConnection, Promise<string>>();

/**
 * Captures the census's builtins in the program now (see CAPTURE). The Node target calls this as
 * it attaches; a census calls it again only when the program's context was replaced.
 */
export function prepareCensus(connection: CdpConnection): Promise<string> {
  let ready = captured.get(connection);
  if (!ready) {
    ready = connection.send('Runtime.evaluate', { expression: profilerExpression(CAPTURE), objectGroup: INTRINSICS_GROUP, silent: true }).then((r) => {
      const id = (r as { result: { objectId?: string } }).result.objectId;
      if (!id) throw new Error('the census could not be prepared in the program');
      return id;
    });
    captured.set(connection, ready);
    ready.catch(() => captured.delete(connection));
  }
  return ready;
}

/**
 * A census without a heap snapshot (see docs/V8-NOTES.md, ~140× cheaper on a real heap):
 * `Runtime.evaluate('Object.prototype')` → `Runtime.queryObjects` (a full GC, then every object
 * that inherits from it) → count by constructor name in the program → release the objects. It
 * gives counts, not sizes.
 */

export function countInstances(connection: CdpConnection, names: readonly string[]): Promise<{ counts: Record<string, number>; scanned: number }> {
  return queryCensus(connection, [...names]);
}

/**
 * Every constructor name of the program's objects with its instance count, and the names of its
 * classes (those with a prototype object), instances or not: what a mistyped tracked name is
 * compared with.
 */
export async function allClassNames(connection: CdpConnection): Promise<{ counts: Record<string, number>; classes: string[] }> {
  const { counts, classes } = await queryCensus(connection, null);
  return { counts, classes: Object.keys(classes ?? {}) };
}

async function queryCensus(connection: CdpConnection, names: string[] | null): Promise<{ counts: Record<string, number>; scanned: number; classes?: Record<string, true> }> {
  // Each census has its own object group: releasing one must not free another's objects.
  const group = `${GROUP}-${++censusSeq}`;
  try {
    const proto = await connection.send('Runtime.evaluate', { expression: 'Object.prototype', objectGroup: group, silent: true });
    const protoId = (proto as { result: { objectId?: string } }).result.objectId;
    if (!protoId) throw new Error('the census could not reach Object.prototype');
    const found = await connection.send('Runtime.queryObjects', { prototypeObjectId: protoId, objectGroup: group });
    const arrayId = (found as { objects: { objectId?: string } }).objects.objectId;
    if (!arrayId) throw new Error('Runtime.queryObjects returned no objects');
    const census = await prepareCensus(connection);
    const counted = await connection
      .send('Runtime.callFunctionOn', { functionDeclaration: RUN, objectId: census, arguments: [{ objectId: arrayId }, { value: names }], returnByValue: true, silent: true })
      .catch((e: unknown) => {
        // The captured function is gone with the context it lived in: capture again.
        captured.delete(connection);
        throw e;
      });
    const { result, exceptionDetails } = counted as {
      result: { value?: { counts: Record<string, number>; scanned: number; classes?: Record<string, true> } };
      exceptionDetails?: { text: string };
    };
    if (exceptionDetails || !result.value) throw new Error(`the census failed in the program: ${exceptionDetails?.text ?? 'no result'}`);
    return result.value;
  } finally {
    if (!connection.isClosed) await connection.send('Runtime.releaseObjectGroup', { objectGroup: group }).catch(() => {});
  }
}
