/** A titled block of a page. */
import { type Child, h } from '../dom';

export function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return h(
    'section',
    { class: 'block', id: `section-${id}`, attrs: { 'aria-labelledby': `section-${id}-title` } },
    h('h2', { class: 'block-title', id: `section-${id}-title` }, title),
    ...children,
  );
}
