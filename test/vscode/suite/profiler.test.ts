// The extension in a real VS Code extension host: profiles the fixture program of a Node debug
// session (test/fixtures/vscode-workspace) through js-debug's CDP proxy and the profiler's HTTP API.
import * as assert from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { getJson, sleep, until } from './helpers';

const EXTENSION_ID = 'memory-profiler.memory-profiler-vscode';
const OUT = process.env.MEMORY_PROFILER_TEST_OUT ?? '';
const PID_FILE = join(OUT, 'fixture-app.pid');

interface StartResult {
  url: string;
  port: number;
  pid: number;
}

/** Holds `port` (like another program would); drops every connection so close() never waits. */
function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function configuredPort(): number {
  return vscode.workspace.getConfiguration('memoryProfiler').get<number>('port', 8090);
}

/** Starts the fixture under js-debug; resolves with its child session (the program's) and pid. */
async function startFixture(): Promise<{ session: vscode.DebugSession; pid: number }> {
  rmSync(PID_FILE, { force: true });
  const child = new Promise<vscode.DebugSession>((resolve) => {
    const d = vscode.debug.onDidStartDebugSession((s) => {
      if (s.parentSession) {
        d.dispose();
        resolve(s);
      }
    });
  });
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the fixture workspace is open');
  assert.strictEqual(await vscode.debug.startDebugging(folder, 'Fixture App'), true, 'startDebugging');
  const session = await Promise.race([child, sleep(30_000).then(() => Promise.reject(new Error('no child debug session in 30 s')))]);
  const pid = await until('the fixture to write its pid', () => (existsSync(PID_FILE) ? Number(readFileSync(PID_FILE, 'utf8')) || undefined : undefined));
  return { session, pid };
}

const terminated = new Set<string>();
vscode.debug.onDidTerminateDebugSession((s) => terminated.add(s.id));

/** Stops the fixture's debug session (parent and child); resolves once the child has terminated. */
async function stopDebugging(session: vscode.DebugSession): Promise<void> {
  if (terminated.has(session.id)) return;
  const ended = new Promise<void>((resolve) => {
    const d = vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.id === session.id) {
        d.dispose();
        resolve();
      }
    });
  });
  await vscode.debug.stopDebugging(session.parentSession ?? session);
  await Promise.race([ended, sleep(15_000)]);
}

