/**
 * A virtualised table for big lists (100 000 classes of a heap snapshot): only the rows in view
 * (plus a few) exist in the DOM, a fixed pool of row elements is refilled on scroll, so scrolling
 * costs the same at 100 rows or 100 000. Rows have a fixed height; a spacer gives the scroll bar
 * its full length. Sizes and positions are set through the CSSOM (`style.height`,
 * `style.transform`), which the strict CSP allows. Cell text is set with `textContent` only.
 *
 * Sorting: a click on a header (or Enter on it) sorts by that column, again reverses. By default
 * the table sorts its rows itself; with `onSort` the owner sorts (e.g. to keep child rows under
 * their parent) and passes the rows again.
 *
 * Keyboard: the body is focusable; ↑ ↓ PageUp PageDown Home End move the active row, Enter or
 * Space activates it, → and ← are passed to `onKey` (expand, collapse).
 *
 * Cells get `data-testid="<table>-<row key>-<column id>"`, rows `data-key`.
 */
import { h, setText } from '../dom';

export interface VColumn<R> {
  id: string;
  header: string;
  /** A CSS grid track, e.g. `2fr` or `minmax(120px, 1fr)`. */
  width: string;
  numeric?: boolean;
  value(row: R): string;
  tooltip?(row: R): string;
  /** Sort key; without it the column is not sortable. */
  sortKey?(row: R): number | string;
  /** Header tooltip. */
  description?: string;
  /**
   * A button in the cell (after its text): its label for the row, none for no button; a click
   * runs `onClick` and does not activate the row.
   */
  action?: { label(row: R): string | undefined; title?(row: R): string; onClick(row: R): void };
}

export interface SortState {
  column: string;
  descending: boolean;
}

export interface VirtualTableOptions<R> {
  testid: string;
  columns: Array<VColumn<R>>;
  key(row: R): string;
  emptyText: string;
  /** Pixels; must match the CSS row height (`--vt-row-height`). */
  rowHeight?: number;
  /** Rows visible at once (the body's height). */
  visibleRows?: number;
  sort?: SortState;
  /** The owner sorts: called on a header click with the new state. */
  onSort?(sort: SortState): void;
  onActivate?(row: R, index: number): void;
  onKey?(row: R, key: string): void;
  /** Extra classes for a row, e.g. `child`, `selected`. */
  rowClass?(row: R): string;
  /** Indentation level of a row's first cell (tree rows). */
  level?(row: R): number;
  label: string;
}

interface RowView {
  element: HTMLElement;
  cells: HTMLElement[];
  texts: HTMLElement[];
  /** Per column, its action button (see `VColumn.action`). */
  actions: Array<HTMLButtonElement | undefined>;
  index: number;
}

/** Rows drawn beyond the visible ones on each side, so a quick scroll shows no gap. */
const OVERSCAN = 8;

export class VirtualTable<R> {
  readonly element: HTMLElement;
  private rows: readonly R[] = [];
  private readonly body: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly window: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly headers = new Map<string, HTMLElement>();
  private pool: RowView[] = [];
  private readonly rowHeight: number;
  private readonly visibleRows: number;
  private frame = 0;
  private active = -1;
  private sortState: SortState | undefined;
  /** Milliseconds the last render of the visible rows took (the benchmark reads it). */
  lastRenderMs = 0;

