import { existsSync } from 'node:fs';
import { connectToInspector, resolveInspectorUrl } from '../targets/node';
import { distPath } from '../common/paths';
import { launchWithInspector } from './launch';
import { attachPython, isPython, pythonAgentAddress, runPython } from './python';
import { type ServeOptions, serveConnection, untilInterrupted } from './serve';
import { UserError } from './userError';

const log = (text: string) => process.stderr.write(`memory-profiler: ${text}\n`);

/** `run -- command args…`: launch with the inspector, profile, stop with the program. Returns the exit code. */
export async function runProgram(command: string[], options: ServeOptions): Promise<number> {
  if (!command.length) throw new UserError('nothing to run: give the program after --, e.g. memory-profiler run -- node app.js', 2);
  if (isPython(command[0])) return runPython(command, options);
  // Listening for Ctrl+C from the start: a signal that arrived between the "profiling" line
  // and a later listener killed the profiler outright, orphaning the program (a flaky test).
  const interrupted = untilInterrupted();
  const program = await launchWithInspector(command[0], command.slice(1));
  let server;
  try {
    ({ server } = await serveConnection(await connectToInspector(program.inspectorUrl), options));
  } catch (e) {
    program.child.kill();
    throw e;
  }
  log(`profiling ${command.join(' ')} (pid ${program.child.pid}) at ${server.url}`);
  const outcome = await Promise.race([program.exited.then((code) => ({ code })), interrupted.then((signal) => ({ signal }))]);
  if ('signal' in outcome) {
    // Ctrl+C reaches the whole process group; a program started another way gets the signal from us.
    program.child.kill(outcome.signal);
    const forced = setTimeout(() => program.child.kill('SIGKILL'), 5_000);
    const code = await program.exited;
    clearTimeout(forced);
    await server.stop();
    return code;
  }
  await server.stop();
  log(`the program exited with code ${outcome.code}; profiler stopped`);
  return outcome.code;
}

/** `demo`: the bundled leaky program under `run`. */
export function runDemo(options: ServeOptions): Promise<number> {
  const app = distPath('demo', 'leakyApp.js');
  if (!existsSync(app)) throw new UserError('the demo program is missing: run `npm run build` first');
  return runProgram([process.execPath, app], options);
}

/** `attach <ws-url|port|host:port|pid>`: profile a running program until Ctrl+C or until it exits. */
export async function attachProgram(endpoint: string, options: ServeOptions): Promise<number> {
  const python = pythonAgentAddress(endpoint);
  if (python) return attachPython(python, options);
  const url = await findInspector(endpoint);
  const { server, target } = await serveConnection(await connectToInspector(url), options);
  log(`profiling pid ${target.pid} at ${server.url}`);
  const gone = new Promise<string>((resolve) => target.onGone(resolve));
  const outcome = await Promise.race([gone.then((reason) => ({ reason })), untilInterrupted().then((signal) => ({ signal }))]);
  await server.stop();
  await target.dispose();
  if ('reason' in outcome) log(`the program is gone (${outcome.reason}); profiler stopped`);
  return 0;
}

/** A number is first tried as an inspector port, then as a pid whose inspector SIGUSR1 opens. */
async function findInspector(endpoint: string): Promise<string> {
  if (!/^\d+$/.test(endpoint)) return resolveInspectorUrl(endpoint);
  const n = Number(endpoint);
  if (n <= 65535) {
    try {
      return await resolveInspectorUrl(n, 1_000);
    } catch {
      // not an inspector port: maybe a pid
    }
  }
  try {
    process.kill(n, 0);
  } catch {
    throw new UserError(`${endpoint} is neither an open inspector port nor a running process`);
  }
  try {
    process.kill(n, 'SIGUSR1');
  } catch (e) {
    throw new UserError(`cannot signal pid ${n} to open its inspector: ${(e as Error).message}`);
  }
  // SIGUSR1 opens the inspector on the default port.
  for (let i = 0; i < 50; i++) {
    try {
      return await resolveInspectorUrl(9229, 500);
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new UserError(`pid ${n} did not open its inspector on port 9229 after SIGUSR1`);
}
