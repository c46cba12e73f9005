import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connectToInspector } from '../../src/targets/node';
import { NodeTarget } from '../../src/targets';
import { ClassTracker, loadStats } from '../../src/tracker';
import { type Program, startInspected } from '../helpers/programs';

const running: Program[] = [];
const mountPoint = mkdtempSync(join(tmpdir(), 'mp-full-'));
let mounted = false;
after(() => {
  running.forEach((p) => p.kill());
  if (mounted) execFileSync('umount', [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

test('a full disk while dumping stats: a clear error, the earlier file intact, no half file', async () => {
  // A 16 KiB file system (tests run as root, as CI does): room for the old dump, not the new one.
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', mountPoint]);
  mounted = true;
  const { program, port } = await startInspected('holder.js', { WIDGETS: '2000' });
  running.push(program);
  const tracker = new ClassTracker(await NodeTarget.attach(await connectToInspector(port)));
  await tracker.trackClass('Widget');
  await tracker.createSnapshot('one');

  const file = join(mountPoint, 'stats.json');
  writeFileSync(file, 'the earlier dump');
  await assert.rejects(tracker.dumpStats(file), (e: Error) => {
    assert.equal(e.name, 'StatsFileError');
    assert.equal(e.message, `${file}: could not write the stats (no space left on the device); the file was left as it was`);
    return true;
  });
  assert.equal(readFileSync(file, 'utf8'), 'the earlier dump');
  assert.deepEqual(readdirSync(mountPoint), ['stats.json'], 'no temporary file is left behind');

  // Where there is room, the same tracker dumps fine: nothing was lost.
  const roomy = join(mkdtempSync(join(tmpdir(), 'mp-stats-')), 'stats.json.gz');
  await tracker.dumpStats(roomy);
  const dump = await loadStats(roomy);
  assert.equal(dump.snapshots.length, 1);
  rmSync(roomy, { force: true });
  await tracker.dispose();
});
