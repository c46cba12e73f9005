import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, describe, mock, test } from 'node:test';
import type { ClassDetail, StatsDump, TrackedClassCensus } from '../../../src/model';
import { addCensus } from '../../../src/tracker/lifetimes';
import { checkSnapshotMemory, MemoryGuardError, SNAPSHOT_PEAK_FACTOR } from '../../../src/tracker';
import { PeriodicSnapshots } from '../../../src/tracker/periodic';
import { loadStats, writeStats } from '../../../src/tracker/statsFile';

const MB = 1048576;
const dir = mkdtempSync(join(tmpdir(), 'mp-unit-tracker-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('memory guard', () => {
  test('refuses when factor × heap used exceeds free memory, and says the figures', () => {
    assert.equal(SNAPSHOT_PEAK_FACTOR, 10);
    const ok = checkSnapshotMemory({ used: 100 * MB, limit: 4096 * MB }, { freeMemory: () => 1001 * MB });
    assert.equal(ok.estimate, 1000 * MB);
    assert.throws(
      () => checkSnapshotMemory({ used: 100 * MB, limit: 4096 * MB }, { freeMemory: () => 999 * MB }),
      (e: unknown) => e instanceof MemoryGuardError && e.status === 409 && /uses 100 MB \(limit 4,096 MB\).*1,000 MB.*only 999 MB is free/.test(e.message),
    );
    assert.doesNotThrow(() => checkSnapshotMemory({ used: 100 * MB, limit: 0 }, { factor: 2, freeMemory: () => 300 * MB }));
  });
});

describe('periodic snapshots', () => {
  const timeline = { start() {}, stop() {} };
  /** A fake tracker whose full snapshots pause for `fullMs` and censuses for `censusMs`, on a fake clock. */
  const fake = (fullMs: number, censusMs: number) => {
    const clock = { now: 0 };
    const log: Array<[string, number, number]> = [];
    let lastFull = 0;
    const work = {
      full: async () => {
        clock.now += fullMs;
        lastFull = fullMs;
        log.push(['full', clock.now, fullMs]);
        return fullMs;
      },
      census: async () => {
        clock.now += censusMs;
        log.push(['census', clock.now, censusMs]);
        return censusMs;
      },
      lastFullMs: () => lastFull,
      hasFull: () => lastFull > 0,
      busy: () => false,
    };
    return { clock, log, work };
  };
  /** Runs the periodic loop for `seconds` of fake time (timers mocked, the clock moved with them). */
  const run = async (periodic: PeriodicSnapshots, clock: { now: number }, seconds: number) => {
    for (let ms = 0; ms < seconds * 1000; ms += 100) {
      clock.now += 100;
      mock.timers.tick(100);
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
  };

  test('full mode: stretch the interval to keep the pauses within the budget', () => {
    let last = 0;
    const periodic = new PeriodicSnapshots({ full: async () => 0, census: async () => 0, lastFullMs: () => last, hasFull: () => true, busy: () => false }, timeline);
    periodic.start(1_000, 0.05, 'full');
    assert.equal(periodic.delay(), 1_000);
    last = 200; // a 200 ms pause: at most 5 % of the time → 4 s apart
    assert.equal(periodic.delay(), 4_000);
    last = 30;
    assert.equal(periodic.delay(), 1_000);
    const status = periodic.status()!;
    assert.deepEqual([status.intervalMs, status.budget, status.mode, status.censuses, status.fullSnapshots], [1_000, 0.05, 'full', 0, 0]);
    periodic.stop();
    assert.equal(periodic.status(), null);
  });

  test('census mode: a census every interval, a full snapshot when the pause credit covers one', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const { clock, log, work } = fake(200, 10);
      const periodic = new PeriodicSnapshots(work, timeline, () => clock.now);
      periodic.start(1_000, 0.05);
      await run(periodic, clock, 60);
      const status = periodic.status()!;
      periodic.stop();
      assert.equal(log[0][0], 'full', 'the first turn takes a full snapshot (sizes to carry over)');
      const fulls = log.filter(([kind]) => kind === 'full').map(([, at]) => at);
      const censuses = log.filter(([kind]) => kind === 'census').length;
      // credit: 5 % of 1 s per turn = 50 ms, minus a 10 ms census. The first 200 ms snapshot is
      // paid back over 9 turns of censuses, then a full snapshot every 5th turn.
      assert.deepEqual(
        log
          .slice(0, 12)
          .map(([kind]) => kind[0])
          .join(''),
        'fcccccccccfc',
      );
      assert.deepEqual([fulls.length, censuses], [11, 49]);
      for (let i = 1; i < fulls.length; i++) assert.ok(fulls[i] - fulls[i - 1] - 200 >= 200 / 0.05, `full snapshots ${fulls[i] - fulls[i - 1]} ms apart`);
      assert.equal(status.pausedMs, 11 * 200 + 49 * 10);
      assert.ok(status.pausedMs <= 0.05 * status.elapsedMs, `paused ${status.pausedMs} ms of ${status.elapsedMs}`);
      assert.deepEqual([status.mode, status.fullSnapshots, status.censuses], ['census', 11, 49]);
    } finally {
      mock.timers.reset();
    }
  });

  test('census mode: a slow census stretches the interval to half the budget', () => {
    const periodic = new PeriodicSnapshots({ full: async () => 0, census: async () => 0, lastFullMs: () => 0, hasFull: () => true, busy: () => false }, timeline);
    periodic.start(100, 0.05);
    assert.equal(periodic.delay(), 100);
    (periodic as unknown as { lastCensusMs: number }).lastCensusMs = 20;
    assert.equal(periodic.delay(), 800);
    periodic.stop();
  });

  test('census mode: censuses slower than the interval still leave credit for full snapshots', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      // A loaded machine: 800 ms censuses would take all of a 50 % budget if stretched to it alone.
      const { clock, log, work } = fake(2_000, 800);
      const periodic = new PeriodicSnapshots(work, timeline, () => clock.now);
      periodic.start(1_000, 0.5);
      await run(periodic, clock, 120);
      const status = periodic.status()!;
      periodic.stop();
      const fulls = log.filter(([kind]) => kind === 'full').length;
      assert.ok(fulls >= 3, `full snapshots keep coming (${log.map(([k]) => k[0]).join('')})`);
      assert.ok(status.pausedMs <= 0.5 * status.elapsedMs + 2_000, `paused ${status.pausedMs} ms of ${status.elapsedMs}`);
    } finally {
      mock.timers.reset();
    }
  });
});

