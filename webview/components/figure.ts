/** A labelled figure ("Resident size  48.3 MiB") with an optional second line; fixed size, so updates don't move anything. */
import { h, setText } from '../dom';

export class Figure {
  readonly element: HTMLElement;
  private readonly value: HTMLElement;
  private readonly note: HTMLElement;

  /** `id` becomes the value element's id and test id (e.g. `rss`), so tests read `#rss`. */
  constructor(id: string, label: string, description: string) {
    this.value = h('div', { id, testid: id, class: 'figure-value' }, '—');
    this.note = h('div', { class: 'figure-note', testid: `${id}-note` }, '\u00a0');
    this.element = h(
      'section',
      { class: 'figure', attrs: { 'aria-labelledby': `${id}-label` } },
      h('div', { class: 'figure-label', id: `${id}-label`, title: description }, label),
      this.value,
      this.note,
    );
  }

  set(value: string, title = '', note?: string): void {
    setText(this.value, value, title);
    if (note !== undefined) setText(this.note, note || '\u00a0');
  }
}
