/**
 * Hostile and damaged stats dumps: a gzip bomb is refused after inflating no more than the
 * limit, a damaged dump is refused at open in one line naming the field, and whatever passes
 * the check is served without a 500 (a real dump of a real program, mutated field by field,
 * through the real app).
 */
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { connectToInspector } from '../../src/targets/node';
import { HeapWorkerClient } from '../../src/heap/client';
import type { StatsDump } from '../../src/model';
import { createApp, startServer } from '../../src/server';
import { EventStream } from '../../src/server/events';
import { HeapStore } from '../../src/server/heapStore';
import { NodeTarget, OfflineTarget } from '../../src/targets';
import { ClassTracker, loadStats, StatsFileError } from '../../src/tracker';
import { CLI, type Program, command, getJson, json, startInspected, startNode } from '../helpers/programs';
import { rng } from '../helpers/random';

const dir = mkdtempSync(join(tmpdir(), 'mp-stats-'));
const running: Program[] = [];
after(() => {
  running.forEach((p) => p.kill());
  rmSync(dir, { recursive: true, force: true });
});

/** 10 MB of gzip members of 64 MiB of zeros each: it would inflate to almost 10 GB. */
function gzipBomb(file: string): number {
  const member = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
  const members = Math.ceil(10e6 / member.length);
  writeFileSync(file, Buffer.concat(Array(members).fill(member)));
  return members * 64 * 1024 * 1024;
}

describe('gzip bombs and huge files', () => {
  test('a 10 MB gzip bomb is refused once it passes the limit, in one line, holding no more than the limit', async () => {
    const file = join(dir, 'bomb.json.gz');
    const inflated = gzipBomb(file);
    assert.ok(inflated > 9e9);
    global.gc?.();
    const before = process.memoryUsage.rss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
    const started = Date.now();
    try {
      await assert.rejects(loadStats(file), (e: Error) => {
        assert.ok(e instanceof StatsFileError);
        assert.equal(
          e.message,
          `${file}: it inflates to more than 256 MiB (from 10 MiB compressed), more than a stats dump would; refused as a possible gzip bomb (loadStats(file, {maxBytes, inflateRatio}) raises the limit)`,
        );
        return true;
      });
    } finally {
      clearInterval(sampler);
    }
    const grew = (peak - before) / 1048576;
    console.log(`gzip bomb refused after ${Date.now() - started} ms, RSS +${Math.round(grew)} MiB`);
    assert.ok(grew < 400, `RSS grew by ${Math.round(grew)} MiB (the limit is 256 MiB)`);
    // A smaller limit is a smaller hold.
    await assert.rejects(loadStats(file, { maxBytes: 16 * 1024 * 1024 }), /inflates to more than 16 MiB/);
  });

  test('memory-profiler open on the bomb: exit code 1, one line, no stack trace', async () => {
    const file = join(dir, 'bomb2.json.gz');
    gzipBomb(file);
    const p = startNode([CLI, 'open', file, '--port', '0']);
    running.push(p);
    assert.equal((await p.exited).code, 1);
    assert.deepEqual(
      p.stderrLines.filter((l) => l.trim()),
      [
        `memory-profiler: error: ${file}: it inflates to more than 256 MiB (from 10 MiB compressed), more than a stats dump would; refused as a possible gzip bomb (loadStats(file, {maxBytes, inflateRatio}) raises the limit)`,
      ],
    );
  });

  test('an uncompressed file over the limit is refused without being read', async () => {
    const file = join(dir, 'huge.json');
    const fd = openSync(file, 'w');
    ftruncateSync(fd, 300 * 1024 * 1024);
    closeSync(fd);
    await assert.rejects(loadStats(file), new RegExp(`^StatsFileError: ${file.replace(/[.]/g, '\\.')}: 300 MiB is more than a stats dump would be`));
  });
});

