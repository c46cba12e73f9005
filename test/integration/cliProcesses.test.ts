// The CLI against real processes: what attach signals and what it leaves alone, which process
// run profiles under a wrapper, that nothing is left running, and early failures in our words.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, describe, test } from 'node:test';
import { listeningSockets, processGroupMembers, readStat } from '../../src/cli/procfs';
import type { HeapClassSummary, TargetInfo } from '../../src/model';
import { CLI, Program, ROOT, fixture, getJson } from '../helpers/programs';

const PYTHON = process.env.MEMORY_PROFILER_PYTHON ?? '/usr/bin/python3';
const dir = mkdtempSync(join(tmpdir(), 'mp-cli-'));
const running: Array<Program | ChildProcess> = [];
after(() => {
  for (const p of running) {
    const child = 'child' in p ? p.child : p;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[], cwd?: string): Program {
  const p = new Program(spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'], cwd }));
  running.push(p);
  return p;
}

function started(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env }, cwd: options.cwd });
  running.push(child);
  return child;
}

const alive = (pid: number) => {
  const stat = readStat(pid);
  return stat !== null && stat.state !== 'Z';
};

async function servedUrl(p: Program): Promise<string> {
  return (await p.waitFor(/ at (http:\/\/localhost:\d+\/)/, 30_000, 'stderr'))[1];
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Waits for the first line of a child's stdout that parses as JSON with `key` (the stream stays open). */
function jsonLine<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk;
      const line = text.split('\n').find((l) => l.startsWith('{') && l.includes(`"${key}"`));
      if (line) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(JSON.parse(line) as T);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', () => reject(new Error(`exited before a ${key} line; stdout: ${text}`)));
  });
}

