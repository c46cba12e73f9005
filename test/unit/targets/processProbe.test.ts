import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseProcStatus, statusBytes } from '../../../src/targets/node/processProbe';

test('parseProcStatus keeps every row in order; statusBytes reads kB rows', () => {
  const text = 'Name:\tnode\nUmask:\t0022\nVmPeak:\t  1234 kB\nVmSize:\t  1000 kB\nThreads:\t7\n';
  const rows = parseProcStatus(text);
  assert.deepEqual(rows, [
    ['Name', 'node'],
    ['Umask', '0022'],
    ['VmPeak', '1234 kB'],
    ['VmSize', '1000 kB'],
    ['Threads', '7'],
  ]);
  assert.equal(statusBytes(rows, 'VmSize'), 1000 * 1024);
  assert.equal(statusBytes(rows, 'Threads'), 0, 'not a kB row');
  assert.equal(statusBytes(rows, 'VmSwap'), 0, 'absent');
});

test("parseProcStatus reads this process's real status file", () => {
  const rows = parseProcStatus(readFileSync('/proc/self/status', 'utf8'));
  assert.equal(new Map(rows).get('Pid'), String(process.pid));
  assert.ok(statusBytes(rows, 'VmRSS') > 0);
});