describe('damaged stats dumps', () => {
  let dump: StatsDump;

  before(async () => {
    // A real dump: tracked classes (one traced), three snapshots with garbage between them, a census.
    const started = await startInspected('classes.js');
    running.push(started.program);
    const target = await NodeTarget.attach(await connectToInspector(started.port));
    const server = await startServer({ target, port: 0 });
    try {
      const api = `http://127.0.0.1:${server.port}/api`;
      await getJson(api + '/tracker/classes', json('POST', { name: 'TrackedWidget' }));
      await getJson(api + '/tracker/classes', json('POST', { name: 'CycleNode', trace: true, resolutionLevel: 2 }));
      await getJson(api + '/tracker/snapshots', json('POST', {}));
      await command(started.program, 'cycles 5');
      await getJson(api + '/tracker/snapshots', json('POST', {}));
      await command(started.program, 'dropcycles');
      await getJson(api + '/tracker/snapshots', json('POST', {}));
      await getJson(api + '/tracker/census', json('POST'));
      dump = (await getJson<StatsDump>(api + '/stats')).body;
    } finally {
      await server.stop();
    }
    assert.equal(dump.snapshots.length, 3);
    assert.ok(dump.garbage?.length && dump.garbage[0].details.length, 'the dump holds garbage graphs');
    assert.ok(dump.census?.length);
  });

  const write = (name: string, value: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(value));
    return file;
  };
  const copy = (): any => JSON.parse(JSON.stringify(dump));

  test('each damage is refused at open with one line naming the field', async () => {
    const cases: Array<[string, (d: any) => void, string]> = [
      ['snapshots of the wrong kinds', (d) => (d.snapshots = [null, 5, 'x']), 'snapshots[0] is not an object'],
      ['a number for a snapshot', (d) => (d.snapshots[1] = 5), 'snapshots[1] is not an object'],
      ['garbage that is not a list', (d) => (d.garbage = 5), 'garbage is not a list'],
      ['a garbage graph without its edges', (d) => delete d.garbage[0].details[0].graph.edges, 'garbage[0].details[0].graph.edges is missing'],
      ['a class stat that is text', (d) => (d.snapshots[2].classes.TrackedWidget.active = '50'), 'snapshots[2].classes.TrackedWidget.active is not an integer'],
      ['a tracked name that is a number', (d) => (d.tracked[0].name = 5), 'tracked[0].name is not a string'],
      ['a lifetime size that is not a pair', (d) => (d.classes.TrackedWidget.instances[0].sizes[0] = [1]), 'classes.TrackedWidget.instances[0].sizes[0] is not a list of 2'],
      ['a census that is not estimated', (d) => (d.census[0].classes.CycleNode.estimated = false), 'census[0].classes.CycleNode.estimated is not one of true'],
      [
        'a referent tree with a bad child',
        (d) => (d.classes.CycleNode.snapshots[0].referents[0].children = [null]),
        'classes.CycleNode.snapshots[0].referents[0].children[0] is not an object',
      ],
      ['snapshots out of order', (d) => (d.snapshots[1].index = 7), 'snapshots[1].index is 7, not 1 (its place in the list)'],
      ['classes as a list', (d) => (d.classes = []), 'classes is not an object'],
      ['a missing timeline', (d) => delete d.timeline, 'timeline is missing'],
      ['a class name with a quote', (d) => (d.snapshots[0].classes['a"b'] = null), 'snapshots[0].classes["a\\"b"] is not an object'],
    ];
    for (const [what, damage, field] of cases) {
      const d = copy();
      damage(d);
      const file = write('damaged.json', d);
      await assert.rejects(loadStats(file), (e: Error) => {
        assert.ok(e instanceof StatsFileError, what);
        assert.equal(e.message, `${file}: damaged stats dump: ${field}`, what);
        return true;
      });
    }
    const sound = write('sound.json', copy());
    assert.equal((await loadStats(sound)).snapshots.length, 3, 'the undamaged dump opens');
    const p = startNode([CLI, 'open', write('cli.json', { ...copy(), snapshots: [null, 5, 'x'] }), '--port', '0']);
    running.push(p);
    assert.equal((await p.exited).code, 1);
    assert.match(p.stderrLines.join('\n'), /^memory-profiler: error: \S+cli\.json: damaged stats dump: snapshots\[0\] is not an object$/);
  });

  test('300 random damages: each is refused naming a field, or the dump is served with no 500 on any page or API path', async () => {
    const rand = rng(16);
    // Every path to a value in the dump.
    const paths: Array<Array<string | number>> = [];
    const walk = (v: unknown, path: Array<string | number>) => {
      if (path.length) paths.push(path);
      if (Array.isArray(v)) v.slice(0, 3).forEach((x, i) => walk(x, [...path, i]));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    };
    walk(dump, []);
    const replacements = [null, 5, -1, 1e300, 'x', [], {}, true, [null], { a: 1 }];
    let refused = 0;
    let served = 0;
    for (let n = 0; n < 300; n++) {
      const d = copy();
      const path = paths[Math.floor(rand() * paths.length)];
      let at = d;
      for (const key of path.slice(0, -1)) at = at[key];
      at[path.at(-1)!] = replacements[Math.floor(rand() * replacements.length)];
      const file = write('fuzz.json', d);
      let loaded: StatsDump | undefined;
      try {
        loaded = await loadStats(file);
      } catch (e) {
        assert.ok(e instanceof StatsFileError, `${path.join('.')}: ${(e as Error).stack}`);
        assert.doesNotMatch(e.message, /\n/);
        refused++;
        continue;
      }
      served++;
      await assertNo500(loaded, path.join('.'));
    }
    console.log(`random damages: ${refused} refused at open, ${served} served`);
    assert.ok(refused > 100 && served > 10, `${refused} refused, ${served} served`);
  });
});

/** Every page and API path of an offline server on `dump` answers, none with a 500. */
async function assertNo500(dump: StatsDump, what: string): Promise<void> {
  const tracker = ClassTracker.fromStats(dump);
  const app = createApp({ target: new OfflineTarget([]), events: new EventStream(), heap: new HeapStore(), host: 'localhost', tracker });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const names = [...new Set([...Object.keys(dump.classes ?? {}), 'TrackedWidget', 'CycleNode'])];
    const paths = [
      '/api/tracker',
      '/api/stats',
      '/api/garbage',
      '/api/garbage?to=1',
      '/api/garbage/0',
      '/api/garbage/1',
      '/',
      '/tracker',
      '/garbage',
      ...names.map((n) => `/api/tracker/classes/${encodeURIComponent(n)}`),
    ];
    for (const path of paths) {
      const status = await new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        })
          .on('error', reject)
          .end();
      });
      assert.ok(status < 500, `${what}: GET ${path} answered ${status}`);
    }
  } finally {
    await new Promise((r) => server.close(r));
    await tracker.dispose();
  }
}
