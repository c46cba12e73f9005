/**
 * Safety rules (DESIGN.md "Safety", issue 7), one test per rule, against the real server with a
 * real fixture program: Host and Origin checks, the token off loopback, no state change on GET,
 * CSP on every page, the limits, and a corpus of 1 000+ corrupt snapshots through the real heap
 * worker. Every connection stays on this machine (the "non-loopback" address is one of its own).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import { request } from 'node:http';
import { createServer as createTcpServer, connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { connectToInspector } from '../../src/targets/node';
import { HeapWorkerClient } from '../../src/heap/client';
import { isHeapSnapshotError } from '../../src/heap/errors';
import type { HeapClassSummary, HeapRetainerGraph, HeapSnapshotEntry } from '../../src/model';
import { createApp, PAGE_PATHS, type RunningServer, startServer } from '../../src/server';
import { EventStream } from '../../src/server/events';
import { HeapStore } from '../../src/server/heapStore';
import { MAX_OBJECTS_PAGE, MAX_RETAINER_NODES, MAX_RETAINER_PATHS } from '../../src/server/limits';
import { tokensEqual } from '../../src/server/token';
import { NodeTarget, OfflineTarget } from '../../src/targets';
import { ClassTracker } from '../../src/tracker/classTracker';
import { CLI, LIB, type Program, fixture, getJson, startInspected, startNode } from '../helpers/programs';
import { cutDown } from '../helpers/snapshots';
import { rng } from '../helpers/random';

const dir = mkdtempSync(join(tmpdir(), 'mp-security-'));
const programs: Program[] = [];
const servers: RunningServer[] = [];
after(async () => {
  for (const s of servers) await s.stop().catch(() => {});
  programs.forEach((p) => p.kill());
  rmSync(dir, { recursive: true, force: true });
});

/** A fixture program and a real server profiling it. */
async function serve(options: { host?: string; token?: string; maxSnapshots?: number; webviewToken?: string } = {}) {
  const started = await startInspected('classes.js');
  programs.push(started.program);
  const target = await NodeTarget.attach(await connectToInspector(started.port));
  const server = await startServer({ target, port: 0, ...options });
  servers.push(server);
  return { ...started, server };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request (fetch does not let a test set Host), to `address` (default loopback). */
function raw(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; address?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: options.address ?? '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${path}`)));
    req.end(options.body);
  });
}

const json = (r: Reply) => JSON.parse(r.body);

/** This machine's first non-internal IPv4 address: "off loopback" without leaving the machine. */

/** Every route of an app: method and full path (express 5 router internals, read-only). */
function routesOf(app: ReturnType<typeof createApp>): Array<{ method: string; path: string }> {
  const out: Array<{ method: string; path: string }> = [];
  const walk = (stack: any[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths: string[] = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const m of Object.keys(layer.route.methods)) for (const p of paths) out.push({ method: m.toUpperCase(), path: prefix + (p === '/' && prefix ? '' : p) });
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, prefix + (layer.rawPath ?? ''));
      }
    }
  };
  walk((app as any).router.stack, '');
  return out;
}

describe('Host and Origin', () => {
  let port: number;
  before(async () => {
    ({ port } = (await serve()).server);
  });

  test('a Host naming another server is refused with 403 on pages, API and assets (DNS rebinding)', async () => {
    for (const path of ['/', '/api/process', '/api/heap/snapshots', '/assets/app.js']) {
      const r = await raw(port, path, { headers: { Host: `rebound.example:${port}` } });
      assert.equal(r.status, 403, path);
      assert.equal(json(r).error, 'forbidden host');
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      assert.equal((await raw(port, '/api/target', { headers: { Host: host } })).status, 200, host);
    }
  });

  test('a state-changing request from another origin is refused with 403; the same origin passes', async () => {
    const host = `127.0.0.1:${port}`;
    const body = JSON.stringify({ name: 'TrackedWidget' });
    const headers = { Host: host, 'Content-Type': 'application/json' };
    for (const [method, path] of [
      ['POST', '/api/refresh'],
      ['POST', '/api/tracker/classes'],
      ['DELETE', '/api/tracker/periodic'],
      ['POST', '/api/tracker/snapshots'],
    ]) {
      const r = await raw(port, path, { method, headers: { ...headers, Origin: 'http://attacker.example' }, body });
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(json(r).error, 'forbidden origin');
    }
    const tracker = await getJson(`http://${host}/api/tracker`);
    assert.deepEqual(tracker.body.tracked, [], 'the refused request changed nothing');
    const same = await raw(port, '/api/tracker/classes', { method: 'POST', headers: { ...headers, Origin: `http://${host}` }, body });
    assert.equal(same.status, 201, same.body);
  });
});

