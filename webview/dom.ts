/**
 * DOM building without HTML strings. Strings always become text nodes or attribute values, so
 * text from the profiled program can never turn into markup. Nothing in webview/ uses innerHTML.
 *
 * Text that can change the direction of what surrounds it (right-to-left letters, bidi controls
 * such as U+202E RIGHT-TO-LEFT OVERRIDE) is isolated: in a `<bdi>` when appended, with
 * `unicode-bidi: isolate` when set with `setText`. A program's string then cannot reorder the
 * profiler's own text around it.
 */

export type Child = Node | string | null | undefined | false;

export interface Props {
  id?: string;
  class?: string;
  /** Sets `data-testid`. */
  testid?: string;
  title?: string;
  /** Other attributes, set with `setAttribute` (values are never parsed as HTML). */
  attrs?: Record<string, string | number | boolean | undefined>;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, props?: Props, ...children: Child[]): HTMLElement;
export function h(tag: string, props: Props = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  if (props.id) element.id = props.id;
  if (props.class) element.className = props.class;
  if (props.testid) element.dataset.testid = props.testid;
  if (props.title) element.title = props.title;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

/** Right-to-left letters (Hebrew, Arabic, Syriac, Thaana, N'Ko… and their presentation forms) and bidi controls. */
const DIRECTIONAL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;

/** Whether a string could reorder the text around it, so it must be isolated. */
export function needsIsolation(text: string): boolean {
  return DIRECTIONAL.test(text);
}

/** CSS class (styles.css) that bidi-isolates an element's text. */
export const ISOLATE_CLASS = 'bidi-isolate';

/** A string as a node: a text node, or a `<bdi>` holding it when it could reorder its neighbours. */
export function textNode(text: string): Node {
  if (!needsIsolation(text)) return document.createTextNode(text);
  const bdi = document.createElement('bdi');
  bdi.textContent = text;
  return bdi;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? textNode(child) : child);
  }
}

/**
 * Sets text (and optionally the tooltip) only when it changed, so live updates don't churn the
 * DOM; the element is bidi-isolated while its text needs it.
 */
export function setText(element: HTMLElement, text: string, title?: string): void {
  if (element.textContent !== text) {
    element.textContent = text;
    element.classList.toggle(ISOLATE_CLASS, needsIsolation(text));
  }
  if (title !== undefined && element.title !== title) element.title = title;
}

/** A string for a single-line context that takes no markup (the document title): wrapped in FSI … PDI when it needs isolation. */
export function isolatedString(text: string): string {
  return needsIsolation(text) ? `\u2068${text}\u2069` : text;
}

const SVG = 'http://www.w3.org/2000/svg';

/** A small 16×16 stroke icon from path data (built with DOM calls, no markup). */
export function icon(pathData: string): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true');
  svg.classList.add('icon');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', pathData);
  svg.appendChild(path);
  return svg;
}