describe('attach <pid>', () => {
  test('a process that is not Node is not signalled: one clear line, and it runs on', async () => {
    const sleeper = started('sleep', ['60']);
    await once(sleeper, 'spawn');
    const p = cli(['attach', String(sleeper.pid), '--port', '0']);
    assert.equal((await p.exited).code, 1);
    assert.deepEqual(p.stderrLines, [`memory-profiler: error: pid ${sleeper.pid} is not a Node.js program (sleep 60); it was left alone`]);
    assert.ok(alive(sleeper.pid!), 'the sleep survives (SIGUSR1 would have killed it)');
    assert.equal(sleeper.exitCode, null);
  });

  test('a Python program without the agent is left alone, with a word on how to profile it', async () => {
    const python = started(PYTHON, ['-c', 'import time; print("{\\"ready\\": 1}", flush=True); time.sleep(60)']);
    await jsonLine(python, 'ready');
    const p = cli(['attach', String(python.pid), '--port', '0']);
    assert.equal((await p.exited).code, 1);
    assert.equal(p.stderrLines.length, 1, p.stderrLines.join('\n'));
    assert.match(
      p.stderrLines[0],
      new RegExp(
        `^memory-profiler: error: pid ${python.pid} is a Python program \\(.*python3.* -c import time.*\\) whose profiler agent is not listening: start it with \`memory-profiler run -- python …\`, or call \`memory_profiler_agent\\.listen\\(\\)\` in it\\. It was left alone$`,
      ),
    );
    assert.ok(alive(python.pid!));
  });

  for (const [how, flags, env] of [
    ['its --inspect=host:port flag', (port: number) => [`--inspect=127.0.0.1:${port}`], () => ({})],
    ['NODE_OPTIONS in its environment', () => [], (port: number) => ({ NODE_OPTIONS: `--inspect=localhost:${port}` })],
    ['its listening socket (--inspect=0)', () => ['--inspect=127.0.0.1:0'], () => ({})],
  ] as const) {
    test(`a Node program with an inspector open on a non-default port is found by ${how}, not signalled, and keeps its inspector`, async () => {
      const port = await freePort();
      const program = started(process.execPath, [...flags(port), fixture('holder.js')], { env: env(port) });
      const { pid } = await jsonLine<{ pid: number }>(program, 'ready');
      let stderr = '';
      program.stderr!.on('data', (d) => (stderr += d));
      await new Promise((r) => setImmediate(r));
      const before = listeningSockets(pid).map((s) => s.port);
      assert.equal(before.length, 1, `one inspector port: ${before}`);
      assert.notEqual(before[0], 9229);

      const p = cli(['attach', String(pid), '--port', '0']);
      const url = await servedUrl(p);
      assert.equal((await getJson<TargetInfo>(url + 'api/target')).body.pid, pid);
      p.child.kill('SIGINT');
      assert.equal((await p.exited).code, 0);
      assert.deepEqual(
        listeningSockets(pid).map((s) => s.port),
        before,
        'the inspector it had stays open, and no other one was opened',
      );
      assert.equal(stderr.match(/Debugger listening on/g)?.length, 1, `SIGUSR1 was not sent (it would have announced the inspector again): ${stderr}`);
      assert.ok(alive(pid));
    });
  }

  test("a Python agent's address file left behind by a killed program does not hide the Node program that got its pid", async () => {
    const port = await freePort();
    const program = started(process.execPath, [`--inspect=127.0.0.1:${port}`, fixture('holder.js')]);
    const { pid } = await jsonLine<{ pid: number }>(program, 'ready');
    const file = join(tmpdir(), `memory-profiler-agent-${pid}.json`);
    writeFileSync(file, JSON.stringify({ port: await freePort(), secret: 'left by a program killed with SIGKILL' }));
    try {
      const p = cli(['attach', String(pid), '--port', '0']);
      const url = await servedUrl(p);
      const target = (await getJson<TargetInfo>(url + 'api/target')).body;
      assert.equal(target.pid, pid);
      assert.match(target.runtime, /^node v/);
      p.child.kill('SIGINT');
      assert.equal((await p.exited).code, 0);
    } finally {
      rmSync(file, { force: true });
    }
  });

  test('a busy port is reported before the program is signalled', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as { port: number }).port;
    const program = started(process.execPath, [fixture('holder.js')]);
    const { pid } = await jsonLine<{ pid: number }>(program, 'ready');
    try {
      const p = cli(['attach', String(pid), '--port', String(port)]);
      assert.equal((await p.exited).code, 1);
      assert.deepEqual(p.stderrLines, [`memory-profiler: error: port ${port} on 127.0.0.1 is already in use; choose another with --port`]);
      assert.deepEqual(listeningSockets(pid), [], 'no inspector was opened');
    } finally {
      blocker.close();
    }
  });

  test('a Node program without an inspector gets SIGUSR1; the inspector attach opened is closed after it detaches', async () => {
    const program = started(process.execPath, [fixture('holder.js')]);
    const { pid } = await jsonLine<{ pid: number }>(program, 'ready');
    assert.deepEqual(listeningSockets(pid), []);
    const p = cli(['attach', String(pid), '--port', '0']);
    const url = await servedUrl(p);
    assert.equal((await getJson<TargetInfo>(url + 'api/target')).body.pid, pid);
    const opened = listeningSockets(pid);
    assert.equal(opened.length, 1);
    p.child.kill('SIGINT');
    assert.equal((await p.exited).code, 0);
    assert.ok(p.stderrLines.includes(`memory-profiler: detached; closed the inspector that attach opened in pid ${pid}`), p.stderrLines.join('\n'));
    // The program closes it on its next turn: wait for that (an event, not a time).
    for (let i = 0; listeningSockets(pid).length && i < 200; i++) await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(listeningSockets(pid), [], `port ${opened[0].port} no longer listens`);
    const refused = await fetch(`http://127.0.0.1:${opened[0].port}/json/version`).then(
      () => false,
      () => true,
    );
    assert.ok(refused, 'nothing answers on the port');
    assert.ok(alive(pid), 'the program runs on');
  });
});