  constructor(private readonly options: VirtualTableOptions<R>) {
    this.rowHeight = options.rowHeight ?? 24;
    this.visibleRows = options.visibleRows ?? 16;
    this.sortState = options.sort;
    const template = options.columns.map((c) => c.width).join(' ');
    const head = h('div', { class: 'vt-head', attrs: { role: 'row' } });
    for (const column of options.columns) {
      const cell = h(
        'div',
        {
          class: `vt-cell vt-header${column.numeric ? ' numeric' : ''}${column.sortKey ? ' sortable' : ''}`,
          testid: `${options.testid}-header-${column.id}`,
          title: column.description,
          attrs: { role: 'columnheader', tabindex: column.sortKey ? 0 : undefined },
        },
        h('span', { class: 'vt-header-text' }, column.header),
        h('span', { class: 'vt-sort', attrs: { 'aria-hidden': 'true' } }),
      );
      if (column.sortKey) {
        cell.addEventListener('click', () => this.sortBy(column.id));
        cell.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            this.sortBy(column.id);
          }
        });
      }
      this.headers.set(column.id, cell);
      head.append(cell);
    }
    this.spacer = h('div', { class: 'vt-spacer' });
    this.window = h('div', { class: 'vt-window', attrs: { role: 'rowgroup' } });
    this.body = h(
      'div',
      {
        class: 'vt-body',
        testid: `${options.testid}-body`,
        attrs: { tabindex: 0, role: 'rowgroup', 'aria-label': `${options.label} (use the arrow keys)` },
      },
      this.spacer,
      this.window,
    );
    this.body.style.height = `${this.visibleRows * this.rowHeight}px`;
    this.body.addEventListener('scroll', () => this.schedule(), { passive: true });
    this.body.addEventListener('keydown', (e) => this.onKeyDown(e));
    this.window.addEventListener('click', (e) => {
      const rowElement = (e.target as HTMLElement).closest<HTMLElement>('.vt-row');
      if (!rowElement) return;
      const index = Number(rowElement.dataset.index);
      if (!(index >= 0 && index < this.rows.length)) return;
      this.setActive(index, false);
      options.onActivate?.(this.rows[index], index);
    });
    this.empty = h('p', { class: 'empty', testid: `${options.testid}-empty`, attrs: { hidden: true } }, options.emptyText);
    this.element = h(
      'div',
      {
        class: 'vt',
        testid: options.testid,
        attrs: { role: 'grid', 'aria-label': options.label, 'aria-rowcount': 0 },
      },
      head,
      this.body,
      this.empty,
    );
    this.element.style.setProperty('--vt-columns', template);
    this.element.style.setProperty('--vt-row-height', `${this.rowHeight}px`);
    this.showSort();
  }

  get sort(): SortState | undefined {
    return this.sortState;
  }

  get length(): number {
    return this.rows.length;
  }

  /** Sets the rows (sorted here unless the owner sorts) and redraws what is in view. */
  /** Changes a column's header text and tooltip (words that depend on the program's runtime). */
  setHeader(id: string, header: string, description?: string): void {
    const cell = this.headers.get(id);
    const text = cell?.querySelector<HTMLElement>('.vt-header-text');
    if (!cell || !text) return;
    setText(text, header);
    if (description !== undefined) cell.title = description;
  }

  setRows(rows: readonly R[]): void {
    this.rows = this.options.onSort || !this.sortState ? rows : sortRows(rows, this.options.columns, this.sortState);
    this.element.setAttribute('aria-rowcount', String(this.rows.length));
    this.spacer.style.height = `${this.rows.length * this.rowHeight}px`;
    // Short lists take only the room they need; long ones scroll within `visibleRows`.
    const height = `${Math.max(1, Math.min(this.visibleRows, this.rows.length)) * this.rowHeight}px`;
    if (this.body.style.height !== height) this.body.style.height = height;
    this.empty.hidden = this.rows.length > 0;
    this.body.hidden = this.rows.length === 0;
    if (this.active >= this.rows.length) this.active = this.rows.length - 1;
    this.render();
  }

  /** Redraws the visible rows (e.g. after a selection changed). */
  redraw(): void {
    this.render();
  }

  /** Scrolls so the row at `index` is in view. */
  scrollToIndex(index: number): void {
    const top = index * this.rowHeight;
    const view = this.body.clientHeight || this.visibleRows * this.rowHeight;
    if (top < this.body.scrollTop) this.body.scrollTop = top;
    else if (top + this.rowHeight > this.body.scrollTop + view) this.body.scrollTop = top + this.rowHeight - view;
    this.render();
  }

  private sortBy(columnId: string): void {
    const column = this.options.columns.find((c) => c.id === columnId);
    if (!column?.sortKey) return;
    const descending = this.sortState?.column === columnId ? !this.sortState.descending : column.numeric === true;
    this.sortState = { column: columnId, descending };
    this.showSort();
    if (this.options.onSort) this.options.onSort(this.sortState);
    else this.setRows(this.rows);
  }

  private showSort(): void {
    for (const [id, cell] of this.headers) {
      const sorted = this.sortState?.column === id;
      cell.setAttribute('aria-sort', sorted ? (this.sortState!.descending ? 'descending' : 'ascending') : 'none');
      const arrow = cell.querySelector('.vt-sort')!;
      arrow.textContent = sorted ? (this.sortState!.descending ? '▼' : '▲') : '';
    }
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const t0 = performance.now();
    const count = this.rows.length;
    // The scroll position may still be past the end of a list that just got shorter (the browser
    // clamps it only at the next layout): clamp here too.
    const scrollTop = Math.min(this.body.scrollTop, Math.max(0, (count - this.visibleRows) * this.rowHeight));
    const first = Math.max(0, Math.min(Math.floor(scrollTop / this.rowHeight) - OVERSCAN, count - 1));
    const last = Math.min(count, Math.ceil((scrollTop + this.visibleRows * this.rowHeight) / this.rowHeight) + OVERSCAN);
    const needed = Math.max(0, last - first);
    while (this.pool.length < needed) this.pool.push(this.createRow());
    while (this.pool.length > needed) this.pool.pop()!.element.remove();
    this.window.style.transform = `translateY(${first * this.rowHeight}px)`;
    for (let i = 0; i < needed; i++) this.fill(this.pool[i], first + i);
    this.lastRenderMs = performance.now() - t0;
  }

  private createRow(): RowView {
    const element = h('div', { class: 'vt-row', attrs: { role: 'row' } });
    const cells: HTMLElement[] = [];
    const texts: HTMLElement[] = [];
    const actions: Array<HTMLButtonElement | undefined> = [];
    const view: RowView = { element, cells, texts, actions, index: -1 };
    for (const column of this.options.columns) {
      const text = h('span', { class: 'vt-text' });
      const cell = h('div', { class: `vt-cell${column.numeric ? ' numeric' : ''}`, attrs: { role: 'gridcell' } }, text);
      let action: HTMLButtonElement | undefined;
      if (column.action) {
        const onClick = column.action.onClick;
        action = h('button', { class: 'vt-action', attrs: { type: 'button', hidden: true } });
        action.addEventListener('click', (e) => {
          e.stopPropagation();
          const row = this.rows[view.index];
          if (row !== undefined) onClick(row);
        });
        // Enter and Space on the button are the button's, not the table's.
        action.addEventListener('keydown', (e) => e.stopPropagation());
        cell.append(action);
      }
      cells.push(cell);
      texts.push(text);
      actions.push(action);
      element.append(cell);
    }
    this.window.append(element);
    return view;
  }

  private fill(view: RowView, index: number): void {
    const row = this.rows[index];
    const key = this.options.key(row);
    const { element } = view;
    view.index = index;
    element.dataset.index = String(index);
    element.dataset.key = key;
    element.setAttribute('aria-rowindex', String(index + 1));
    const extra = this.options.rowClass?.(row) ?? '';
    const className = `vt-row${extra ? ` ${extra}` : ''}${index === this.active ? ' active' : ''}`;
    if (element.className !== className) element.className = className;
    const level = this.options.level?.(row) ?? 0;
    this.options.columns.forEach((column, i) => {
      const cell = view.cells[i];
      const text = column.value(row);
      setText(view.texts[i], text);
      const tip = column.tooltip?.(row) ?? text;
      if (cell.title !== tip) cell.title = tip;
      cell.dataset.testid = `${this.options.testid}-${key}-${column.id}`;
      const action = view.actions[i];
      if (action && column.action) {
        const label = column.action.label(row);
        action.hidden = label === undefined;
        if (label !== undefined) {
          if (action.textContent !== label) action.textContent = label;
          action.title = column.action.title?.(row) ?? label;
          action.dataset.testid = `${this.options.testid}-${key}-${column.id}-action`;
        }
      }
      if (i === 0) cell.style.paddingLeft = level ? `${8 + level * 18}px` : '';
    });
  }

  private setActive(index: number, scroll = true): void {
    this.active = index;
    if (scroll) this.scrollToIndex(index);
    else this.render();
  }

  private onKeyDown(e: KeyboardEvent): void {
    const count = this.rows.length;
    if (!count) return;
    const page = Math.max(1, this.visibleRows - 1);
    let next = this.active;
    switch (e.key) {
      case 'ArrowDown':
        next = Math.min(count - 1, this.active + 1);
        break;
      case 'ArrowUp':
        next = Math.max(0, this.active - 1);
        break;
      case 'PageDown':
        next = Math.min(count - 1, this.active + page);
        break;
      case 'PageUp':
        next = Math.max(0, this.active - page);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = count - 1;
        break;
      case 'Enter':
      case ' ':
        if (this.active >= 0) this.options.onActivate?.(this.rows[this.active], this.active);
        e.preventDefault();
        return;
      case 'ArrowRight':
      case 'ArrowLeft':
        if (this.active >= 0) this.options.onKey?.(this.rows[this.active], e.key);
        e.preventDefault();
        return;
      default:
        return;
    }
    e.preventDefault();
    this.setActive(Math.max(0, next));
  }
}

/** A sorted copy of `rows` by the state's column (ties keep their order). */
export function sortRows<R>(rows: readonly R[], columns: Array<VColumn<R>>, sort: SortState): R[] {
  const column = columns.find((c) => c.id === sort.column);
  if (!column?.sortKey) return rows.slice();
  const key = column.sortKey;
  const keyed = rows.map((row, i) => ({ row, k: key(row), i }));
  const sign = sort.descending ? -1 : 1;
  keyed.sort((a, b) => {
    if (a.k < b.k) return -sign;
    if (a.k > b.k) return sign;
    return a.i - b.i;
  });
  return keyed.map((x) => x.row);
}
