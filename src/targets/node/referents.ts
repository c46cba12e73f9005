/**
 * The function that runs inside the profiled program to list one object's referents (own data
 * properties, array elements, Map/Set entries, or a scope's variables) with a type, a shallow
 * size estimate and a short preview. It never calls getters, `toString` or Proxy traps of the
 * program's objects: values are read through property descriptors, sizes through the built-in
 * getters of Map, Set, ArrayBuffer and typed arrays, and proxies are only named.
 *
 * Called with `Runtime.callFunctionOn` on the object; it returns `[metaJson, ...values]`, where
 * `values[i]` is the i-th listed referent when that one can be expanded (objects and functions),
 * so the caller gets a remote reference to each without a second walk.
 */
export interface ListedReferent {
  name: string;
  type: string;
  size: number;
  preview: string;
  expandable: boolean;
}

export interface ListedReferents {
  total: number;
  items: ListedReferent[];
}

// Plain JavaScript (no TypeScript syntax): sent as text and compiled by the program's V8.
export const LIST_REFERENTS = `function listReferents(offset, limit, isProxy) {
  'use strict';
  const proxy = typeof isProxy === 'function' ? isProxy : () => false;
  const own = (o, k) => { try { return Object.getOwnPropertyDescriptor(o, k); } catch { return undefined; } };
  const getter = (proto, k) => own(proto, k).get;
  const mapSize = getter(Map.prototype, 'size');
  const setSize = getter(Set.prototype, 'size');
  const bufferLength = getter(ArrayBuffer.prototype, 'byteLength');
  const viewLength = getter(Object.getPrototypeOf(Uint8Array.prototype), 'byteLength');
  const elementCount = getter(Object.getPrototypeOf(Uint8Array.prototype), 'length');
  const clip = (s, n) => (s.length > n ? s.slice(0, n) + '…' : s);
  const call = (fn, self) => { try { return fn.call(self); } catch { return undefined; } };
  const isMap = (v) => call(mapSize, v) !== undefined;
  const isSet = (v) => call(setSize, v) !== undefined;
  const isBuffer = (v) => call(bufferLength, v) !== undefined;
  const isView = (v) => ArrayBuffer.isView(v);
  function ctorName(v) {
    try {
      for (let p = Object.getPrototypeOf(v), n = 0; p && n < 50; p = Object.getPrototypeOf(p), n++) {
        const c = own(p, 'constructor');
        if (c && typeof c.value === 'function') {
          const name = own(c.value, 'name');
          return (name && typeof name.value === 'string' && name.value) || 'Object';
        }
      }
    } catch {}
    return 'Object';
  }
  function fnName(f) {
    const d = own(f, 'name');
    return (d && typeof d.value === 'string' && d.value) || '(anonymous)';
  }
  function keyText(k) {
    return typeof k === 'symbol' ? '[' + String(k) + ']' : k;
  }
  function short(v) {
    switch (typeof v) {
      case 'string': return JSON.stringify(clip(v, 40));
      case 'bigint': return String(v) + 'n';
      case 'symbol': return clip(String(v), 40);
      case 'function': return 'ƒ ' + fnName(v);
      case 'object':
        if (v === null) return 'null';
        if (proxy(v)) return 'Proxy';
        if (Array.isArray(v)) return 'Array(' + v.length + ')';
        if (isMap(v)) return 'Map(' + call(mapSize, v) + ')';
        if (isSet(v)) return 'Set(' + call(setSize, v) + ')';
        return ctorName(v) === 'Object' ? '{…}' : ctorName(v);
      default: return String(v);
    }
  }
  function describe(v) {
    const t = typeof v;
    if (t === 'string') {
      const wide = v.length <= 1048576 ? /[^\\u0000-\\u00ff]/.test(v) : false;
      return { type: 'string', size: 16 + v.length * (wide ? 2 : 1), preview: JSON.stringify(clip(v, 80)) + (v.length > 80 ? ' (' + v.length + ' chars)' : ''), expandable: false };
    }
    if (t === 'number') {
      const small = Number.isInteger(v) && v >= -1073741824 && v < 1073741824 && !Object.is(v, -0);
      return { type: 'number', size: small ? 0 : 16, preview: String(v), expandable: false };
    }
    if (t === 'bigint') {
      const bits = (v < 0n ? -v : v).toString(2).length;
      return { type: 'bigint', size: 16 + 8 * Math.ceil(bits / 64), preview: String(v) + 'n', expandable: false };
    }
    if (t === 'boolean' || t === 'undefined') return { type: t, size: 0, preview: String(v), expandable: false };
    if (t === 'symbol') return { type: 'symbol', size: 32, preview: clip(String(v), 80), expandable: false };
    if (v === null) return { type: 'null', size: 0, preview: 'null', expandable: false };
    if (proxy(v)) return { type: 'Proxy', size: 32, preview: 'Proxy', expandable: false };
    if (t === 'function') {
      return { type: 'function', size: 64, preview: 'ƒ ' + fnName(v) + '()', expandable: true };
    }
    if (Array.isArray(v)) {
      const items = [];
      for (let i = 0; i < v.length && i < 5; i++) { const d = own(v, i); items.push(d && 'value' in d ? short(d.value) : ''); }
      return { type: 'Array', size: 48 + 8 * v.length, preview: clip('[' + items.join(', ') + (v.length > 5 ? ', …' : '') + ']', 100) + (v.length > 5 ? ' (' + v.length + ')' : ''), expandable: true };
    }
    if (isView(v)) {
      const bytes = call(viewLength, v) ?? 0;
      const count = call(elementCount, v);
      return { type: ctorName(v), size: 72 + bytes, preview: ctorName(v) + '(' + (count ?? bytes) + ')', expandable: true };
    }
    if (isBuffer(v)) {
      const bytes = call(bufferLength, v);
      return { type: ctorName(v), size: 48 + bytes, preview: ctorName(v) + '(' + bytes + ' bytes)', expandable: false };
    }
    if (isMap(v)) { const n = call(mapSize, v); return { type: ctorName(v), size: 48 + 28 * n, preview: 'Map(' + n + ')', expandable: true }; }
    if (isSet(v)) { const n = call(setSize, v); return { type: ctorName(v), size: 48 + 20 * n, preview: 'Set(' + n + ')', expandable: true }; }
    const name = ctorName(v);
    let keys = [];
    try { keys = Reflect.ownKeys(v); } catch {}
    if (v instanceof Date) return { type: name, size: 32, preview: call(Date.prototype.toISOString, v) ?? 'Invalid Date', expandable: true };
    if (v instanceof RegExp) return { type: name, size: 56, preview: clip(call(RegExp.prototype.toString, v) ?? '', 80), expandable: true };
    const shown = [];
    for (const k of keys.slice(0, 5)) {
      const d = own(v, k);
      shown.push(String(keyText(k)) + ': ' + (d && 'value' in d ? short(d.value) : '(accessor)'));
    }
    const body = '{' + shown.join(', ') + (keys.length > 5 ? ', …' : '') + '}';
    return { type: name, size: 24 + 8 * keys.length, preview: clip((name === 'Object' ? '' : name + ' ') + body, 120), expandable: true };
  }

  const self = this;
  const entries = []; // [name, value, accessor?]
  let total = 0;
  const end = offset + limit;
  if (proxy(self)) {
    total = 0;
  } else if (Array.isArray(self) || isView(self)) {
    total = Array.isArray(self) ? self.length : (call(elementCount, self) ?? 0);
    for (let i = offset; i < end && i < total; i++) {
      if (isView(self)) { entries.push(['[' + i + ']', self[i]]); continue; }
      const d = own(self, i);
      entries.push(['[' + i + ']', d && 'value' in d ? d.value : undefined, d && !('value' in d) ? d : undefined]);
    }
  } else if (isMap(self)) {
    total = call(mapSize, self);
    let i = 0;
    for (const [k, value] of Map.prototype.entries.call(self)) {
      if (i >= end) break;
      if (i++ >= offset) entries.push([typeof k === 'string' ? clip(k, 80) : short(k), value]);
    }
  } else if (isSet(self)) {
    total = call(setSize, self);
    let i = 0;
    for (const value of Set.prototype.values.call(self)) {
      if (i >= end) break;
      if (i >= offset) entries.push(['[' + i + ']', value]);
      i++;
    }
  } else {
    let keys = [];
    try { keys = Reflect.ownKeys(self); } catch {}
    total = keys.length;
    for (const k of keys.slice(offset, end)) {
      const d = own(self, k);
      entries.push([String(keyText(k)), d && 'value' in d ? d.value : undefined, d && !('value' in d) ? d : undefined]);
    }
  }
  const items = [];
  const values = [];
  for (const [name, value, accessor] of entries) {
    if (accessor) {
      items.push({ name, type: 'accessor', size: 0, preview: accessor.get && accessor.set ? '(getter and setter)' : accessor.get ? '(getter)' : '(setter)', expandable: false });
      values.push(undefined);
      continue;
    }
    const d = describe(value);
    items.push({ name, type: d.type, size: d.size, preview: d.preview, expandable: d.expandable });
    values.push(d.expandable ? value : undefined);
  }
  return [JSON.stringify({ total, items }), ...values];
}`;
