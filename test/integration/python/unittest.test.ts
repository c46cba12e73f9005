/** The agent's own unit tests (python/tests, Python's unittest) under Debian's python3. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../../helpers/programs';
import { PYTHON } from '../../helpers/python';

test('python/tests pass under unittest', () => {
  const r = spawnSync(PYTHON, ['-m', 'unittest', 'discover', '-s', join(ROOT, 'python', 'tests'), '-v'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^Ran \d+ tests? in /m);
  assert.match(r.stderr, /\nOK\s*$/);
});
