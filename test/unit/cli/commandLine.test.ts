import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isToolProcess } from '../../../src/cli/launch';
import { editDistance, parseCommandLine } from '../../../src/cli/options';
import { inspectorFlags, nodeScriptArgument, splitNodeOptions } from '../../../src/cli/procfs';
import { firstJsonKey } from '../../../src/cli/savedFiles';
import { UserError } from '../../../src/cli/userError';

describe('parseCommandLine', () => {
  test('values, flags, = forms, the program after -- or after its name', () => {
    assert.deepEqual(parseCommandLine(['run', '--port=0', '--debug', '--', 'node', 'app.js', '--port', '1']), {
      values: { port: '0', debug: true },
      positionals: ['run'],
      program: ['node', 'app.js', '--port', '1'],
    });
    assert.deepEqual(parseCommandLine(['run', '--track', 'A,B', 'npm', 'start', '--prot']).program, ['npm', 'start', '--prot']);
    assert.deepEqual(parseCommandLine(['attach', '123', '-h']), { values: { help: true }, positionals: ['attach', '123'], program: [] });
    assert.equal(parseCommandLine(['demo', '--interval', '-5']).values.interval, '-5', 'a value that looks like a number is a value');
  });

  test('errors are usage errors (exit 2) in one line', () => {
    const message = (args: string[]) => {
      try {
        parseCommandLine(args);
      } catch (e) {
        assert.ok(e instanceof UserError);
        assert.equal(e.exitCode, 2);
        return e.message;
      }
      assert.fail('no error');
    };
    assert.equal(message(['--prot', '1']), 'unknown option --prot; did you mean --port? (see memory-profiler --help)');
    assert.equal(message(['--tarce']), 'unknown option --tarce; did you mean --trace? (see memory-profiler --help)');
    assert.equal(message(['--max-snapshot=3']), 'unknown option --max-snapshot; did you mean --max-snapshots? (see memory-profiler --help)');
    assert.equal(message(['-x']), 'unknown option -x (see memory-profiler --help)');
    assert.equal(message(['--host']), '--host needs a value (see memory-profiler --help)');
    assert.equal(message(['--port', '--']), '--port needs a value (see memory-profiler --help)');
    assert.equal(message(['--help=1']), '--help takes no value (see memory-profiler --help)');
  });

  test('edit distance counts a swap of neighbours as one', () => {
    assert.equal(editDistance('prot', 'port'), 1);
    assert.equal(editDistance('intreval', 'interval'), 1);
    assert.equal(editDistance('', 'abc'), 3);
  });
});

describe('Node command lines', () => {
  test('inspector flags: forms with and without host, the port-only flag, NODE_OPTIONS words', () => {
    assert.deepEqual(inspectorFlags(['--inspect', 'app.js']), { opened: true, host: '127.0.0.1', port: 9229 });
    assert.deepEqual(inspectorFlags(['--inspect=9330', 'app.js']), { opened: true, host: '127.0.0.1', port: 9330 });
    assert.deepEqual(inspectorFlags(['--inspect-brk=0.0.0.0:9331', 'app.js']), { opened: true, host: '0.0.0.0', port: 9331 });
    assert.deepEqual(inspectorFlags(['--inspect=[::1]:9332']), { opened: true, host: '[::1]', port: 9332 });
    assert.deepEqual(inspectorFlags(['--inspect-port=localhost:9333', 'app.js']), { opened: false, host: 'localhost', port: 9333 });
    assert.deepEqual(inspectorFlags(['--inspect-port', '9334', '--inspect']), { opened: true, host: '127.0.0.1', port: 9334 });
    assert.equal(inspectorFlags(['app.js', '--inspect=9']), null, "the program's own arguments are not Node's");
    assert.equal(inspectorFlags(['-r', '--inspect', 'app.js']), null, 'the value of -r');
    assert.deepEqual(splitNodeOptions('--inspect=9335 --require "./a b.js"  --max-old-space-size=100'), ['--inspect=9335', '--require', './a b.js', '--max-old-space-size=100']);
  });

  test('the script of a Node command line', () => {
    assert.equal(nodeScriptArgument(['--inspect=0', '-r', 'ts-node/register', 'app.ts', 'x']), 'app.ts');
    assert.equal(nodeScriptArgument(['-e', 'code']), undefined);
    assert.equal(nodeScriptArgument(['--', '-weird.js']), '-weird.js');
  });

  test("npm's, yarn's, pnpm's and nodemon's own Node processes are tools, the user's scripts are not", () => {
    const facts = (argv: string[]) => ({ pid: 0, exe: '/usr/bin/node', argv });
    for (const argv of [
      ['npm start'],
      ['node', '/usr/lib/node_modules/npm/bin/npm-cli.js', 'start'],
      ['node', '/usr/lib/node_modules/npm/bin/npx-cli.js', 'tsx'],
      ['node', '/home/u/app/.yarn/releases/yarn-4.1.0.cjs', 'start'],
      ['node', '/usr/lib/node_modules/yarn/bin/yarn.js'],
      ['node', '/usr/lib/node_modules/pnpm/bin/pnpm.cjs', 'start'],
      ['node', '/usr/lib/node_modules/corepack/dist/pnpm.js'],
      ['node', '/home/u/app/node_modules/nodemon/bin/nodemon.js', 'app.js'],
      ['node', '/home/u/app/node_modules/tsx/dist/cli.mjs', 'app.ts'],
    ]) {
      assert.ok(isToolProcess(facts(argv)), argv.join(' '));
    }
    for (const argv of [
      ['node', '/srv/app/server.js'],
      ['node', '/srv/npm-stats/index.js'],
      ['node', '--inspect=0', '/srv/app/yarn-report.js'],
    ]) {
      assert.ok(!isToolProcess(facts(argv)), argv.join(' '));
    }
  });
});

test('the first key of a JSON text', () => {
  assert.equal(firstJsonKey('{"snapshot":{"meta":{}}'), 'snapshot');
  assert.equal(firstJsonKey('\uFEFF \n{ "format": "memory-profiler-stats"'), 'format');
  assert.equal(firstJsonKey('[1, 2]'), undefined);
});
