import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { connectToInspector } from '../../src/targets/node';
import { type RunningServer, startServer } from '../../src/server';
import { NodeTarget } from '../../src/targets';
import { type Program, getJson, startInspected } from '../helpers/programs';

let program: Program;
let server: RunningServer;
let base: string;

before(async () => {
  const started = await startInspected('holder.js');
  program = started.program;
  const target = await NodeTarget.attach(await connectToInspector(started.port));
  server = await startServer({ target, host: 'localhost', port: 0 });
  base = `http://127.0.0.1:${server.port}`;
});
after(async () => {
  await server?.stop();
  program?.kill();
});

function rawRequest(path: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('server', () => {
  test('pages at Pympler paths load the UI bundle with a CSP and no inline script', async () => {
    // URLs are relative to the page, so a path-prefix proxy (code-server's /proxy/8090/) works.
    const bases: Record<string, string> = { '/': '.', '/process': '.', '/tracker': '.', '/garbage': '.', '/heap': '.', '/garbage/3': '..', '/tracker/class/Foo': '../..' };
    for (const [path, rel] of Object.entries(bases)) {
      const response = await fetch(base + path);
      assert.equal(response.status, 200, path);
      const csp = response.headers.get('content-security-policy') ?? '';
      const html = await response.text();
      assert.ok(html.includes(`<script src="${rel}/assets/app.js" defer></script>`), `${path}: ${html}`);
      assert.ok(html.includes(`<meta name="memory-profiler-api" content="${rel}">`), path);
      assert.ok(html.includes(`<meta name="memory-profiler-page" content="${path}">`), path);
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
      assert.ok(csp.includes("default-src 'none'") || html.includes("default-src 'none'"), 'a strict CSP');
    }
    const script = await fetch(base + '/assets/app.js');
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
  });

  test('unknown API paths and pages are JSON 404s', async () => {
    const api = await getJson(base + '/api/nothing');
    assert.equal(api.status, 404);
    assert.deepEqual(api.body, { error: 'unknown API path', detail: 'GET /api/nothing' });
    const asset = await fetch(base + '/assets/nothing.js');
    assert.equal(asset.status, 404);
  });

  test('a Host header naming another server is refused (DNS rebinding)', async () => {
    const refused = await rawRequest('/api/process', { Host: 'evil.example:8090' });
    assert.equal(refused.status, 403);
    assert.equal(JSON.parse(refused.body).error, 'forbidden host');
    const ok = await rawRequest('/api/target', { Host: `localhost:${server.port}` });
    assert.equal(ok.status, 200);
  });

  test('a state-changing request from another origin is refused', async () => {
    const refused = await rawRequest('/api/refresh', { Host: `localhost:${server.port}`, Origin: 'http://evil.example' }, 'POST');
    assert.equal(refused.status, 403);
    assert.equal(JSON.parse(refused.body).error, 'forbidden origin');
  });

  test('events stream says when the program is gone, and the API answers 503', async () => {
    const response = await fetch(base + '/api/events');
    const reader = response.body!.getReader();
    program.send('exit 0');
    let text = '';
    const deadline = Date.now() + 10_000;
    while (!text.includes('event: target-gone') && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    assert.match(text, /event: target-gone\ndata: \{"reason":/);
    const gone = await getJson(base + '/api/process');
    assert.equal(gone.status, 503);
    const target = await getJson(base + '/api/target');
    assert.equal(target.status, 200);
    assert.equal(target.body.connected, false);
  });
});