describe('origins: scheme, host and port; Sec-Fetch-Site; webviews by token (issue 16)', () => {
  let port: number;
  const webviewToken = 'webview-token-0123456789';
  before(async () => {
    ({ port } = (await serve({ webviewToken })).server);
  });
  const body = JSON.stringify({ name: 'TrackedWidget' });
  const post = (headers: Record<string, string>) =>
    raw(port, '/api/tracker/classes', { method: 'POST', headers: { Host: `127.0.0.1:${port}`, 'Content-Type': 'text/plain', ...headers }, body });

  test('another port or scheme of the same host is another origin: its POSTs get 403 and change nothing', async () => {
    for (const origin of [`http://127.0.0.1:${port + 1}`, `http://127.0.0.1:3000`, `https://127.0.0.1:${port}`, 'http://127.0.0.1', 'null']) {
      const r = await post({ Origin: origin });
      assert.equal(r.status, 403, origin);
      assert.deepEqual(json(r), { error: 'forbidden origin', detail: "state changes are accepted only from this server's own pages" });
    }
    for (const site of ['same-site', 'cross-site']) {
      const r = await post({ 'Sec-Fetch-Site': site });
      assert.equal(r.status, 403, site);
      // An Origin that matches does not outweigh the browser's own word.
      assert.equal((await post({ 'Sec-Fetch-Site': site, Origin: `http://127.0.0.1:${port}` })).status, 403, site);
    }
    assert.deepEqual(json(await raw(port, '/api/tracker')).tracked, [], 'nothing was tracked');
    for (const headers of [{ Origin: `http://127.0.0.1:${port}`, 'Sec-Fetch-Site': 'same-origin' }, { 'Sec-Fetch-Site': 'none' }, {}] as Record<string, string>[]) {
      const r = await post({ ...headers, 'Content-Type': 'application/json' });
      assert.ok(r.status === 200 || r.status === 201, `${JSON.stringify(headers)}: ${r.status} ${r.body}`);
    }
  });

  test('API reads a browser marks cross-site get 403; a link to a page from another site still opens it', async () => {
    const r = await raw(port, '/api/target', { headers: { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'no-cors' } });
    assert.equal(r.status, 403);
    assert.equal(json(r).error, 'forbidden origin');
    assert.equal((await raw(port, '/tracker', { headers: { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate' } })).status, 200);
  });

  test('reads that pause the program need X-Memory-Profiler: 1 or the token', async () => {
    const r = await raw(port, '/api/threads/main/stack');
    assert.equal(r.status, 403);
    assert.equal(json(r).error, 'header required');
    assert.equal((await raw(port, '/api/objects/x')).status, 403);
    const ok = await raw(port, '/api/threads/main/stack', { headers: { 'X-Memory-Profiler': '1' } });
    assert.equal(ok.status, 200, ok.body);
    assert.ok(Array.isArray(json(ok).frames), ok.body);
    assert.equal((await raw(port, '/api/threads/main/stack', { headers: { 'X-Memory-Profiler-Token': webviewToken } })).status, 200);
  });

  test('a vscode-webview:// origin needs the token its extension gave; only then is CORS granted', async () => {
    const origin = 'vscode-webview://0a1b2c3d4e5f';
    for (const [method, path] of [
      ['GET', '/api/target'],
      ['POST', '/api/refresh'],
      ['GET', '/api/events'],
    ]) {
      const r = await raw(port, path, { method, headers: { Origin: origin } });
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.headers['access-control-allow-origin'], undefined);
    }
    assert.equal((await raw(port, '/api/target', { headers: { Origin: origin, 'X-Memory-Profiler-Token': 'wrong-token-12345' } })).status, 403);
    const preflight = await raw(port, '/api/refresh', { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } });
    assert.equal(preflight.status, 204);
    const good = await raw(port, '/api/target', { headers: { Origin: origin, 'X-Memory-Profiler-Token': webviewToken } });
    assert.equal(good.status, 200);
    assert.equal(good.headers['access-control-allow-origin'], origin);
    assert.equal((await raw(port, '/api/refresh', { method: 'POST', headers: { Origin: origin, Authorization: `Token ${webviewToken}` } })).status, 200);
    // The event stream (EventSource sends no headers) carries it in the query.
    const events = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: `/api/events?token=${webviewToken}`, headers: { Origin: origin }, agent: false }, (res) => {
        resolve(res.statusCode!);
        res.destroy();
      })
        .on('error', reject)
        .end();
    });
    assert.equal(events, 200);
  });

  test('headers on every answer: nosniff, no framing; API answers not cached; a missing asset names no local path', async () => {
    for (const path of ['/', '/tracker', '/api/target', '/api/tracker', '/assets/app.js', '/assets/missing.js', '/no/such/page', '/api/no-such']) {
      const r = await raw(port, path);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
      assert.equal(r.headers['x-frame-options'], 'DENY', path);
      if (path.startsWith('/api/')) assert.equal(r.headers['cache-control'], 'no-store', path);
    }
    for (const path of ['/', '/tracker']) assert.match(String((await raw(port, path)).headers['content-security-policy']), /; frame-ancestors 'none'$/, path);
    const missing = await raw(port, '/assets/missing.js');
    assert.equal(missing.status, 404);
    assert.deepEqual(json(missing), { error: 'no such file', detail: '/assets/missing.js' });
    assert.doesNotMatch(missing.body, /dist|ENOENT|\/(home|work|usr|tmp)\//);
  });
});

