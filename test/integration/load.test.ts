/**
 * Bounded load: 50 concurrent clients for 10 s on loopback against a cached endpoint
 * (`/api/heap/classes`, computed once per snapshot) and an uncached one (`/api/process`, asks the
 * program every time), while heap snapshots are taken one after another. The server runs as its
 * own process (`memory-profiler run`), so its memory is measured alone (RSS from /proc).
 * Zero failed requests; the server's RSS stays bounded. The figures are printed for the README.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { CLI, type Program, fixture, startNode } from '../helpers/programs';

const CLIENTS = 50;
const SECONDS = 10;

const running: Program[] = [];
after(() => running.forEach((p) => p.kill()));

/** Resident set size of a process in bytes (Linux /proc), or undefined elsewhere. */
function rssOf(pid: number): number | undefined {
  const file = `/proc/${pid}/status`;
  if (!existsSync(file)) return undefined;
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(file, 'utf8'));
  return m ? Number(m[1]) * 1024 : undefined;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

test(`${CLIENTS} clients for ${SECONDS} s on cached and uncached endpoints while snapshots run: no failure, bounded memory`, { timeout: 120_000 }, async () => {
  const server = startNode([CLI, 'run', '--port', '0', '--', process.execPath, fixture('classes.js')]);
  running.push(server);
  const url = (await server.waitFor(/profiling .* at (http:\S+)$/, 30_000, 'stderr'))[1];
  const api = `${url}api`;
  // a heavier heap: snapshots take a while, so the load meets one running
  server.send('ballast 20000');
  await server.json('done');
  const post = (path: string, body: unknown) =>
    fetch(api + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  assert.equal((await post('/tracker/classes', { name: 'TrackedWidget' })).status, 201);
  assert.equal((await post('/tracker/snapshots', { description: 'warm' })).status, 200);
  assert.equal((await fetch(api + '/heap/classes')).status, 200);

  const pid = server.child.pid!;
  const rssBefore = rssOf(pid);
  let rssPeak = rssBefore ?? 0;
  const rssSamples: number[] = [];
  const sampler = setInterval(() => {
    const rss = rssOf(pid);
    if (rss !== undefined) {
      rssSamples.push(rss);
      rssPeak = Math.max(rssPeak, rss);
    }
  }, 100);

  const deadline = Date.now() + SECONDS * 1000;
  // snapshots one after another for the whole run (each pauses the program while V8 writes it)
  let snapshots = 0;
  let busy = 0;
  const busyReasons = new Set<string>();
  const snapshotter = (async () => {
    while (Date.now() < deadline) {
      const r = await post('/tracker/snapshots', { description: `under load ${snapshots}` });
      if (r.status === 200) snapshots++;
      else if (r.status === 409) {
        busy++;
        busyReasons.add(((await r.clone().json()) as { detail?: string }).detail ?? '');
        await new Promise((done) => setTimeout(done, 100));
      } else throw new Error(`snapshot under load: ${r.status} ${await r.text()}`);
      await r.arrayBuffer().catch(() => undefined);
    }
  })();
  // and one racing request now and then, which must be refused with 409 while one runs
  const racer = (async () => {
    await new Promise((r) => setTimeout(r, 2_000));
    const r = await post('/tracker/snapshots', { description: 'racing' });
    return r.status;
  })();

  const endpoints = { cached: '/heap/classes', uncached: '/process' } as const;
  const latencies: Record<keyof typeof endpoints, number[]> = { cached: [], uncached: [] };
  const failures: string[] = [];
  const clients = Array.from({ length: CLIENTS }, async (_, i) => {
    const kind: keyof typeof endpoints = i % 2 ? 'cached' : 'uncached';
    while (Date.now() < deadline) {
      const t = performance.now();
      try {
        const r = await fetch(api + endpoints[kind], { signal: AbortSignal.timeout(30_000) });
        const body = await r.text();
        if (r.status !== 200) failures.push(`${kind} ${r.status} ${body.slice(0, 200)}`);
        else latencies[kind].push(performance.now() - t);
      } catch (e) {
        failures.push(`${kind} ${(e as Error).message}`);
      }
    }
  });
  await Promise.all(clients);
  await snapshotter;
  const racing = await racer;
  clearInterval(sampler);

  // the server is still up and whole afterwards
  const state = await (await fetch(api + '/tracker')).json();
  assert.equal(state.busy, false);
  const heap = await (await fetch(api + '/heap/snapshots')).json();

  const all = [...latencies.cached, ...latencies.uncached].sort((a, b) => a - b);
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return {
      requests: s.length,
      perSecond: Math.round(s.length / SECONDS),
      p50ms: Number(percentile(s, 50).toFixed(1)),
      p99ms: Number(percentile(s, 99).toFixed(1)),
      maxMs: Number((s[s.length - 1] ?? NaN).toFixed(1)),
    };
  };
  const mb = (b: number | undefined) => (b === undefined ? undefined : Math.round(b / 1048576));
  const figures = {
    clients: CLIENTS,
    seconds: SECONDS,
    total: stats(all),
    cached: stats(latencies.cached),
    uncached: stats(latencies.uncached),
    failed: failures.length,
    snapshotsTaken: snapshots,
    snapshotsRefusedBusy: busy,
    busyReasons: [...busyReasons],
    racingSnapshotStatus: racing,
    heapSnapshotsHeld: heap.filter((e: { dropped?: string }) => !e.dropped).length,
    serverRssBeforeMb: mb(rssBefore),
    serverRssPeakMb: mb(rssPeak || undefined),
    serverRssEndMb: mb(rssSamples[rssSamples.length - 1]),
  };
  console.log(`load figures: ${JSON.stringify(figures)}`);

  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed requests`);
  assert.ok(snapshots >= 2, `snapshots taken under load: ${snapshots}`);
  assert.ok(racing === 409 || racing === 200, `a racing snapshot: ${racing}`);
  assert.ok(all.length > CLIENTS * SECONDS, `only ${all.length} requests answered`);
  if (rssBefore !== undefined) {
    // bounded: at most 20 snapshots are held, each a few MB parsed; the load itself adds little
    assert.ok(rssPeak < 1536 * 1048576, `server RSS peaked at ${mb(rssPeak)} MB`);
  }
  server.kill('SIGINT');
  await server.exited;
});
