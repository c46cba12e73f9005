import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitToken } from '../../webview/host';

test('the token of a server bound off loopback is split off the API base a webview gets', () => {
  assert.deepEqual(splitToken('http://10.0.0.5:8090/?token=abc123'), { base: 'http://10.0.0.5:8090/', token: 'abc123' });
  assert.deepEqual(splitToken('http://h:8090/proxy/8090/?a=1&token=x%2By'), { base: 'http://h:8090/proxy/8090/', token: 'x+y' });
  assert.deepEqual(splitToken('http://127.0.0.1:8090/'), { base: 'http://127.0.0.1:8090/' });
  assert.deepEqual(splitToken('.'), { base: '.' });
  assert.deepEqual(splitToken('http://127.0.0.1:8090/?other=1'), { base: 'http://127.0.0.1:8090/' });
});
