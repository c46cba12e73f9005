/**
 * A place in the program's source (a creation stack's frame, an allocation site) as a link:
 * inside VS Code it opens the file at the line through the panel (`openSource`); in a browser
 * it is a `vscode://file/…:line:column` link, which a desktop VS Code on the same machine
 * opens. A script that is not a file (`node:…`, eval'd code, no name) is plain text.
 */
import { h, isolatedString } from '../dom';

export interface SourcePlace {
  functionName: string;
  /** A path or `file://` URL; anything else is not a file. */
  scriptName: string;
  /** Where the function begins, 1-based; 0 when unknown. */
  line: number;
  column: number;
  /** The `new` that made the object, when it was found in the script (see HeapAllocationFrame). */
  newAt?: { line: number; column: number; others?: number };
}

/** Where a place points: the `new` when it is known, else where its function begins. */
export function placePosition(p: SourcePlace): { line: number; column: number } {
  return p.newAt ?? { line: p.line, column: p.column };
}

/** The file's path, when `scriptName` names a file. */
export function sourcePath(scriptName: string): string | undefined {
  if (scriptName.startsWith('file://')) {
    try {
      return decodeURIComponent(new URL(scriptName).pathname);
    } catch {
      return undefined;
    }
  }
  return scriptName.startsWith('/') ? scriptName : undefined;
}

export function placeLabel(p: SourcePlace): string {
  const file = p.scriptName ? p.scriptName.replace(/^file:\/\//, '') : '(unknown)';
  const { line, column } = placePosition(p);
  const others = p.newAt?.others ? ` (the first of ${p.newAt.others + 1} new in the function)` : '';
  return `${isolatedString(p.functionName || '(anonymous)')} ${isolatedString(file)}:${line}:${column}${others}`;
}

export function sourceLink(p: SourcePlace, openSource?: (url: string, line: number, column: number) => void, testid?: string): HTMLElement {
  const path = sourcePath(p.scriptName);
  const label = placeLabel(p);
  if (path === undefined) return h('span', { testid }, label);
  const at = placePosition(p);
  const line = Math.max(1, at.line);
  const column = Math.max(1, at.column);
  const href = `vscode://file${encodeURI(path)}:${line}:${column}`;
  const where = p.newAt ? `the new that made it; the function begins at line ${p.line}` : 'where the function begins';
  const link = h('a', { class: 'source-link', testid, title: `${openSource ? 'Open in the editor' : 'Open in VS Code'}: ${where}`, attrs: { href } }, label);
  if (openSource) {
    link.addEventListener('click', (e) => {
      e.preventDefault();
      openSource(p.scriptName, line, column);
    });
  }
  return link;
}