describe('state changes are never GET', () => {
  const app = createApp({ target: new OfflineTarget([]), events: new EventStream(), heap: new HeapStore(), host: 'localhost', tracker: new ClassTracker(), onStop: () => {} });
  const routes = routesOf(app);

  test('every GET route is a read; every change is POST or DELETE', () => {
    const reads = new Set([
      '/api/target',
      '/api/process',
      '/api/events',
      '/api/heap/snapshots',
      '/api/heap/classes',
      '/api/heap/classes/:name/objects',
      '/api/heap/diff',
      '/api/heap/objects/:id',
      '/api/heap/objects/:id/referents',
      '/api/heap/objects/:id/retainers',
      '/api/threads',
      '/api/threads/:id/stack',
      '/api/objects/:ref',
      '/api/tracker',
      '/api/tracker/classes/:name',
      '/api/tracker/allocation-sites',
      '/api/stats',
      '/api/garbage',
      '/api/garbage/suspects',
      '/api/garbage/:index',
      '/api/garbage/collector',
      ...PAGE_PATHS,
    ]);
    const gets = routes.filter((r) => r.method === 'GET' || r.method === 'HEAD');
    assert.ok(gets.length >= 20, JSON.stringify(routes));
    // A new GET route fails here until it is reviewed and added to the reads above.
    for (const r of gets) {
      assert.ok(reads.has(r.path), `GET ${r.path} is not a known read-only route: if it changes nothing, add it to the reads above; if it changes state, make it POST or DELETE`);
    }
    const changes = routes.filter((r) => !['GET', 'HEAD'].includes(r.method)).map((r) => `${r.method} ${r.path}`);
    for (const c of [
      'POST /api/refresh',
      'POST /api/stop',
      'POST /api/tracker/snapshots',
      'POST /api/tracker/classes',
      'DELETE /api/tracker/classes/:name',
      'POST /api/tracker/periodic',
      'DELETE /api/tracker/periodic',
    ]) {
      assert.ok(changes.includes(c), `${c} in ${changes.join(', ')}`);
    }
    assert.ok(
      changes.every((c) => /^(POST|DELETE|PUT|PATCH) /.test(c)),
      changes.join(', '),
    );
  });

  test('a GET on a state-changing path changes nothing (404)', async () => {
    const { server } = await serve();
    const base = `http://127.0.0.1:${server.port}`;
    for (const path of ['/api/refresh', '/api/stop', '/api/tracker/snapshots', '/api/tracker/periodic']) {
      assert.equal((await getJson(base + path)).status, 404, path);
    }
    const state = (await getJson(base + '/api/tracker')).body;
    assert.equal(state.snapshots.length, 0);
    assert.equal(state.periodic, null);
  });
});

