/**
 * A table on the toolkit's data grid whose rows are keyed and updated in place: a live refresh
 * changes only the text of cells whose value changed, so nothing jumps or loses focus. Cell text is
 * set with `textContent` only. Cells get `data-testid="<grid>-<row key>-<column id>"`.
 */
import { h, setText } from '../dom';
import { gridParts } from './controls';

export interface Column<R> {
  id: string;
  header: string;
  /** A CSS grid track, e.g. `2fr` or `minmax(120px, 1fr)`. */
  width: string;
  /** Right-aligned, tabular figures. */
  numeric?: boolean;
  value(row: R): string;
  tooltip?(row: R): string;
  /** Draws a small bar behind the value: a fraction in [0, 1]. */
  fraction?(row: R): number;
}

interface RowView {
  element: HTMLElement;
  cells: Array<{ cell: HTMLElement; text: HTMLElement; fill?: HTMLElement }>;
}

export class KeyedGrid<R> {
  readonly element: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly rows = new Map<string, RowView>();

  constructor(
    private readonly testid: string,
    private readonly columns: Array<Column<R>>,
    private readonly key: (row: R) => string,
    emptyText: string,
  ) {
    this.grid = gridParts.grid({
      testid,
      class: 'grid',
      attrs: { 'generate-header': 'none', 'grid-template-columns': columns.map((c) => c.width).join(' '), 'aria-label': testid },
    });
    const header = gridParts.row({ attrs: { 'row-type': 'sticky-header' } });
    columns.forEach((column, i) => {
      header.append(gridParts.cell({ class: column.numeric ? 'numeric' : undefined, attrs: { 'cell-type': 'columnheader', 'grid-column': i + 1 } }, column.header));
    });
    this.grid.append(header);
    this.empty = h('p', { class: 'empty', testid: `${testid}-empty`, attrs: { hidden: true } }, emptyText);
    this.element = h('div', { class: 'grid-wrap' }, this.grid, this.empty);
  }

  update(rows: readonly R[]): void {
    const seen = new Set<string>();
    let previous: HTMLElement | undefined;
    for (const row of rows) {
      const key = this.key(row);
      if (seen.has(key)) continue;
      seen.add(key);
      let view = this.rows.get(key);
      if (!view) {
        view = this.createRow(key);
        this.rows.set(key, view);
      }
      this.fill(view, row);
      // Keep the server's order; move a row only when it is out of place.
      const expected: Element | null = previous ? previous.nextElementSibling : (this.grid.firstElementChild?.nextElementSibling ?? null);
      if (view.element !== expected) this.grid.insertBefore(view.element, expected);
      previous = view.element;
    }
    for (const [key, view] of this.rows) {
      if (!seen.has(key)) {
        view.element.remove();
        this.rows.delete(key);
      }
    }
    this.empty.hidden = rows.length > 0;
    this.grid.hidden = rows.length === 0;
  }

  private createRow(key: string): RowView {
    const element = gridParts.row({ attrs: { 'data-key': key } });
    const cells = this.columns.map((column, i) => {
      const text = h('span', { class: 'cell-text' });
      let fill: HTMLElement | undefined;
      const cell = gridParts.cell({
        class: [column.numeric ? 'numeric' : '', column.fraction ? 'has-bar' : ''].join(' ').trim() || undefined,
        testid: `${this.testid}-${key}-${column.id}`,
        attrs: { 'grid-column': i + 1 },
      });
      if (column.fraction) {
        fill = h('span', { class: 'cell-bar-fill' });
        cell.append(h('span', { class: 'cell-bar', attrs: { 'aria-hidden': 'true' } }, fill));
      }
      cell.append(text);
      element.append(cell);
      return { cell, text, fill };
    });
    return { element, cells };
  }

  private fill(view: RowView, row: R): void {
    this.columns.forEach((column, i) => {
      const { cell, text, fill } = view.cells[i];
      setText(text, column.value(row));
      const tooltip = column.tooltip?.(row) ?? '';
      if (cell.title !== tooltip) cell.title = tooltip;
      if (fill && column.fraction) {
        const f = Math.max(0, Math.min(1, column.fraction(row) || 0));
        fill.style.transform = `scaleX(${f})`;
      }
    });
  }
}
