/**
 * A Python program under debugpy (Debian's python3-debugpy), as VS Code runs it: the agent is
 * loaded through the debugger's DAP `evaluate` (repl context, no frame) while the program runs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { after, test } from 'node:test';
import { PythonAgentClient, loadAgentThroughDebugger } from '../../../src/targets/python';
import { DapClient } from '../../helpers/dap';
import { Program } from '../../helpers/programs';
import { PYTHON, pythonFixture } from '../../helpers/python';

let program: Program | undefined;
let dap: DapClient | undefined;
let agent: PythonAgentClient | undefined;
after(() => {
  agent?.close();
  dap?.close();
  program?.kill();
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test('the agent loads through debugpy’s evaluate while the program runs, and counts its objects', async () => {
  const port = await freePort();
  program = new Program(
    spawn(PYTHON, ['-Xfrozen_modules=off', '-m', 'debugpy', '--listen', `127.0.0.1:${port}`, pythonFixture('holder.py')], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
    }),
  );
  dap = await DapClient.connect(port);
  await dap.request('initialize', { adapterID: 'debugpy', clientID: 'memory-profiler-test', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
  const attached = dap.request('attach', { justMyCode: false });
  await dap.waitForEvent('initialized');
  await dap.request('configurationDone');
  await attached;
  await program.json('ready');
  const address = await loadAgentThroughDebugger((statement) => dap!.request('evaluate', { expression: statement, context: 'repl' }));
  agent = await PythonAgentClient.connect(address);
  const census = await agent.request<{ counts: Record<string, number> }>('census', { names: ['Order'] });
  assert.equal(census.counts.Order, 123);
  assert.equal(agent.hello.pid, program.child.pid);
  const threads = await agent.request<Array<{ name: string }>>('threads');
  // debugpy's own threads are the debugger's, not the program's.
  assert.deepEqual(
    threads.map((t) => t.name),
    ['MainThread', 'worker-thread'],
  );
  assert.equal(
    threads.some((t) => t.name.startsWith('memory-profiler-agent')),
    false,
  );
});
