import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPython } from '../../../src/cli/python';

test('run recognises Python interpreters by name, with a path or without', () => {
  for (const c of ['python', 'python3', 'python3.11', '/usr/bin/python3', '.venv/bin/python', 'C:\\Python311\\python.exe', 'pypy3', 'python3.12d'])
    assert.equal(isPython(c), true, c);
  for (const c of ['node', 'npm', 'python-config', 'pythonic', 'ipython', '/usr/bin/env']) assert.equal(isPython(c), false, c);
});