/** A scratch package whose `npm start` runs app.js, and a shell script that runs it too. */
function scratchProject(): { cwd: string; script: string } {
  const cwd = mkdtempSync(join(dir, 'project-'));
  writeFileSync(
    join(cwd, 'package.json'),
    JSON.stringify({ name: 'scratch', version: '1.0.0', private: true, scripts: { start: 'node app.js', 'start:other': 'node app.js --other' } }),
  );
  writeFileSync(join(cwd, 'app.js'), `console.log(JSON.stringify({ ready: true, pid: process.pid, argv: process.argv.slice(2) }));\nsetInterval(() => {}, 1000);\n`);
  const script = join(cwd, 'start.sh');
  // Not `exec`: the shell stays as the node program's parent, a wrapper like any other.
  writeFileSync(script, `#!/bin/sh\ncd "$(dirname "$0")"\nnode app.js "$@"\necho "app ended" >&2\n`);
  chmodSync(script, 0o755);
  return { cwd, script };
}

describe('run with a wrapper', () => {
  for (const [name, command, signal] of [
    ['npm start', (_s: string) => ['npm', 'start'], 'SIGINT'],
    ['npm run start:other', (_s: string) => ['npm', 'run', 'start:other'], 'SIGTERM'],
    ['a shell script', (s: string) => [s], 'SIGTERM'],
    ['a shell script, its terminal closed', (s: string) => [s], 'SIGHUP'],
    ['tsx (a Node tool that runs the program in a child)', (_s: string) => [join(ROOT, 'node_modules', '.bin', 'tsx'), 'app.js'], 'SIGINT'],
  ] as const) {
    test(`${name}: profiles the program it starts, not the wrapper; ${signal} ends the whole tree`, async () => {
      const project = scratchProject();
      const p = cli(['run', '--port', '0', '--', ...command(project.script)], project.cwd);
      const url = await servedUrl(p);
      const { pid } = await p.json<{ pid: number }>('ready', 30_000);
      const target = (await getJson<TargetInfo>(url + 'api/target')).body;
      assert.equal(target.pid, pid, 'the app, not the wrapper');
      assert.ok(
        target.argv.some((a) => a.endsWith('app.js')),
        target.argv.join(' '),
      );
      const wrapperPid = Number(/started by .* \(pid (\d+)\), at/.exec(p.stderrLines.find((l) => l.includes('started by'))!)![1]);
      assert.notEqual(wrapperPid, pid);
      const group = readStat(pid)!.pgid;
      assert.equal(group, wrapperPid, 'the program runs in a process group of its own, led by the wrapper');
      assert.notEqual(group, readStat(p.child.pid!)!.pgid);

      p.child.kill(signal);
      const { code } = await p.exited;
      assert.notEqual(code, 0);
      assert.deepEqual(processGroupMembers(group), [], 'nothing of the command is left running');
      assert.ok(!alive(pid));
      await assert.rejects(fetch(url + 'api/target'));
    });
  }
});

describe('run: a command that starts several Node programs', () => {
  test('the first is profiled, the others are named with their pids', async () => {
    const project = scratchProject();
    const script = join(project.cwd, 'both.sh');
    writeFileSync(script, `#!/bin/sh\ncd "$(dirname "$0")"\nnode app.js one &\nnode app.js two &\nwait\n`);
    chmodSync(script, 0o755);
    const p = cli(['run', '--port', '0', '--', script]);
    const url = await servedUrl(p);
    const ready = [await p.json<{ pid: number; argv: string[] }>('ready', 30_000), await p.json<{ pid: number; argv: string[] }>('ready', 30_000)];
    const one = ready.find((r) => r.argv[0] === 'one')!;
    const two = ready.find((r) => r.argv[0] === 'two')!;
    const target = (await getJson<TargetInfo>(url + 'api/target')).body;
    assert.equal(target.pid, one.pid, 'the one started first');
    await p.waitFor(new RegExp(`^memory-profiler: also started, not profiled: pid ${two.pid}: node app\\.js two$`), 15_000, 'stderr');
    p.child.kill('SIGTERM');
    await p.exited;
    assert.ok(!alive(one.pid) && !alive(two.pid), 'both ended with the command');
  });
});

