import { type ChildProcess, spawn } from 'node:child_process';
import { basename } from 'node:path';
import { UserError } from './userError';

/** A program started with its inspector open. */
export interface LaunchedProgram {
  child: ChildProcess;
  /** The inspector's WebSocket URL, from the program's "Debugger listening on" line. */
  inspectorUrl: string;
  /** Resolves with the exit code the profiler should pass on (128+n for signal n). */
  exited: Promise<number>;
}

// Node's inspector banners: useful to the profiler, noise to the user.
const INSPECTOR_NOISE = /^(Debugger listening on ws:\/\/\S+|For help, see: https:\/\/nodejs\.org\/\S*|Debugger attached\.|Waiting for the debugger to disconnect\.\.\.)\s*$/;

function isNode(command: string): boolean {
  return command === process.execPath || /^node(js)?(\.exe)?$/.test(basename(command));
}

/**
 * Starts `command args…` with the inspector on a free loopback port. `node` gets `--inspect`
 * as its first option; other commands (npm, npx, a shell script) get it through NODE_OPTIONS,
 * and the first Node process to open an inspector is the one profiled.
 */
export function launchWithInspector(command: string, args: string[], timeoutMs = 15_000): Promise<LaunchedProgram> {
  const inspect = '--inspect=127.0.0.1:0';
  const env = { ...process.env };
  let argv = args;
  if (isNode(command)) argv = [inspect, ...args];
  else env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} ${inspect}`.trim();

  const child = spawn(command, argv, { stdio: ['inherit', 'inherit', 'pipe'], env });
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      const signals: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
      resolve(code ?? 128 + (signal ? (signals[signal] ?? 1) : 1));
    });
  });

  return new Promise((resolve, reject) => {
    let found: string | undefined;
    let pending = '';
    const timer = setTimeout(() => {
      if (!found) {
        child.kill();
        reject(new UserError(`${command} did not open the Node inspector within ${timeoutMs / 1000} s`));
      }
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new UserError(`cannot start ${command}: ${e.message}`));
    });
    child.stderr!.on('data', (data: Buffer) => {
      pending += data.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const match = /^Debugger listening on (ws:\/\/\S+)/.exec(line);
        if (match && !found) {
          found = match[1];
          clearTimeout(timer);
          resolve({ child, inspectorUrl: found, exited });
        }
        if (!INSPECTOR_NOISE.test(line)) process.stderr.write(line + '\n');
      }
    });
    child.stderr!.on('end', () => {
      if (pending && !INSPECTOR_NOISE.test(pending)) process.stderr.write(pending);
    });
    exited.then((code) => {
      if (!found) {
        clearTimeout(timer);
        reject(new UserError(`${command} exited with code ${code} before opening the Node inspector`));
      }
    });
  });
}
