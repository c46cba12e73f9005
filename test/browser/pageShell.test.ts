/** The HTML document that loads the UI: strict CSP, escaped attributes, no inline script or style. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentSecurityPolicy, EMPTY_STYLE_HASH, pageShell } from '../../src/server/pageShell';

const base = { scriptUri: '/assets/app.js', styleUri: '/assets/app.css', cspSource: "'self'", connectSrc: "'self'", apiBase: '', page: '/' };

test('the server document: scripts from self only, no inline code, meta tags for the UI', () => {
  const html = pageShell(base);
  const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1].replace(/&#39;/g, "'");
  assert.equal(csp, contentSecurityPolicy(base));
  assert.match(csp!, /^default-src 'none'; script-src 'self'; style-src 'self' 'sha256-[^']+'; img-src 'self' data:; font-src 'self'; connect-src 'self'/);
  assert.doesNotMatch(csp!, /unsafe/);
  assert.match(html, /<meta name="memory-profiler-api" content="">/);
  assert.match(html, /<meta name="memory-profiler-page" content="\/">/);
  assert.match(html, /<script src="\/assets\/app.js" defer><\/script>/);
  assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, 'every script is a file');
  assert.doesNotMatch(html, /<style|\sstyle=/, 'no inline style');
});

test('a webview document uses its nonce and the server origin for connect-src', () => {
  const nonce = 'q2Zx9Kd0b3Jk1aZpQm4x7w==';
  const html = pageShell({
    ...base,
    nonce,
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    connectSrc: 'http://127.0.0.1:8090',
    apiBase: 'http://127.0.0.1:8090',
    page: '/process',
  });
  assert.match(html, new RegExp(`script-src &#39;nonce-${nonce.replace(/[+=/]/g, '\\$&')}&#39;`));
  assert.match(html, /<script nonce="q2Zx9Kd0b3Jk1aZpQm4x7w==" src="\/assets\/app.js" defer>/);
  assert.match(html, /connect-src http:\/\/127.0.0.1:8090/);
  assert.match(html, /style-src https:\/\/file\+.vscode-resource.vscode-cdn.net &#39;sha256-/);
  assert.match(html, /<meta name="memory-profiler-page" content="\/process">/);
});

test('every attribute value and the title are escaped', () => {
  const evil = `"><script>alert(1)</script><x a='`;
  const html = pageShell({ ...base, apiBase: evil, page: evil, scriptUri: `/a.js${evil}`, styleUri: `/a.css${evil}`, title: `</title><script>alert(2)</script>` });
  assert.equal(html.match(/<script/g)?.length, 1, 'only the app script tag');
  assert.doesNotMatch(html, /"><script>/);
  assert.match(html, /&#34;&#62;&#60;script&#62;alert\(1\)/);
});

test('CSP sources cannot smuggle directives, and a weak nonce is refused', () => {
  assert.throws(() => pageShell({ ...base, connectSrc: "'self'; script-src *" }), /connectSrc/);
  assert.throws(() => pageShell({ ...base, cspSource: "'self', *" }), /cspSource/);
  assert.throws(() => pageShell({ ...base, nonce: 'abc' }), /nonce/);
  assert.throws(() => pageShell({ ...base, nonce: 'a"b<c>d e f g h i j k l' }), /nonce/);
});

test('the style hash allows only an empty <style> (the toolkit’s focus-visible probe)', async () => {
  const { createHash } = await import('node:crypto');
  assert.equal(EMPTY_STYLE_HASH, `'sha256-${createHash('sha256').update('').digest('base64')}'`);
});