describe('run: failures', () => {
  test('a busy port is reported before the program starts', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as { port: number }).port;
    const marker = join(dir, 'started');
    try {
      const p = cli(['run', '--port', String(port), '--', process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`]);
      assert.equal((await p.exited).code, 1);
      assert.deepEqual(p.stderrLines, [`memory-profiler: error: port ${port} on 127.0.0.1 is already in use; choose another with --port`]);
      assert.ok(!existsSync(marker), 'the program never ran');
    } finally {
      blocker.close();
    }
  });

  test('a missing script: Node\'s own "Cannot find module" passed through, and the same summary every time', async () => {
    const missing = join(dir, 'nope.js');
    for (let i = 0; i < 3; i++) {
      const p = cli(['run', '--port', '0', '--', process.execPath, missing]);
      assert.equal((await p.exited).code, 1);
      assert.ok(p.stderrLines.includes(`Error: Cannot find module '${missing}'`), p.stderrLines.join('\n'));
      assert.ok(p.stderrLines.includes("  code: 'MODULE_NOT_FOUND',"), "the program's output as it is");
      assert.ok(!p.stderrLines.some((l) => /Debugger listening|For help, see/.test(l)), 'no inspector banner');
      assert.equal(p.stderrLines.at(-1), `memory-profiler: error: the program exited with code 1 before the profiler could attach: Error: Cannot find module '${missing}'`);
    }
  });

  test('a program killed by SIGKILL, before and after the profiler attached', async () => {
    const early = cli(['run', '--port', '0', '--', process.execPath, '-e', `console.error('going down'); process.kill(process.pid, 'SIGKILL')`]);
    assert.equal((await early.exited).code, 1);
    assert.deepEqual(early.stderrLines, ['going down', 'memory-profiler: error: the program was killed by SIGKILL before the profiler could attach: going down']);

    const p = cli(['run', '--port', '0', '--', process.execPath, fixture('holder.js')]);
    await servedUrl(p);
    const { pid } = await p.json<{ pid: number }>('ready');
    process.kill(pid, 'SIGKILL');
    assert.equal((await p.exited).code, 137);
    assert.equal(p.stderrLines.at(-1), 'memory-profiler: the program was killed by SIGKILL; profiler stopped');
  });

  test('a program that is not there, or not executable, is one line and nothing runs', async () => {
    const plain = join(dir, 'plain.sh');
    writeFileSync(plain, '#!/bin/sh\necho hi\n');
    for (const [command, line] of [
      ['no-such-program-xyz', 'memory-profiler: error: cannot start no-such-program-xyz: no such program on PATH'],
      [join(dir, 'missing.sh'), `memory-profiler: error: cannot start ${join(dir, 'missing.sh')}: no such file`],
      [plain, `memory-profiler: error: cannot start ${plain}: not executable (chmod +x ${plain}, or run it through its interpreter, e.g. sh ${plain})`],
    ]) {
      const p = cli(['run', '--port', '0', '--', command]);
      assert.equal((await p.exited).code, 1, command);
      assert.deepEqual(p.stderrLines, [line]);
    }
  });
});

describe('run: a program that is neither Node nor Python', () => {
  test('is refused at once: one line, exit 2, nothing started', async () => {
    // Durations no other process has: a sleep started anyway would be found by them.
    for (const command of [
      ['/bin/sleep', '5.0417'],
      ['sleep', '100.0417'],
    ]) {
      const start = Date.now();
      const p = cli(['run', '--port', '0', '--', ...command]);
      assert.equal((await p.exited).code, 2, command.join(' '));
      assert.ok(Date.now() - start < 5_000, `at once, not after the program or a 30 s wait (${Date.now() - start} ms)`);
      assert.deepEqual(p.stderrLines, [
        `memory-profiler: error: ${command[0]} is not a Node.js or Python program (an ELF executable); nothing was started. Run one: memory-profiler run -- node app.js, or -- python app.py (or a wrapper that starts one: npm start, a shell script; a program of its own that starts one: -- env <command>)`,
      ]);
      const sleeping = readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .filter((d) => {
          try {
            return readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').includes(command[1]);
          } catch {
            return false; // gone meanwhile
          }
        });
      assert.deepEqual(sleeping, [], 'nothing was started, nothing is left running');
    }
  });

  test('a script whose #! runs python is profiled as a Python program', async () => {
    const tool = join(dir, 'tool.py');
    writeFileSync(tool, `#!/usr/bin/env -S ${PYTHON} -u\nimport json, os, sys\nprint(json.dumps({"ready": True, "pid": os.getpid()}))\nsys.stdin.readline()\n`);
    chmodSync(tool, 0o755);
    const p = cli(['run', '--port', '0', '--', tool]);
    const url = await servedUrl(p);
    const { pid } = await p.json<{ pid: number }>('ready');
    const target = (await getJson<TargetInfo>(url + 'api/target')).body;
    assert.equal(target.pid, pid);
    assert.match(target.runtime, /^python 3/);
    p.send('');
    assert.deepEqual(await p.exited, { code: 0, signal: null });
  });
});

describe('option errors', () => {
  test('one line in our words, a suggestion for a typo, exit 2', async () => {
    for (const [args, line] of [
      [['run', '--prot', '8090', '--', 'node', 'app.js'], 'memory-profiler: error: unknown option --prot; did you mean --port? (see memory-profiler --help)'],
      [['attach', '1', '--intreval=100'], 'memory-profiler: error: unknown option --intreval; did you mean --interval? (see memory-profiler --help)'],
      [['demo', '--frobnicate'], 'memory-profiler: error: unknown option --frobnicate (see memory-profiler --help)'],
      [['run', '--interval', '-5', '--', 'node', 'app.js'], 'memory-profiler: error: --interval must be a number of milliseconds, at least 100, not "-5"'],
      [['demo', '--port'], 'memory-profiler: error: --port needs a value (see memory-profiler --help)'],
      [['demo', '--track', '--debug'], 'memory-profiler: error: --track needs a value (see memory-profiler --help)'],
      [['demo', '--debug=yes'], 'memory-profiler: error: --debug takes no value (see memory-profiler --help)'],
      [['demo', '--port', '-1'], 'memory-profiler: error: --port must be a number from 0 to 65535, not "-1"'],
      [
        ['run', '--track', 'Order,a b', '--', 'node', 'app.js'],
        'memory-profiler: error: --track takes class names separated by commas (Order, or Outer.Inner for Python); "a b" is not one',
      ],
    ] as const) {
      const p = cli([...args]);
      assert.equal((await p.exited).code, 2, args.join(' '));
      assert.deepEqual(p.stderrLines, [line]);
    }
  });

  test('run passes the program its own options after its name', async () => {
    const p = cli(['run', '--port', '0', process.execPath, fixture('holder.js'), '--port', 'not-ours']);
    const url = await servedUrl(p);
    const target = (await getJson<TargetInfo>(url + 'api/target')).body;
    assert.deepEqual(target.argv.slice(-2), ['--port', 'not-ours']);
    p.child.kill('SIGINT');
    await p.exited;
  });
});

describe('open, by content', () => {
  test('a gzipped .heapsnapshot is a heap snapshot, whatever its name', async () => {
    const plain = join(dir, 'a.heapsnapshot');
    execFileSync(process.execPath, [fixture('writeSnapshot.js'), plain, join(dir, 'b.heapsnapshot')]);
    for (const name of ['a.heapsnapshot.gz', 'a.json.gz']) {
      writeFileSync(join(dir, name), gzipSync(readFileSync(plain)));
      const p = cli(['open', join(dir, name), '--port', '0']);
      const url = (await p.waitFor(/serving 1 snapshot at (http:\S+\/)heap$/, 30_000, 'stderr'))[1];
      const classes = (await getJson<HeapClassSummary[]>(url + 'api/heap/classes')).body;
      assert.equal(classes.find((c) => c.name === 'Leaf')?.count, 100, name);
      p.child.kill('SIGINT');
      assert.equal((await p.exited).code, 0);
    }
    const broken = join(dir, 'broken.heapsnapshot.gz');
    writeFileSync(broken, gzipSync(readFileSync(plain)).subarray(0, 2000));
    const p = cli(['open', broken, '--port', '0']);
    assert.equal((await p.exited).code, 1);
    assert.equal(p.stderrLines.length, 1, p.stderrLines.join('\n'));
    assert.match(p.stderrLines[0], /^memory-profiler: error: .*broken\.heapsnapshot\.gz: /);
  });
});
