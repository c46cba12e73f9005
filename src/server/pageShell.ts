/**
 * The HTML document that loads the UI bundle (`dist/webview/app.js` + `app.css`), for the
 * server's pages and for VS Code webview panels alike. The document carries no inline script or
 * style, only a strict Content-Security-Policy and two meta tags the UI reads: the API's base URL
 * and the page to show.
 *
 * The toolkit (FAST) styles its components with constructable stylesheets (`adoptedStyleSheets`)
 * and sets sizes through the CSSOM; neither is governed by `style-src`, so no `'unsafe-inline'`
 * is needed (the browser tests fail on any CSP violation). One exception: at start-up FAST
 * (`canUseFocusVisible` in @microsoft/fast-web-utilities) appends an *empty* `<style>` element to
 * probe `:focus-visible` support. We allow exactly that with the hash of the empty string, which
 * permits no style at all; without it the probe is refused (a console error, and focus rings on
 * every mouse click).
 */

/** CSP hash of the empty string: lets FAST's empty probe `<style>` in, nothing else. */
export const EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='";

/** The app's icon (a small bar chart), inline so the browser does not ask the server for /favicon.ico. */
const FAVICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Cpath d='M2 13.5h12M3.5 13.5V9M6.5 13.5V5M9.5 13.5V7M12.5 13.5V3' fill='none' stroke='%233794ff' stroke-width='1.8' stroke-linecap='round'/%3E%3C/svg%3E";

export interface PageShellOptions {
  /** URL of app.js: `/assets/app.js` on the server, a webview URI in VS Code. */
  scriptUri: string;
  /** URL of app.css. */
  styleUri: string;
  /** A fresh random nonce per document (base64 or hex); without one, scripts must come from 'self'. */
  nonce?: string;
  /** Where styles, images and fonts may come from: `'self'` on the server, `webview.cspSource` in VS Code. */
  cspSource: string;
  /** Base URL of the JSON API; '' means the document's own origin. */
  apiBase: string;
  /** The page to show, e.g. `/` or `/process` (in the browser the UI uses the URL path instead). */
  page: string;
  /** Sources the UI may fetch from: `'self'` on the server, the server's origin in VS Code. */
  connectSrc: string;
  /** The document title until the UI sets its own. */
  title?: string;
}

/** Escapes text for an HTML attribute value or text content. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A CSP source list must not be able to end its directive or add one. */
function cspSources(value: string, what: string): string {
  const v = value.trim();
  if (!v || /[;,\r\n]/.test(v)) throw new Error(`pageShell: ${what} must be a non-empty CSP source list without ';' or ',' (got ${JSON.stringify(value)})`);
  return v;
}

export function contentSecurityPolicy(o: Pick<PageShellOptions, 'nonce' | 'cspSource' | 'connectSrc'>): string {
  if (o.nonce !== undefined && !/^[A-Za-z0-9+/_=-]{16,}$/.test(o.nonce)) {
    throw new Error('pageShell: the nonce must be at least 16 base64 or hex characters from a crypto-strong source');
  }
  const source = cspSources(o.cspSource, 'cspSource');
  return [
    "default-src 'none'",
    `script-src ${o.nonce ? `'nonce-${o.nonce}'` : "'self'"}`,
    `style-src ${source} ${EMPTY_STYLE_HASH}`,
    `img-src ${source} data:`,
    `font-src ${source}`,
    `connect-src ${cspSources(o.connectSrc, 'connectSrc')}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function pageShell(o: PageShellOptions): string {
  const a = escapeHtml;
  const nonce = o.nonce ? ` nonce="${a(o.nonce)}"` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${a(contentSecurityPolicy(o))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="memory-profiler-api" content="${a(o.apiBase)}">
<meta name="memory-profiler-page" content="${a(o.page)}">
<title>${a(o.title ?? 'Memory Profiler')}</title>
<link rel="icon" href="${a(FAVICON)}">
<link rel="stylesheet" href="${a(o.styleUri)}">
</head>
<body>
<noscript>The Memory Profiler needs JavaScript. Its data is also available as JSON under /api.</noscript>
<script${nonce} src="${a(o.scriptUri)}" defer></script>
</body>
</html>
`;
}
