import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, test } from 'node:test';
import type { ProcessInfo, TargetInfo } from '../../src/model';
import { CLI, type Program, fixture, getJson, startInspected, startNode } from '../helpers/programs';

const running: Program[] = [];
after(() => running.forEach((p) => p.kill()));

function cli(args: string[]): Program {
  const p = startNode([CLI, ...args]);
  running.push(p);
  return p;
}

async function servedUrl(p: Program): Promise<string> {
  return (await p.waitFor(/ at (http:\/\/localhost:\d+\/)/, 20_000, 'stderr'))[1];
}

describe('memory-profiler run', () => {
  test('serves the launched program: its pid, and memory figures that match its own process.memoryUsage()', async () => {
    const p = cli(['run', '--port', '0', '--', process.execPath, fixture('holder.js')]);
    const url = await servedUrl(p);
    const { pid } = await p.json<{ pid: number }>('ready');

    const target = await getJson<TargetInfo>(url + 'api/target');
    assert.equal(target.status, 200);
    assert.equal(target.body.pid, pid);
    assert.equal(target.body.kind, 'live');
    assert.equal(target.body.connected, true);
    assert.match(target.body.runtime, /^node v\d+/);
    assert.ok(target.body.argv.some((a) => a.endsWith('holder.js')));

    // Read the program's own figures and ours back to back. The tolerances cover what changes
    // between the two reads: the inspector's evaluation allocates a little on the JS heap and
    // the timer keeps running; RSS moves by whole pages as the heap grows. Measured differences
    // here are well under 1 MiB for the heap and under 2 MiB for RSS.
    p.send('usage');
    const own = await p.json<{ usage: NodeJS.MemoryUsage; heap: { used: number; total: number; limit: number } }>('usage');
    const ours = (await getJson<ProcessInfo>(url + 'api/process')).body;
    const MiB = 1024 * 1024;
    assert.equal(ours.pid, pid);
    assert.ok(Math.abs(ours.rss - own.usage.rss) < 4 * MiB, `rss ${ours.rss} vs ${own.usage.rss}`);
    assert.ok(Math.abs(ours.heap.used - own.usage.heapUsed) < 2 * MiB, `heap used ${ours.heap.used} vs ${own.usage.heapUsed}`);
    assert.ok(Math.abs(ours.heap.total - own.usage.heapTotal) < 2 * MiB, `heap total ${ours.heap.total} vs ${own.usage.heapTotal}`);
    assert.equal(ours.heap.limit, own.heap.limit);
    assert.ok(Math.abs(ours.heap.external - own.usage.external) < MiB, `external ${ours.heap.external} vs ${own.usage.external}`);
    assert.ok(ours.maxRss >= ours.rss);
    assert.ok(ours.vsz > ours.rss, 'virtual size exceeds resident size');
    assert.ok(ours.spaces.some((s) => s.name === 'old_space' && s.used > 0));
    const status = new Map(ours.osSpecific);
    assert.equal(status.get('Pid'), String(pid));
    assert.match(status.get('VmRSS') ?? '', /^\d+ kB$/);

    // The program exits: the profiler stops too and passes its exit code on.
    p.send('exit 3');
    const { code } = await p.exited;
    assert.equal(code, 3);
    await assert.rejects(fetch(url + 'api/target'), 'the server is stopped');
  });

  test('Ctrl+C stops the program and the server', async () => {
    const p = cli(['run', '--port', '0', '--', process.execPath, fixture('holder.js')]);
    const url = await servedUrl(p);
    await p.json('ready');
    p.child.kill('SIGINT');
    const { code } = await p.exited;
    assert.equal(code, 130, 'the program died of SIGINT and that is what is passed on');
    await assert.rejects(fetch(url + 'api/target'));
  });

  test('a program that cannot start is one clear line and a non-zero exit', async () => {
    const p = cli(['run', '--port', '0', '--', 'no-such-program-xyz']);
    const { code } = await p.exited;
    assert.equal(code, 1);
    assert.deepEqual(p.stderrLines, ['memory-profiler: error: cannot start no-such-program-xyz: no such program on PATH']);
  });

  test('a busy port is a clear error and the program is not left running', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const p = cli(['run', '--port', String(port), '--', process.execPath, fixture('holder.js')]);
      const { code } = await p.exited;
      assert.equal(code, 1);
      assert.ok(p.stderrLines.includes(`memory-profiler: error: port ${port} on 127.0.0.1 is already in use; choose another with --port`), p.stderrLines.join('\n'));
    } finally {
      blocker.close();
    }
  });
});

