import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Request } from 'express';
import { generateToken, resolveToken, tokenOf, tokensEqual, urlWithToken } from '../../../src/server/token';

const req = (url: string, headers: Record<string, string> = {}) => ({ originalUrl: url, url, headers, socket: { localPort: 8090 } }) as unknown as Request;

test('a token is required off loopback only, generated when not given', () => {
  for (const host of ['localhost', '127.0.0.1', '127.0.0.2', '::1', '[::1]']) assert.equal(resolveToken(host, undefined), undefined, host);
  for (const host of ['0.0.0.0', '::', '192.0.2.7', 'fd00::2', 'my-host.example']) assert.match(resolveToken(host, undefined)!, /^[0-9a-f]{48}$/, host);
  assert.equal(resolveToken('localhost', 'given-token'), 'given-token');
  assert.notEqual(generateToken(), generateToken());
  for (const bad of ['', 'short', 'has space in it', 'semi;colon;token', `${'x'.repeat(257)}`]) assert.throws(() => resolveToken('0.0.0.0', bad), TypeError, bad);
});

test('tokenOf reads the header, the query and the cookie, in that order', () => {
  assert.equal(tokenOf(req('/', { authorization: 'Token abc12345' })), 'abc12345');
  assert.equal(tokenOf(req('/', { authorization: 'bearer abc12345' })), 'abc12345');
  assert.equal(tokenOf(req('/', { authorization: 'Basic dXNlcjpwYXNz' })), undefined);
  assert.equal(tokenOf(req('/', { 'x-memory-profiler-token': 'h-token' })), 'h-token');
  assert.equal(tokenOf(req('/api/x?a=1&token=q%2Btoken')), 'q+token');
  assert.equal(tokenOf(req('/', { cookie: 'other=1; memory-profiler-token-8090=c-token; x=2' })), 'c-token');
  assert.equal(tokenOf(req('/', { cookie: 'memory-profiler-token-8091=other-port' })), undefined, "another port's cookie is not this server's");
  assert.equal(tokenOf(req('/', { cookie: 'memory-profiler-token-8090=%E0%A4%A' })), undefined, 'a malformed cookie is no token');
  assert.equal(tokenOf(req('/?token=q', { 'x-memory-profiler-token': 'h' })), 'h');
  assert.equal(tokenOf(req('/')), undefined);
});

test('tokensEqual compares any lengths without throwing', () => {
  assert.equal(tokensEqual('abc', 'abc'), true);
  assert.equal(tokensEqual('abc', 'abd'), false);
  assert.equal(tokensEqual('abc', ''), false);
  assert.equal(tokensEqual('abc', 'abc'.repeat(1000)), false);
});

test('urlWithToken adds the token as a query parameter', () => {
  assert.equal(urlWithToken('http://h:1/', undefined), 'http://h:1/');
  assert.equal(urlWithToken('http://h:1/', 'a+b'), 'http://h:1/?token=a%2Bb');
  assert.equal(urlWithToken('http://h:1/?x=1', 'tok'), 'http://h:1/?x=1&token=tok');
});
