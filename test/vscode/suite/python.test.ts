// A Python program debugged with debugpy (Debian's python3-debugpy, its adapter registered by
// test/fixtures/debugpy-adapter as the Python extension would): Start Memory Profiler loads the
// agent through the debugger's DAP evaluate and serves the program like a Node one.
import * as assert from 'node:assert';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { getJson, sleep, until } from './helpers';

const EXTENSION_ID = 'memory-profiler.memory-profiler-vscode';
const OUT = process.env.MEMORY_PROFILER_TEST_OUT ?? '';
const PID_FILE = join(OUT, 'fixture-app-py.pid');

async function post<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  const json = await response.json();
  if (!response.ok) throw new Error(`POST ${url}: HTTP ${response.status} ${JSON.stringify(json)}`);
  return json as T;
}

suite('Memory Profiler in a Python (debugpy) debug session', function () {
  this.timeout(120_000);
  let session: vscode.DebugSession;
  let pid: number;

  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    await vscode.commands.executeCommand('memoryProfiler.stop').then(undefined, () => {});
    rmSync(PID_FILE, { force: true });
    const started = new Promise<vscode.DebugSession>((resolve) => {
      const d = vscode.debug.onDidStartDebugSession((s) => {
        if (s.type === 'debugpy') {
          d.dispose();
          resolve(s);
        }
      });
    });
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the fixture workspace is open');
    assert.strictEqual(await vscode.debug.startDebugging(folder, 'Fixture Python App'), true, 'startDebugging');
    session = await Promise.race([started, sleep(30_000).then(() => Promise.reject(new Error('no debugpy session in 30 s')))]);
    pid = await until('the Python fixture to write its pid', () => (existsSync(PID_FILE) ? Number(readFileSync(PID_FILE, 'utf8')) || undefined : undefined), 30_000);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('memoryProfiler.stop').then(undefined, () => {});
    if (session) await vscode.debug.stopDebugging(session);
  });

  test('Start loads the agent into the debuggee: its pid, its threads, the exact count of a tracked class', async () => {
    const result = await vscode.commands.executeCommand<{ url: string; port: number; pid: number }>('memoryProfiler.start', {
      debugSessionId: session.id,
      onPortInUse: 'free',
      openPanel: false,
    });
    assert.ok(result, 'start returns where it serves');
    assert.strictEqual(result.pid, pid);
    const base = `http://127.0.0.1:${result.port}/api`;
    const target = await getJson<{ pid: number; runtime: string; capabilities: string[] }>(`${base}/target`);
    assert.strictEqual(target.pid, pid);
    assert.match(target.runtime, /^python 3\./);
    assert.ok(target.capabilities.includes('threads') && target.capabilities.includes('heapSnapshots'), target.capabilities.join(', '));
    assert.strictEqual((await getJson<{ pid: number }>(`${base}/process`)).pid, pid);
    const threads = await getJson<Array<{ name: string }>>(`${base}/threads`);
    assert.ok(
      threads.some((t) => t.name === 'MainThread'),
      threads.map((t) => t.name).join(', '),
    );
    await post(`${base}/tracker/classes`, { name: 'Order' });
    const snapshot = await post<{ classes: Record<string, { active: number }> }>(`${base}/tracker/snapshots`, {});
    assert.strictEqual(snapshot.classes.Order.active, 137);
  });
});