describe('memory-profiler attach', () => {
  test('by inspector port and by WebSocket URL; the program runs on after Ctrl+C', async () => {
    const { program, wsUrl, port, pid } = await startInspected('holder.js');
    running.push(program);
    for (const endpoint of [String(port), wsUrl]) {
      const p = cli(['attach', endpoint, '--port', '0']);
      const url = await servedUrl(p);
      const target = await getJson<TargetInfo>(url + 'api/target');
      assert.equal(target.body.pid, pid);
      const proc = await getJson<ProcessInfo>(url + 'api/process');
      assert.equal(proc.body.pid, pid);
      p.child.kill('SIGINT');
      assert.equal((await p.exited).code, 0);
    }
    program.send('usage');
    assert.ok((await program.json('usage')).usage.rss > 0, 'the program still answers');
  });

  test('by pid: SIGUSR1 opens the inspector', async () => {
    const program = startNode([fixture('holder.js')]);
    running.push(program);
    const { pid } = await program.json<{ pid: number }>('ready');
    const p = cli(['attach', String(pid), '--port', '0']);
    const url = await servedUrl(p);
    assert.equal((await getJson<TargetInfo>(url + 'api/target')).body.pid, pid);
    // The program exits: attach reports it and stops.
    program.send('exit 0');
    assert.equal((await p.exited).code, 0);
    assert.ok(
      p.stderrLines.some((l) => /the program is gone/.test(l)),
      p.stderrLines.join('\n'),
    );
  });

  test('nothing listening is one clear line, no stack trace', async () => {
    const p = cli(['attach', 'ws://127.0.0.1:1/nothing', '--port', '0']);
    const { code } = await p.exited;
    assert.equal(code, 1);
    assert.equal(p.stderrLines.length, 1, p.stderrLines.join('\n'));
    assert.match(p.stderrLines[0], /^memory-profiler: error: could not connect to ws:\/\/127\.0\.0\.1:1\/nothing/);
  });
});

describe('usage', () => {
  test('--help lists every command; a wrong command or option exits 2 with one line', async () => {
    const help = cli(['--help']);
    assert.equal((await help.exited).code, 0);
    const text = help.lines.join('\n');
    for (const command of ['demo', 'run', 'attach']) assert.match(text, new RegExp(`memory-profiler ${command}`));

    const runHelp = cli(['run', '--help']);
    assert.equal((await runHelp.exited).code, 0);
    assert.match(runHelp.lines[0], /^Usage: memory-profiler run/);

    // attach takes a Python program too: its pid once the agent listens, or python://.
    const attachHelp = cli(['attach', '--help']);
    assert.equal((await attachHelp.exited).code, 0);
    const attachText = attachHelp.lines.join('\n');
    assert.match(attachHelp.lines[0], /^Usage: memory-profiler attach .*python:\/\/host:port/);
    assert.match(attachText, /Python: the pid of a Python program that called\s+import memory_profiler_agent; memory_profiler_agent\.listen\(\)/);
    assert.match(attachText, /python:\/\/127\.0\.0\.1:PORT with the agent's secret in\s+MEMORY_PROFILER_AGENT_SECRET/);
    assert.match(text, /attach <pid\|python:\/\/127\.0\.0\.1:port>.*memory_profiler_agent\.listen\(\)/s);

    const wrong = cli(['frobnicate']);
    assert.equal((await wrong.exited).code, 2);
    assert.deepEqual(wrong.stderrLines, ['memory-profiler: error: unknown command "frobnicate" (see memory-profiler --help)']);

    const badPort = cli(['demo', '--port', 'x']);
    assert.equal((await badPort.exited).code, 2);
    assert.deepEqual(badPort.stderrLines, ['memory-profiler: error: --port must be a number from 0 to 65535, not "x"']);

    const nothing = cli(['run']);
    assert.equal((await nothing.exited).code, 2);
    assert.match(nothing.stderrLines[0], /nothing to run/);
  });
});

describe('memory-profiler demo', () => {
  test('profiles the bundled leaky program', async () => {
    const p = cli(['demo', '--port', '0']);
    const url = await servedUrl(p);
    const target = (await getJson<TargetInfo>(url + 'api/target')).body;
    assert.ok(
      target.argv.some((a) => a.endsWith('leakyApp.js')),
      target.argv.join(' '),
    );
    const first = (await getJson<ProcessInfo>(url + 'api/process')).body;
    assert.equal(first.pid, target.pid);
    p.child.kill('SIGINT');
    assert.equal((await p.exited).code, 130);
  });
});
