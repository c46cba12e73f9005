/**
 * Theme: inside VS Code the webview gets the editor's `--vscode-*` variables and body classes.
 * In an external browser they are absent, so we mark the document `standalone` (styles.css then
 * defines the same variables, light or dark from `prefers-color-scheme`) and set the body classes
 * VS Code would set. The toolkit re-reads the variables whenever the body's class changes.
 */

export type ThemeKind = 'vscode-light' | 'vscode-dark' | 'vscode-high-contrast' | 'vscode-high-contrast-light';

/** True when VS Code supplied its theme variables (we run in a webview). */
export function hasHostTheme(): boolean {
  return getComputedStyle(document.documentElement).getPropertyValue('--vscode-foreground').trim() !== '';
}

/** Call once, before the toolkit's components render. */
export function applyTheme(): void {
  if (hasHostTheme()) return;
  document.documentElement.classList.add('standalone');
  const dark = matchMedia('(prefers-color-scheme: dark)');
  const apply = () => setBodyTheme(dark.matches ? 'vscode-dark' : 'vscode-light');
  apply();
  dark.addEventListener('change', apply);
}

function setBodyTheme(kind: ThemeKind): void {
  const body = document.body;
  body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast', 'vscode-high-contrast-light');
  body.dataset.vscodeThemeKind = kind;
  // Changing the class last triggers the toolkit's MutationObserver after the attribute is set.
  body.classList.add(kind);
}
