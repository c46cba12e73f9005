import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostName, isLoopback } from '../../../src/server/security';

test('hostName strips scheme and port, keeps IPv6 brackets', () => {
  assert.equal(hostName('localhost:8090'), 'localhost');
  assert.equal(hostName('http://127.0.0.1:8090'), '127.0.0.1');
  assert.equal(hostName('[::1]:8090'), '[::1]');
  assert.equal(hostName('evil.example'), 'evil.example');
});

test('isLoopback accepts only loopback names', () => {
  for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]']) assert.equal(isLoopback(h), true, h);
  for (const h of ['localhost.evil.example', '10.0.0.1', '0.0.0.0', 'example.com']) assert.equal(isLoopback(h), false, h);
});