describe('token off loopback', () => {
  // The server binds every address (not loopback: a token is needed); the test reaches it over
  // loopback, so no traffic leaves this machine's loopback interface.
  const bind = '0.0.0.0';
  const address = '127.0.0.1';
  let port = 0;
  let token = '';
  let url = '';

  before(async () => {
    const { server } = await serve({ host: bind });
    ({ port, url } = server);
    token = server.token!;
  });

  test('a token is generated (crypto-strong, 48 hex) and printed in the URL as Jupyter does', () => {
    assert.match(token, /^[0-9a-f]{48}$/);
    assert.equal(url, `http://${bind}:${port}/?token=${token}`);
  });

  test('every request needs it: none is 401, a wrong one 403 (pages, API, assets, events)', async () => {
    const host = { Host: `${address}:${port}` };
    for (const path of ['/', '/process', '/api/process', '/api/heap/snapshots', '/api/events', '/assets/app.js', '/api/nothing']) {
      const none = await raw(port, path, { address, headers: host });
      assert.equal(none.status, 401, `${path}: ${none.body}`);
      assert.equal(json(none).error, 'token required');
      // One character off (never the same: a token ending in 0 once made this "wrong" one right).
      const wrong = await raw(port, path, { address, headers: { ...host, Authorization: `Token ${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}` } });
      assert.equal(wrong.status, 403, path);
      assert.equal(json(wrong).error, 'wrong token');
    }
    for (const bad of ['x', '', `${token}x`, token.toUpperCase()]) {
      const r = await raw(port, `/api/target?token=${encodeURIComponent(bad)}`, { address, headers: host });
      assert.equal(r.status, 403, `token "${bad}"`);
    }
    // A state change without the token is refused before anything runs.
    const post = await raw(port, '/api/tracker/snapshots', { method: 'POST', address, headers: { ...host, 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(post.status, 401);
    const state = await raw(port, '/api/tracker', { address, headers: { ...host, 'X-Memory-Profiler-Token': token } });
    assert.equal(json(state).snapshots.length, 0);
  });

  test('it is accepted in a header (Authorization: Token, X-Memory-Profiler-Token), the query and the cookie set from the URL', async () => {
    const host = { Host: `${address}:${port}` };
    assert.equal((await raw(port, '/api/target', { address, headers: { ...host, Authorization: `Token ${token}` } })).status, 200);
    assert.equal((await raw(port, '/api/target', { address, headers: { ...host, Authorization: `Bearer ${token}` } })).status, 200);
    assert.equal((await raw(port, '/api/target', { address, headers: { ...host, 'X-Memory-Profiler-Token': token } })).status, 200);
    // The printed URL: the page loads and sets the cookie its own requests then carry.
    const page = await raw(port, `/?token=${token}`, { address, headers: host });
    assert.equal(page.status, 200);
    const cookie = String(page.headers['set-cookie']);
    // named after the port: cookies are shared by every port of a host, tokens are not
    assert.equal(cookie, `memory-profiler-token-${port}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    const jar = { ...host, Cookie: cookie.split(';')[0] };
    for (const path of ['/api/process', '/assets/app.js', '/heap']) assert.equal((await raw(port, path, { address, headers: jar })).status, 200, path);
    const wrongCookie = await raw(port, '/api/target', { address, headers: { ...host, Cookie: `memory-profiler-token-${port}=${'0'.repeat(48)}` } });
    assert.equal(wrongCookie.status, 403);
    const otherPort = await raw(port, '/api/target', { address, headers: { ...host, Cookie: `memory-profiler-token-${port + 1}=${token}` } });
    assert.equal(otherPort.status, 401, "another port's cookie is not this server's");
    // The token does not replace the Host check.
    const rebound = await raw(port, `/api/target?token=${token}`, { address, headers: { Host: 'rebound.example' } });
    assert.equal(rebound.status, 403);
    assert.equal(json(rebound).error, 'forbidden host');
  });

  test('tokens are compared in constant time (timingSafeEqual on equal-length digests)', async () => {
    const original = crypto.timingSafeEqual;
    const calls: Array<[number, number]> = [];
    (crypto as { timingSafeEqual: typeof original }).timingSafeEqual = (a, b) => {
      calls.push([a.byteLength, b.byteLength]);
      return original(a, b);
    };
    try {
      const r = await raw(port, '/api/target', { address, headers: { Host: `${address}:${port}`, 'X-Memory-Profiler-Token': 'short' } });
      assert.equal(r.status, 403);
      assert.equal(tokensEqual('a', 'a much longer token'), false);
    } finally {
      (crypto as { timingSafeEqual: typeof original }).timingSafeEqual = original;
    }
    assert.ok(calls.length >= 2, 'timingSafeEqual was used');
    for (const [a, b] of calls) assert.deepEqual([a, b], [32, 32], 'SHA-256 digests of both sides');
  });

  test('loopback needs no token unless one is given; a given one is required', async () => {
    const open = (await serve()).server;
    assert.equal(open.token, undefined);
    assert.equal((await raw(open.port, '/api/target')).status, 200);
    const guarded = (await serve({ token: 'correct-horse-battery' })).server;
    assert.equal(guarded.url, `http://localhost:${guarded.port}/?token=correct-horse-battery`);
    assert.equal((await raw(guarded.port, '/api/target')).status, 401);
    assert.equal((await raw(guarded.port, '/api/target?token=correct-horse-battery')).status, 200);
    await assert.rejects(startServer({ target: new OfflineTarget([]), port: 0, token: 'short' }), /token must be 8 to 256/);
  });

  test('startInBackground({host}) off loopback generates a token and puts it in its URL; {token} sets it', async () => {
    const lib = require(LIB) as typeof import('../../src/index');
    const { program, port: inspector } = await startInspected('holder.js');
    programs.push(program);
    for (const token of [undefined, 'library-token-42']) {
      const profiler = await lib.startInBackground({ target: inspector, host: bind, port: 0, token });
      try {
        const m = /^http:\/\/[\d.]+:\d+\/\?token=(.+)$/.exec(profiler.url);
        assert.ok(m, profiler.url);
        if (token) assert.equal(m[1], token);
        else assert.match(m[1], /^[0-9a-f]{48}$/);
        const host = { Host: `${address}:${profiler.port}` };
        assert.equal((await raw(profiler.port, '/api/target', { address, headers: host })).status, 401);
        assert.equal((await raw(profiler.port, '/api/target', { address, headers: { ...host, 'X-Memory-Profiler-Token': m[1] } })).status, 200);
      } finally {
        await profiler.stop();
      }
    }
  });

  test('the CLI binds 0.0.0.0 only with a token: generated and printed, or given with --token', async () => {
    const file = join(dir, 'cli.heapsnapshot');
    execFileSync(process.execPath, ['-e', `require('v8').writeHeapSnapshot(${JSON.stringify(file)})`]);
    const generated = startNode([CLI, 'open', file, '--host', '0.0.0.0', '--port', '0']);
    programs.push(generated);
    const m = await generated.waitFor(/serving 1 snapshot at (http:\/\/0\.0\.0\.0:(\d+)\/heap\?token=([0-9a-f]{48}))$/, 30_000, 'stderr');
    const [cliPort, cliToken] = [Number(m[2]), m[3]];
    const host = { Host: `${address}:${cliPort}` };
    assert.equal((await raw(cliPort, '/api/heap/snapshots', { address, headers: host })).status, 401);
    assert.equal((await raw(cliPort, `/api/heap/snapshots?token=${cliToken}`, { address, headers: host })).status, 200);
    generated.kill('SIGINT');
    const given = startNode([CLI, 'open', file, '--host', '0.0.0.0', '--port', '0', '--token', 'my-own-token-1']);
    programs.push(given);
    await given.waitFor(/serving 1 snapshot at http:\/\/0\.0\.0\.0:\d+\/heap\?token=my-own-token-1$/, 30_000, 'stderr');
    given.kill('SIGINT');
  });
});

describe('CSP on every page', () => {
  test('each page path carries a strict Content-Security-Policy header: no inline script, no eval, nothing from elsewhere', async () => {
    for (const options of [{}, { token: 'csp-token-123' }]) {
      const { server } = await serve(options);
      const auth = options.token ? `?token=${options.token}` : '';
      for (const path of PAGE_PATHS.map((p) => p.replace(':name', 'Widget').replace(':index', '0'))) {
        const r = await raw(server.port, path + auth);
        assert.equal(r.status, 200, path);
        const csp = String(r.headers['content-security-policy']);
        for (const directive of ["default-src 'none'", "script-src 'self'", "base-uri 'none'", "form-action 'none'", "connect-src 'self'"])
          assert.ok(csp.includes(directive), `${path}: ${directive} in ${csp}`);
        assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:|\*/, path);
        assert.doesNotMatch(r.body, /<script(?![^>]*\bsrc=)[^>]*>/, `${path}: no inline script`);
        assert.equal(r.headers['cache-control'], 'no-store');
      }
    }
  });
});

describe('limits', () => {
  let server: RunningServer;
  let program: Program;
  let api: string;
  const post = (path: string, body: unknown) => getJson(api + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    ({ server, program } = await serve({ maxSnapshots: 2 }));
    api = `http://127.0.0.1:${server.port}/api`;
  });

  test('a request body over 1 MB is refused with a JSON 413; the server answers on', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(1_100_000) });
    const r = await raw(server.port, '/api/tracker/classes', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: big });
    assert.equal(r.status, 413);
    assert.match(r.headers['content-type'] as string, /application\/json/);
    assert.match(json(r).error, /too large/);
    assert.equal((await getJson(api + '/target')).status, 200);
  });

  test('graph and page sizes are capped: objects ≤ 1000 a page, retainer graphs ≤ 2000 nodes and 50 paths', async () => {
    program.send('ballast 5000');
    await program.json('done');
    assert.equal((await post('/tracker/snapshots', { description: 'caps' })).status, 200);
    const objects = await getJson(api + '/heap/classes/Object/objects?start=0&end=100000');
    assert.equal(objects.status, 200);
    assert.ok(objects.body.total >= 5000, `total ${objects.body.total}`);
    assert.equal(objects.body.objects.length, MAX_OBJECTS_PAGE);
    const system = await getJson(api + '/heap/classes/(system)/objects?start=0&end=5');
    const graph = await getJson<HeapRetainerGraph>(api + `/heap/objects/${system.body.objects[0].id}/retainers?maxNodes=1000000&maxPaths=100000`);
    assert.equal(graph.status, 200);
    assert.ok(graph.body.nodes.length <= MAX_RETAINER_NODES, `${graph.body.nodes.length} nodes`);
    assert.ok(graph.body.paths.length <= MAX_RETAINER_PATHS, `${graph.body.paths.length} paths`);
    assert.equal(graph.body.truncated, true, 'the cap was reached');
    for (const bad of ['maxNodes=-1', 'maxNodes=1e9', 'maxPaths=abc']) assert.equal((await getJson(api + `/heap/objects/1/retainers?${bad}`)).status, 400, bad);
    program.send('ballast 0');
    await program.json('done');
  });

  test('only maxSnapshots heap snapshots are kept: the oldest is dropped with a note and an event', async () => {
    const events = await fetch(api + '/events');
    const reader = events.body!.getReader();
    const before = (await getJson<HeapSnapshotEntry[]>(api + '/heap/snapshots')).body.length;
    for (const d of ['second', 'third']) assert.equal((await post('/tracker/snapshots', { description: d })).status, 200);
    const list = (await getJson<HeapSnapshotEntry[]>(api + '/heap/snapshots')).body;
    assert.equal(list.length, before + 2);
    const dropped = list.filter((e) => e.dropped);
    assert.equal(list.length - dropped.length, 2, 'two held');
    assert.match(dropped[0].dropped!, /^snapshot 0 was dropped to keep at most 2 heap snapshots \(maxSnapshots\)/);
    const gone = await getJson(api + '/heap/classes?snapshot=0');
    assert.equal(gone.status, 410);
    assert.equal(gone.body.error, 'snapshot dropped');
    const held = list.filter((e) => !e.dropped).map((e) => e.index);
    for (const i of held) assert.equal((await getJson<HeapClassSummary[]>(api + `/heap/classes?snapshot=${i}`)).status, 200);
    assert.equal((await getJson(api + `/heap/diff?from=${held[0]}&to=${held[1]}`)).status, 200);
    // the tracker's own summaries stay; garbage between the two held snapshots still works
    assert.equal((await getJson(api + '/tracker')).body.snapshots.length, list.length);
    assert.equal((await getJson(api + '/garbage')).status, 200);
    let text = '';
    const deadline = Date.now() + 5_000;
    while (!text.includes('event: snapshot-dropped') && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    assert.match(text, /event: snapshot-dropped\ndata: \{"index":\d+,"label":"[^"]*","note":"snapshot \d+ was dropped/);
  });
});

