/**
 * The only file that knows the UI toolkit (`@vscode/webview-ui-toolkit`, deprecated upstream):
 * buttons, the progress ring and the data grid's elements come from here, so that swapping the
 * toolkit for plain elements or another library touches this file (and styles.css) alone.
 */
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox, vsCodeDataGrid, vsCodeDataGridCell, vsCodeDataGridRow, vsCodeProgressRing } from '@vscode/webview-ui-toolkit';
import { type Child, h, type Props } from '../dom';

/** Defines the toolkit's custom elements; call once before building the UI. */
export function registerControls(): void {
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeDataGrid(), vsCodeDataGridCell(), vsCodeDataGridRow(), vsCodeProgressRing());
}

export type ButtonAppearance = 'primary' | 'secondary' | 'icon';

export interface ButtonProps extends Omit<Props, 'attrs'> {
  appearance?: ButtonAppearance;
  attrs?: Props['attrs'];
}

export function button(props: ButtonProps, ...children: Child[]): HTMLElement {
  const { appearance, attrs, ...rest } = props;
  return h('vscode-button', { ...rest, attrs: { ...attrs, appearance } }, ...children);
}

/** Marks one of a group of buttons as the chosen one. */
export function setAppearance(element: Element, appearance: ButtonAppearance): void {
  element.setAttribute('appearance', appearance);
}

export function progressRing(props: Props): HTMLElement {
  return h('vscode-progress-ring', props);
}

/** The data grid's elements (see components/grid.ts, the one grid of the UI). */
export const gridParts = {
  grid: (props: Props, ...children: Child[]) => h('vscode-data-grid', props, ...children),
  row: (props: Props, ...children: Child[]) => h('vscode-data-grid-row', props, ...children),
  cell: (props: Props, ...children: Child[]) => h('vscode-data-grid-cell', props, ...children),
};
