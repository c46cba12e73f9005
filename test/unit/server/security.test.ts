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

test("a wildcard bind allows this machine's own addresses and name in Host; a named host only itself", async () => {
  const { allowedHostNames, isWildcard } = await import('../../../src/server/security');
  const { hostname, networkInterfaces } = await import('node:os');
  for (const h of ['0.0.0.0', '::', '[::]', '']) assert.equal(isWildcard(h), true, h);
  assert.equal(isWildcard('192.0.2.7'), false);
  const wild = allowedHostNames('0.0.0.0');
  assert.ok(wild.includes(hostname().toLowerCase()));
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4') assert.ok(wild.includes(a.address), a.address);
  assert.deepEqual(allowedHostNames('192.0.2.7'), ['192.0.2.7']);
  assert.deepEqual(allowedHostNames('fd00::2'), ['[fd00::2]'], 'IPv6 as the Host header writes it');
});

test('origins compare scheme, host and port; Sec-Fetch-Site outweighs a matching Origin', async () => {
  const { originOf, requestSite } = await import('../../../src/server/security');
  assert.equal(originOf('http://LocalHost:8090/x?y'), 'http://localhost:8090');
  assert.equal(originOf('http://localhost:80'), 'http://localhost', 'the default port is dropped');
  assert.equal(originOf('vscode-webview://abc'), undefined);
  assert.equal(originOf('not a url'), undefined);
  const site = (headers: Record<string, string>) => requestSite({ headers: { host: 'localhost:8090', ...headers } });
  assert.equal(site({ origin: 'http://localhost:8090' }), 'own');
  assert.equal(site({ origin: 'http://localhost:3000' }), 'foreign');
  assert.equal(site({ origin: 'https://localhost:8090' }), 'foreign');
  assert.equal(site({ origin: 'http://127.0.0.1:8090' }), 'foreign', 'another name is another origin');
  assert.equal(site({ origin: 'null' }), 'foreign');
  assert.equal(site({ origin: 'http://localhost:8090', 'sec-fetch-site': 'same-site' }), 'foreign');
  assert.equal(site({ 'sec-fetch-site': 'cross-site' }), 'foreign');
  assert.equal(site({ 'sec-fetch-site': 'same-origin' }), 'own');
  assert.equal(site({ 'sec-fetch-site': 'none' }), 'unknown');
  assert.equal(site({}), 'unknown');
});
