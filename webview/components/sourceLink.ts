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
  /** 1-based; 0 when unknown. */
  line: number;
  column: number;
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
  return `${isolatedString(p.functionName || '(anonymous)')} ${isolatedString(file)}:${p.line}:${p.column}`;
}

export function sourceLink(p: SourcePlace, openSource?: (url: string, line: number, column: number) => void, testid?: string): HTMLElement {
  const path = sourcePath(p.scriptName);
  const label = placeLabel(p);
  if (path === undefined) return h('span', { testid }, label);
  const line = Math.max(1, p.line);
  const column = Math.max(1, p.column);
  const href = `vscode://file${encodeURI(path)}:${line}:${column}`;
  const link = h('a', { class: 'source-link', testid, title: openSource ? 'Open in the editor' : 'Open in VS Code', attrs: { href } }, label);
  if (openSource) {
    link.addEventListener('click', (e) => {
      e.preventDefault();
      openSource(p.scriptName, line, column);
    });
  }
  return link;
}