suite('Memory Profiler in a Node debug session', function () {
  this.timeout(90_000);
  let fixture: { session: vscode.DebugSession; pid: number };
  let port: number;

  suiteSetup(async () => {
    assert.ok(OUT, 'MEMORY_PROFILER_TEST_OUT is set by the test runner');
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    port = configuredPort();
    fixture = await startFixture();
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('memoryProfiler.stop').then(undefined, () => {});
    if (fixture) await stopDebugging(fixture.session);
  });

  test('contributes its commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['memoryProfiler.start', 'memoryProfiler.stop', 'memoryProfiler.openInBrowser']) {
      assert.ok(commands.includes(id), `${id} is registered`);
    }
  });

  test('Start attaches to the debuggee and serves its process figures', async () => {
    const result = await vscode.commands.executeCommand<StartResult>('memoryProfiler.start', { onPortInUse: 'fail' });
    assert.ok(result, 'start returns where it serves');
    assert.strictEqual(result.port, port);
    assert.strictEqual(result.pid, fixture.pid);
    const processInfo = await getJson<{ pid: number; rss: number; heap: { used: number } }>(`http://127.0.0.1:${port}/api/process`);
    assert.strictEqual(processInfo.pid, fixture.pid, 'the profiled pid is the debuggee');
    assert.ok(processInfo.rss > 0, `rss > 0 (got ${processInfo.rss})`);
    assert.ok(processInfo.heap.used > 0, 'heap used > 0');
    const target = await getJson<{ pid: number; connected: boolean; kind: string }>(`http://127.0.0.1:${port}/api/target`);
    assert.deepStrictEqual([target.kind, target.pid, target.connected], ['live', fixture.pid, true]);
  });

  test('Start opens the overview panel', async () => {
    const tabs = await until('the profiler panel', () => {
      const labels = vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label);
      return labels.some((l) => l.startsWith('Memory Profiler')) ? labels : undefined;
    });
    assert.ok(tabs.length > 0);
  });

  test('Start again while running returns the same server', async () => {
    const result = await vscode.commands.executeCommand<StartResult>('memoryProfiler.start', { openPanel: false });
    assert.strictEqual(result.port, port);
    assert.strictEqual(result.pid, fixture.pid);
  });

  test('Open in Browser returns the server URL', async () => {
    const url = await vscode.commands.executeCommand<string>('memoryProfiler.openInBrowser');
    assert.ok(typeof url === 'string' && /^https?:\/\//.test(url), `a URL (got ${url})`);
    console.log(`      Open in Browser -> ${url}`);
  });

  test('Stop frees the port', async () => {
    assert.strictEqual(await vscode.commands.executeCommand('memoryProfiler.stop'), true);
    const server = await listen(port);
    await new Promise((r) => server.close(r));
    await assert.rejects(getJson(`http://127.0.0.1:${port}/api/target`));
  });

  test('a busy port fails clearly, and a free port can be used instead', async () => {
    const blocker = await listen(port);
    try {
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand('memoryProfiler.start', { onPortInUse: 'fail', openPanel: false })), (e: Error) =>
        /in use/.test(e.message),
      );
      const result = await vscode.commands.executeCommand<StartResult>('memoryProfiler.start', { onPortInUse: 'free', openPanel: false });
      assert.notStrictEqual(result.port, port);
      const processInfo = await getJson<{ pid: number }>(`http://127.0.0.1:${result.port}/api/process`);
      assert.strictEqual(processInfo.pid, fixture.pid);
    } finally {
      await vscode.commands.executeCommand('memoryProfiler.stop');
      await new Promise((r) => blocker.close(r));
    }
  });

  test('the end of the debug session is reported and the server stays up', async () => {
    const result = await vscode.commands.executeCommand<StartResult>('memoryProfiler.start', { onPortInUse: 'fail', openPanel: false });
    const t0 = Date.now();
    await stopDebugging(fixture.session);
    console.log(`      the debug session ended in ${Date.now() - t0} ms`);
    const target = await until('/api/target to say the program is gone', async () => {
      const t = await getJson<{ pid: number; connected: boolean }>(`http://127.0.0.1:${result.port}/api/target`);
      return t.connected === false ? t : undefined;
    });
    assert.strictEqual(target.pid, fixture.pid);
    const gone = await fetch(`http://127.0.0.1:${result.port}/api/process`);
    assert.strictEqual(gone.status, 503, 'process figures of a gone program answer 503');
    assert.strictEqual(await vscode.commands.executeCommand('memoryProfiler.stop'), true);
  });
});

suite('Memory Profiler attached to an inspector', function () {
  this.timeout(60_000);

  test('Start with an inspector URL profiles that program', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const program = spawn(process.execPath, ['--inspect=127.0.0.1:0', join(folder.uri.fsPath, 'app.js')], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, MEMORY_PROFILER_TEST_OUT: join(OUT, 'inspector') },
    });
    try {
      let stderr = '';
      program.stderr!.on('data', (d) => (stderr += d));
      const url = await until('the inspector URL', () => /ws:\/\/\S+/.exec(stderr)?.[0], 15_000);
      const result = await vscode.commands.executeCommand<StartResult>('memoryProfiler.start', { inspector: url, onPortInUse: 'free', openPanel: false });
      assert.strictEqual(result.pid, program.pid);
      const processInfo = await getJson<{ pid: number; rss: number }>(`http://127.0.0.1:${result.port}/api/process`);
      assert.strictEqual(processInfo.pid, program.pid);
      assert.ok(processInfo.rss > 0);
    } finally {
      await vscode.commands.executeCommand('memoryProfiler.stop');
      program.kill();
    }
  });
});