describe('faults', () => {
  test('the inspector connection drops mid-snapshot: a clear 503, the server up, earlier snapshots intact, the program alive', async () => {
    const { program, wsUrl, pid } = await startInspected('classes.js');
    programs.push(program);
    // A TCP relay between the profiler and the inspector, cut while a snapshot streams.
    const sockets = new Set<Socket>();
    const relay = createTcpServer((client) => {
      const upstream = tcpConnect(Number(new URL(wsUrl).port), '127.0.0.1');
      client.pipe(upstream).pipe(client);
      for (const sock of [client, upstream]) {
        sockets.add(sock);
        sock.on('error', () => {});
        sock.on('close', () => sockets.delete(sock));
      }
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const relayed = wsUrl.replace(/:\d+\//, `:${(relay.address() as { port: number }).port}/`);
    try {
      const target = await NodeTarget.attach(await connectToInspector(relayed));
      const server = await startServer({ target, port: 0 });
      servers.push(server);
      const api = `http://127.0.0.1:${server.port}/api`;
      const post = (path: string, body: unknown) => getJson(api + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal((await post('/tracker/classes', { name: 'TrackedWidget' })).status, 201);
      assert.equal((await post('/tracker/snapshots', { description: 'before' })).status, 200);
      program.send('ballast 300000');
      await program.json('done');
      const capturing = new Promise<void>((r) => server.tracker.onProgress((p) => p.phase === 'capture' && r()));
      const pending = post('/tracker/snapshots', { description: 'cut' });
      await capturing;
      for (const sock of sockets) sock.destroy();
      const cut = await pending;
      assert.equal(cut.status, 503, JSON.stringify(cut.body));
      assert.equal(cut.body.error, 'the profiled program is gone');
      assert.match(cut.body.detail, /earlier snapshots are kept/);
      const state = (await getJson(api + '/tracker')).body;
      assert.deepEqual(
        state.snapshots.map((x: { description: string }) => x.description),
        ['before'],
      );
      assert.equal(state.busy, false);
      assert.equal((await getJson(api + '/heap/classes?snapshot=0')).status, 200);
      assert.equal((await getJson(api + '/process')).status, 503);
      const info = (await getJson(api + '/target')).body;
      assert.equal(info.connected, false);
      // the program itself lives on
      process.kill(pid, 0);
      program.send('add TrackedWidget 1');
      assert.equal((await program.json('done')).counts.TrackedWidget, 51);
    } finally {
      relay.close();
    }
  });

  test('a busy port is refused with a clear error; the server already there keeps serving', async () => {
    const { server } = await serve();
    await assert.rejects(startServer({ target: new OfflineTarget([]), port: server.port }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'EADDRINUSE');
      assert.equal(e.message, `port ${server.port} on 127.0.0.1 is already in use; choose another with --port`);
      return true;
    });
    assert.equal((await raw(server.port, '/api/target')).status, 200);
  });
});

/** Figures of the corpus run, printed for the README ("Security and reliability"). */
const corpusFigures: Record<string, number | string> = {};

describe('corrupt snapshots', () => {
  const snapshots: Buffer[] = [];

  before(() => {
    const a = join(dir, 'a.heapsnapshot');
    const b = join(dir, 'b.heapsnapshot');
    execFileSync(process.execPath, [fixture('writeSnapshot.js'), a, b]);
    snapshots.push(readFileSync(a), readFileSync(b));
  });

  /**
   * The two real snapshots (4 MB each, parsed in full by most mutations) get a quarter of the
   * corpus; a real snapshot cut down to its first 3 000 objects (about 150 kB) gets the rest, so
   * the corpus runs in seconds.
   */
  const bases = () => [
    { buf: snapshots[0], share: 0.25 },
    { buf: snapshots[1], share: 0.25 },
    { buf: Buffer.from(cutDown(snapshots[1].toString('utf8'), 3000)), share: 2.5 },
  ];

  /**
   * 1 000+ inputs made from the two real snapshots, each certainly not a usable snapshot; made one
   * at a time (held all at once they would take gigabytes).
   */
  function* corpus(): Generator<{ kind: string; input: Buffer }> {
    const rand = rng(7);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    const make = (kind: string, input: Buffer | string) => ({ kind, input: Buffer.isBuffer(input) ? input : Buffer.from(input) });
    const all = bases();
    const count = (n: number, share: number) => Math.round(n * share);
    for (const { buf: base, share } of all) {
      const text = base.toString('latin1');
      const end = text.lastIndexOf('}');
      const nodesAt = text.indexOf('"nodes":[') + 9;
      const numbersEnd = text.indexOf('"strings":[');
      // truncated anywhere before the end
      for (let k = 0; k < count(160, share); k++) yield make('truncated', base.subarray(0, Math.floor(rand() * end)));
      // a foreign character in the number arrays (nodes, edges, trace data)
      for (let k = 0; k < count(100, share); k++) {
        const b = Buffer.from(base);
        b[nodesAt + Math.floor(rand() * (numbersEnd - nodesAt - 2))] = pick([...'x@#!?:{}"-.+e'].map((c) => c.charCodeAt(0)));
        yield make('foreign byte in numbers', b);
      }
      // structure broken: a bracket, brace or quote removed, or trailing garbage
      for (let k = 0; k < count(16, share); k++) {
        const b = Buffer.from(base);
        const at = [text.indexOf('['), text.indexOf('"nodes":['), text.indexOf('"edges":['), text.indexOf('"strings":[')][k % 4] + (k % 4 ? 8 : 0);
        yield make('bracket removed', Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]));
      }
      for (let k = 0; k < count(8, share); k++) yield make('trailing garbage', Buffer.concat([base, Buffer.from(pick(['x', '{}', ',1', ']', '"s"', '\u0000']))]));
    }
    for (const { buf, share } of all) {
      const s = JSON.parse(buf.toString('utf8'));
      const few = share < 1;
      const F = s.snapshot.meta.node_fields.length;
      const E = s.snapshot.meta.edge_fields.length;
      const toAt = s.snapshot.meta.edge_fields.indexOf('to_node');
      const nodeCount = s.snapshot.node_count;
      const edgeCount = s.snapshot.edge_count;
      const variant = (kind: string, change: (t: any) => void) => {
        const t = { ...s, snapshot: { ...s.snapshot, meta: structuredClone(s.snapshot.meta) } };
        change(t);
        return make(kind, JSON.stringify(t));
      };
      // counts that lie, from a little to absurdly (memory must stay bounded)
      for (const d of [-1, 1, -7, 9, -1000, 1000, 1e6, 1e9, 2 ** 32, 1e15]) {
        yield variant('node_count lies', (t) => (t.snapshot.node_count = Math.max(0, nodeCount + d)));
        yield variant('edge_count lies', (t) => (t.snapshot.edge_count = Math.max(0, edgeCount + d)));
      }
      if (few) continue; // the rest on the cut-down snapshot only
      // references out of range or misaligned
      for (let k = 0; k < 60; k++) {
        const edges = s.edges.slice();
        const i = Math.floor(rand() * edgeCount) * E + toAt;
        edges[i] = [nodeCount * F, edges[i] + 1, 2 ** 40, -F, nodeCount * F * 1000, 1.5][k % 6];
        yield variant('edge to_node out of range', (t) => (t.edges = edges));
      }
      // node rows cut short, edge arrays cut short
      for (let k = 1; k <= 20; k++) {
        yield variant('nodes array short', (t) => (t.nodes = s.nodes.slice(0, s.nodes.length - k)));
        yield variant('edges array short', (t) => (t.edges = s.edges.slice(0, s.edges.length - k)));
      }
      // strings referenced that do not exist
      yield variant('strings missing', (t) => (t.strings = t.strings.slice(0, 3)));
      yield variant('strings not text', (t) => (t.strings = [1, 2, 3]));
      // bad meta
      const metas: Array<(m: any) => void> = [
        (m) => delete m.node_fields,
        (m) => (m.node_fields = 'type'),
        (m) => (m.node_types = [[]]),
        (m) => delete m.edge_fields,
        (m) => (m.edge_fields = ['type', 'name_or_index']),
        (m) => (m.node_fields = ['type', 'name', 'id', 'self_size']),
        (m) => (m.node_types = 'object'),
        (m) => (m.edge_types = []),
      ];
      for (const m of metas) yield variant('bad meta', (t) => m(t.snapshot.meta));
      yield variant('no meta', (t) => delete t.snapshot.meta);
      yield variant('no nodes', (t) => delete t.nodes);
      yield variant('no edges', (t) => delete t.edges);
      yield variant('no snapshot', (t) => delete t.snapshot);
    }
    // not a heap snapshot at all
    for (const j of [
      '',
      ' ',
      '\n\n',
      '{}',
      '[]',
      'null',
      '0',
      '"x"',
      'true',
      '{"snapshot": 1}',
      '{"snapshot": {}}',
      '{"nodes": [1,2]}',
      '{"format":"memory-profiler-stats","version":1}',
      readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'),
    ])
      yield make('not a snapshot', j);
    yield make('gzip of a snapshot', gzipSync(snapshots[0]));
    yield make('UTF-16 snapshot', Buffer.from(`\ufeff${snapshots[0].toString('utf8').slice(0, 100_000)}`, 'utf16le'));
    for (let k = 0; k < 100; k++) {
      const b = Buffer.alloc(1 + Math.floor(rand() * 20_000));
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
      if (k % 2) b.write('{"snapshot":', 0);
      yield make(k % 2 ? 'random after a snapshot header' : 'random bytes', b);
    }
  }

  test('1 000+ mutated real snapshots each end in HeapSnapshotError; the worker stays usable; memory stays bounded', async () => {
    const client = new HeapWorkerClient();
    try {
      // Warm up: one good snapshot through the worker, so the baseline includes a parsed graph's worth.
      const warm = await client.open(join(dir, 'a.heapsnapshot'));
      await client.dispose(warm.snapshot);
      global.gc?.();
      const baseline = process.memoryUsage.rss();
      let peak = baseline;
      // peak RSS per 100 inputs: a leak shows as a rising trajectory
      const trajectory: number[] = [];
      let peakSince = 0;
      const sampler = setInterval(() => {
        const rss = process.memoryUsage.rss();
        peak = Math.max(peak, rss);
        peakSince = Math.max(peakSince, rss);
      }, 5);
      const started = Date.now();
      const kinds = new Map<string, number>();
      let viaFile = 0;
      let n = 0;
      let largest = 0;
      try {
        for (const { kind, input } of corpus()) {
          n++;
          largest = Math.max(largest, input.length);
          let outcome: unknown;
          try {
            if (n % 25 === 0) {
              // the CLI's path: a file opened by the worker
              const file = join(dir, 'corrupt.heapsnapshot');
              writeFileSync(file, input);
              viaFile++;
              await client.open(file);
            } else {
              const stream = await client.beginStream({ totalBytes: input.length });
              const chunk = [1 << 16, 16_381, 1 << 20][n % 3];
              for (let i = 0; i < input.length; i += chunk) stream.write(input.subarray(i, i + chunk));
              await stream.end();
            }
            outcome = 'parsed';
          } catch (e) {
            outcome = e;
          }
          assert.ok(isHeapSnapshotError(outcome), `input ${n} (${kind}, ${input.length} bytes) gave ${outcome instanceof Error ? outcome.stack : String(outcome)}`);
          const e = outcome as Error & { offset: number };
          assert.match(e.message, /^Invalid heap snapshot: .+ \(at byte \d+\)$/);
          assert.doesNotMatch(e.message, /\n/, 'one line');
          assert.ok(e.offset >= 0 && e.offset <= input.length, `input ${n} (${kind}): offset ${e.offset} within ${input.length} bytes`);
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
          if (n % 100 === 0) trajectory.push(Math.round(peakSince / 1048576));
          if (n % 100 === 0) peakSince = 0;
        }
      } finally {
        clearInterval(sampler);
      }
      const seconds = (Date.now() - started) / 1000;
      // still usable: a good snapshot opens and answers
      const good = await client.open(join(dir, 'b.heapsnapshot'));
      const classes = await client.classes(good.snapshot);
      assert.equal(classes.find((c) => c.name === 'Leaf')?.count, 220);
      assert.ok(n >= 1000, `${n} inputs`);
      const growthMb = (peak - baseline) / 1048576;
      Object.assign(corpusFigures, {
        inputs: n,
        viaFile,
        kinds: kinds.size,
        seconds: Number(seconds.toFixed(1)),
        baselineRssMb: Math.round(baseline / 1048576),
        peakRssMb: Math.round(peak / 1048576),
        growthMb: Math.round(growthMb),
        largestInputMb: Number((largest / 1048576).toFixed(1)),
        trajectoryMb: trajectory.join(' '),
      });
      console.log(`corrupt corpus: ${JSON.stringify(corpusFigures)}`);
      // Bounded: parsing a 4 MB input costs a few hundred MB at the peak (worker arrays, the
      // test's own copies, garbage not yet collected), but nothing accumulates across inputs.
      assert.ok(growthMb < 1024, `peak RSS grew ${growthMb.toFixed(0)} MB over the corpus`);
      // A leak would grow with every input (over 1 000 inputs of up to 4 MB: gigabytes); the peak
      // per 100 inputs also moves with which inputs fell in that window and with the allocator
      // keeping freed pages, so the last third's peak is compared with the first third's.
      const third = Math.max(1, Math.floor(trajectory.length / 3));
      const early = Math.max(...trajectory.slice(0, third));
      const late = Math.max(...trajectory.slice(-third));
      assert.ok(late <= early + 384, `RSS rises over the corpus (a leak): ${trajectory.join(' ')} MB`);
    } finally {
      await client.terminate();
    }
  });

  test('the CLI reports a truncated, a random and a huge (2 GB) file in one line, quickly, no stack trace', async () => {
    const truncated = join(dir, 'truncated.heapsnapshot');
    writeFileSync(truncated, snapshots[0].subarray(0, snapshots[0].length >> 1));
    const random = join(dir, 'random.heapsnapshot');
    const r = rng(3);
    writeFileSync(random, Buffer.from(Array.from({ length: 4096 }, () => Math.floor(r() * 256))));
    const huge = join(dir, 'huge.heapsnapshot');
    // sparse: 2 GB of zero bytes that take no disk
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, 2 ** 31);
    closeSync(fd);
    const lying = join(dir, 'lying.heapsnapshot');
    const header = snapshots[0].toString('utf8');
    writeFileSync(lying, header.slice(0, header.indexOf('"nodes":[') + 9).replace(/"node_count":\d+/, '"node_count":1000000000') + '0,1,2');
    for (const file of [truncated, random, huge, lying]) {
      const started = Date.now();
      const p = startNode([CLI, 'open', file, '--port', '0']);
      programs.push(p);
      const { code } = await p.exited;
      assert.equal(code, 1, file);
      const lines = p.stderrLines.filter((l) => l.trim() && !/^memory-profiler: loading /.test(l));
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0], new RegExp(`^memory-profiler: error: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: Invalid heap snapshot: .+ \\(at byte \\d+\\)$`));
      assert.ok(Date.now() - started < 20_000, `${file} took ${Date.now() - started} ms`);
    }
  });
});
