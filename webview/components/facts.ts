/** Small text helpers shared by the pages: label/value pairs and reference names. */
import { h, isolatedString } from '../dom';

/** A `<dt>`/`<dd>` pair for a `<dl class="facts">`. */
export function fact(label: string, value: string, title?: string): HTMLElement[] {
  return [h('dt', {}, label), h('dd', { title }, value)];
}

/** A reference as code would name it: `[3]` for an element, `name` for a property, `(map)` for an internal one. */
export function edgeLabel(edgeType: string, name: string): string {
  if (edgeType === 'element') return `[${isolatedString(name)}]`;
  if (edgeType === 'context') return `context ${isolatedString(name)}`;
  if (edgeType === 'internal' || edgeType === 'hidden') return `(${isolatedString(name || edgeType)})`;
  return name || edgeType;
}
