/** The UI's number formatting (webview/format.ts): pure functions, tested without a browser. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exactBytes, formatBytes, formatCount, formatPercent } from '../../webview/format';

test('bytes read in binary units with three significant digits', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1024), '1.00 KiB');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(10.5 * 1024), '10.5 KiB');
  assert.equal(formatBytes(512 * 1024), '512 KiB');
  assert.equal(formatBytes(1024 * 1024 - 1), '1.00 MiB', 'rounding carries into the next unit');
  assert.equal(formatBytes(48.3 * 1024 ** 2), '48.3 MiB');
  assert.equal(formatBytes(1.21 * 1024 ** 3), '1.21 GiB');
  assert.equal(formatBytes(3 * 1024 ** 4), '3.00 TiB');
  assert.equal(formatBytes(-2048), '−2.00 KiB');
  assert.equal(formatBytes(NaN), '—');
  assert.equal(formatBytes(undefined), '—');
});

test('exact figures for tooltips and counts', () => {
  assert.equal(exactBytes(50_659_328), '50,659,328 bytes');
  assert.equal(exactBytes(1), '1 byte');
  assert.equal(exactBytes(undefined), '');
  assert.equal(formatCount(123456), '123,456');
  assert.equal(formatPercent(1, 8), '12.5 %');
  assert.equal(formatPercent(1, 0), '—');
});
