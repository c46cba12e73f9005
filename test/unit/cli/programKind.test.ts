import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, linkSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { commandKind, notAProgramMessage, shebangInterpreter } from '../../../src/cli/programKind';

const ROOT = join(__dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'program-kind-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  chmodSync(file, 0o755);
  return file;
}

/** A copy of an executable under another name (a hard link when it can). */
function renamed(source: string, name: string): string {
  const file = join(dir, name);
  try {
    linkSync(source, file);
  } catch {
    copyFileSync(source, file);
  }
  chmodSync(file, 0o755);
  return file;
}

const kind = (...command: string[]) => commandKind(command).kind;

describe('commandKind: what run was given, before anything starts', () => {
  test('Node and Python by name, with a path or without', () => {
    for (const c of ['node', 'nodejs', '/usr/bin/node', process.execPath, 'node.exe']) assert.equal(kind(c, 'app.js'), 'node', c);
    for (const c of ['python3', 'python', '/usr/bin/python3', '.venv/bin/python', 'pypy3']) assert.equal(kind(c, 'app.py'), 'python', c);
  });

  test('wrappers that may start either are never refused: npm, npx, tsx, env, shells, shell scripts', () => {
    assert.equal(kind('npm', 'start'), 'wrapper');
    assert.equal(kind('npx', 'tsx', 'app.ts'), 'wrapper');
    assert.equal(kind('yarn', 'start'), 'wrapper');
    assert.equal(kind('env', 'FOO=1', 'node', 'app.js'), 'wrapper');
    assert.equal(kind('/usr/bin/env', 'node', 'app.js'), 'wrapper');
    assert.equal(kind('sh', '-c', 'node app.js'), 'wrapper');
    assert.equal(kind('/bin/bash', 'start.sh'), 'wrapper');
    assert.equal(kind('timeout', '60', 'node', 'app.js'), 'wrapper');
    assert.equal(kind(script('start.sh', '#!/bin/sh\nnode app.js "$@"\n')), 'wrapper');
    assert.equal(kind(script('start-env.sh', '#!/usr/bin/env bash\nexec python3 app.py\n')), 'wrapper');
    assert.equal(kind(script('tool.pl', '#!/usr/bin/perl\nsystem("node", "app.js");\n')), 'wrapper');
    assert.equal(kind(script('plain', 'node app.js\n')), 'wrapper', 'text without #!: a shell runs it');
    // tsx in node_modules/.bin (a symlink to a script that node runs): a tool known by name.
    assert.equal(kind(join(ROOT, 'node_modules', '.bin', 'tsx'), 'app.js'), 'wrapper');
    assert.equal(kind(join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'app.js'), 'node', 'its script: #!/usr/bin/env node');
  });

  test("a script whose #! runs node or python is that runtime's", () => {
    assert.equal(kind(script('cli.js', '#!/usr/bin/env node\nsetInterval(() => {}, 1000);\n')), 'node');
    assert.equal(kind(script('tool.py', '#!/usr/bin/env -S python3 -u\nimport time\n')), 'python');
    assert.equal(kind(script('tool2.py', '#!/usr/bin/python3.11\n')), 'python');
    assert.equal(shebangInterpreter(Buffer.from('#!/usr/bin/env -S FOO=1 node --max-old-space-size=100\n')), 'node');
    assert.equal(shebangInterpreter(Buffer.from('#! /bin/sh\n')), 'sh');
    assert.equal(shebangInterpreter(Buffer.from('no shebang')), undefined);
  });

  test('an executable of its own that is surely neither is refused, with one clear line', () => {
    assert.deepEqual(commandKind(['sleep', '100']), { kind: 'other', what: 'an ELF executable' });
    assert.deepEqual(commandKind(['/bin/sleep', '5']), { kind: 'other', what: 'an ELF executable' });
    assert.equal(kind('true'), 'other');
    assert.equal(
      notAProgramMessage('sleep', 'an ELF executable'),
      'sleep is not a Node.js or Python program (an ELF executable); nothing was started. Run one: memory-profiler run -- node app.js, or -- python app.py (or a wrapper that starts one: npm start, a shell script; a program of its own that starts one: -- env <command>)',
    );
  });

  test('an executable of another name that is given a Node or Python program, or is Node itself, is not refused', () => {
    const runner = renamed('/usr/bin/true', 'my-runner');
    assert.equal(kind(runner, '100'), 'other');
    assert.equal(kind(runner, 'app.js'), 'wrapper');
    assert.equal(kind(runner, 'python3', 'app.py'), 'wrapper');
    // A Node single executable application (any Node binary carries the fuse string).
    assert.equal(kind(renamed(process.execPath, 'my-app')), 'node');
  });

  test('a command that is not found is left to checkCommand (which says what is wrong)', () => {
    assert.equal(kind('no-such-program-xyz'), 'wrapper');
    assert.equal(kind(join(dir, 'missing')), 'wrapper');
  });
});
