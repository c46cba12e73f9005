/**
 * DOM building without HTML strings. Strings always become text nodes or attribute values, so
 * text from the profiled program can never turn into markup. Nothing in webview/ uses innerHTML.
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

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Sets text (and optionally the tooltip) only when it changed, so live updates don't churn the DOM. */
export function setText(element: HTMLElement, text: string, title?: string): void {
  if (element.textContent !== text) element.textContent = text;
  if (title !== undefined && element.title !== title) element.title = title;
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
