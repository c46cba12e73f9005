/** The HTML of the profiler's webview panels: the shared page shell with webview URIs and a nonce. */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { escapeHtml, pageShell } from '../server/pageShell';

export interface WebviewHtmlOptions {
  webview: vscode.Webview;
  extensionUri: vscode.Uri;
  /** The server's URL as the webview can reach it (from `vscode.env.asExternalUri`). */
  apiBase: string;
  page: string;
}

/** A fresh crypto-strong nonce for one document's CSP. */
export function makeNonce(): string {
  return randomBytes(18).toString('base64');
}

export function webviewHtml(o: WebviewHtmlOptions): string {
  const asset = (name: string) => o.webview.asWebviewUri(vscode.Uri.joinPath(o.extensionUri, 'dist', 'webview', name)).toString();
  return pageShell({
    scriptUri: asset('app.js'),
    styleUri: asset('app.css'),
    nonce: makeNonce(),
    cspSource: o.webview.cspSource,
    apiBase: o.apiBase,
    page: o.page,
    // The origin only: CSP matches paths too, and a path-prefixed proxy URL (code-server's
    // /proxy/8090/) would otherwise not cover the API under it.
    connectSrc: new URL(o.apiBase).origin,
  });
}

/** What a panel shows while no profiler runs (e.g. restored after a reload). */
export function stoppedHtml(cspSource: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${escapeHtml(cspSource)}">
<title>Memory Profiler</title></head>
<body><p id="memory-profiler-stopped">The Memory Profiler is not running. Run <b>Memory Profiler: Start Memory Profiler</b> from the Command Palette.</p></body></html>`;
}