const census = (ids: number[], truncated = false): TrackedClassCensus => ({
  name: 'A',
  count: ids.length,
  selfSize: ids.length * 10,
  retainedSize: ids.length * 20,
  min: 20,
  max: 20,
  instances: ids.map((id) => ({ id, repr: `A @${id}`, retainedSize: 20 })),
  truncated,
  referents: [],
});
const ctx = (index: number, idReset = false) => ({ index, total: 1000, firstSnapshot: 0, resolutionLevel: 0, idReset, stacks: [] });
const detail = (): ClassDetail => ({ name: 'A', tracked: null, snapshots: [], instances: [], instancesTruncated: false, stacks: [] });

describe('instance lifetimes', () => {
  test('births and deaths by id; unknown births at the first snapshot', () => {
    const d = detail();
    addCensus(d, census([1, 3, 5]), ctx(0));
    addCensus(d, census([1, 5, 7, 9]), ctx(1));
    addCensus(d, census([7]), ctx(2));
    const life = Object.fromEntries(d.instances.map((i) => [i.id, [i.birth, i.death]]));
    assert.deepEqual(life, { 1: [null, 2], 3: [null, 1], 5: [null, 2], 7: [1, null], 9: [1, 2] });
    assert.deepEqual(
      d.snapshots.map((s) => [s.active, s.sum, s.avg, s.pct]),
      [
        [3, 60, 20, 6],
        [4, 80, 20, 8],
        [1, 20, 20, 2],
      ],
    );
    assert.deepEqual(d.instances.find((i) => i.id === 7)!.sizes, [
      [1, 20],
      [2, 20],
    ]);
  });

  test('an id reset cuts lifetimes instead of recording deaths and births', () => {
    const d = detail();
    addCensus(d, census([1, 3]), ctx(0));
    addCensus(d, census([2, 4, 6]), ctx(1, true));
    assert.equal(d.instances.filter((i) => i.death !== null).length, 0);
    assert.deepEqual(
      d.instances.filter((i) => i.lostAt === 1).map((i) => i.id),
      [1, 3],
    );
    assert.deepEqual(
      d.instances.filter((i) => i.birth === null && i.sizes[0][0] === 1).map((i) => i.id),
      [2, 4, 6],
    );
  });

  test('with a truncated list, only ids up to the last listed one can be declared dead', () => {
    const d = detail();
    addCensus(d, census([1, 3, 5]), ctx(0));
    addCensus(d, census([1], true), ctx(1));
    assert.equal(d.instancesTruncated, true);
    assert.deepEqual(
      d.instances.map((i) => i.death),
      [null, null, null],
    );
  });
});

describe('stats files', () => {
  const dump: StatsDump = { format: 'memory-profiler-stats', version: 1, createdAt: 1, target: null, tracked: [], snapshots: [], classes: {}, timeline: [], idResets: [] };
  test('round-trip as JSON and as gzip, with no temporary file left', async () => {
    await writeStats(join(dir, 's.json'), dump);
    await writeStats(join(dir, 's.json.gz'), dump);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')), dump);
    assert.deepEqual(JSON.parse(gunzipSync(readFileSync(join(dir, 's.json.gz'))).toString()), dump);
    // As JSON: a loaded dump keys class names in prototype-free objects.
    assert.deepEqual(JSON.parse(JSON.stringify(await loadStats(join(dir, 's.json.gz')))), dump);
    assert.deepEqual(readdirSync(dir).sort(), ['s.json', 's.json.gz']);
  });
  test('missing files and damaged dumps are named', async () => {
    await assert.rejects(loadStats(join(dir, 'nope.json')), /nope\.json: no such file/);
    await writeStats(join(dir, 'bad.json'), { ...dump, snapshots: undefined } as unknown as StatsDump);
    await assert.rejects(loadStats(join(dir, 'bad.json')), /bad\.json: damaged stats dump: snapshots is missing$/);
  });
});
