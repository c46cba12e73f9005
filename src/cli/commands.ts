import { existsSync } from 'node:fs';
import { type CdpConnection, connectToInspector, resolveInspectorUrl } from '../targets/node';
import { distPath } from '../common/paths';
import { type PidInspector, closeInspector, inspectorOfPid } from './attachPid';
import { nodeInspectorAt } from './inspectorDiscovery';
import { type ProgramExit, type ProgramInspector, checkCommand, describeExit, exitCodeOf, launchWithInspector, userProgramsUnder } from './launch';
import { type ProcessFacts, hasProcfs, nodeScriptArgument, readProcess } from './procfs';
import { commandKind, notAProgramMessage } from './programKind';
import { attachPython, isPython, pythonAgentAddress, runPython } from './python';
import { type ServeOptions, checkPortFree, serveConnection, untilInterrupted } from './serve';
import { UserError } from './userError';

const log = (text: string) => process.stderr.write(`memory-profiler: ${text}\n`);

/** `run -- command args…`: launch with the inspector, profile, stop with the program. Returns the exit code. */
export async function runProgram(command: string[], options: ServeOptions): Promise<number> {
  if (!command.length) throw new UserError('nothing to run: give the program after --, e.g. memory-profiler run -- node app.js', 2);
  // Everything that can fail early fails before the program starts: nothing to clean up, no
  // output of a program that was killed at once.
  checkCommand(command[0]);
  // A program that is surely neither Node nor Python (`sleep`): said at once, nothing started.
  const { kind, what } = commandKind(command);
  if (kind === 'other') throw new UserError(notAProgramMessage(command[0], what), 2);
  await checkPortFree(options.host, options.port);
  // A Python interpreter, or a script whose #! line runs one.
  if (kind === 'python' || isPython(command[0])) return runPython(command, options);
  // Listening for Ctrl+C from the start: a signal that arrived between the "profiling" line
  // and a later listener killed the profiler outright, orphaning the program (a flaky test).
  const interrupted = untilInterrupted();
  const program = launchWithInspector(command[0], command.slice(1));
  const exitedEarly = async (exit: ProgramExit) => {
    const line = await program.lastErrorLine();
    return new UserError(`the program ${describeExit(exit)} before the profiler could attach${line ? `: ${line}` : ''}`, exit.code || 1);
  };

  const first = await Promise.race([
    program.inspector.then(
      (found) => ({ found }),
      (error: Error) => ({ error }),
    ),
    program.exited.then((exit) => ({ exit })),
    interrupted.then((signal) => ({ signal })),
  ]);
  if ('signal' in first) return exitCodeOf(await program.stop(first.signal));
  if ('exit' in first) {
    await program.endLeftovers();
    throw await exitedEarly(first.exit);
  }
  if ('error' in first) {
    await program.stop('SIGTERM');
    throw first.error;
  }
  const { found } = first;

  let served: Awaited<ReturnType<typeof serveConnection>>;
  let connection: CdpConnection | undefined;
  try {
    connection = await connectToInspector(found.url);
    // We started it: it runs here, V8 can write its snapshots into a FIFO we read.
    served = await serveConnection(connection, options, { local: true });
  } catch (e) {
    connection?.close();
    // A program that dies while we attach (a missing module, an early crash) is reported by its
    // exit, whatever the connection said first (ECONNRESET, a lost context).
    const exit = await Promise.race([program.exited, new Promise<null>((r) => setTimeout(() => r(null), 3_000))]);
    if (exit) {
      await program.endLeftovers();
      throw await exitedEarly(exit);
    }
    await program.stop('SIGTERM');
    throw e;
  }
  const { server } = served;
  if (found.pid === program.child.pid) log(`profiling ${command.join(' ')} (pid ${found.pid}) at ${server.url}`);
  else log(`profiling ${describeNode(readProcess(found.pid)?.argv)} (pid ${found.pid}), started by ${command.join(' ')} (pid ${program.child.pid}), at ${server.url}`);
  const stopWatching = watchOtherPrograms(program.child.pid!, found);

  const outcome = await Promise.race([program.exited.then((exit) => ({ exit })), interrupted.then((signal) => ({ signal }))]);
  stopWatching();
  if ('signal' in outcome) {
    // A signal to us reaches the program's whole process group (it has its own).
    const exit = await program.stop(outcome.signal);
    await server.stop();
    return exitCodeOf(exit);
  }
  await server.stop();
  await program.endLeftovers();
  log(`the program ${describeExit(outcome.exit)}; profiler stopped`);
  return exitCodeOf(outcome.exit);
}

/**
 * Names the other Node programs the command starts (now and while it runs), which are not
 * profiled: a user who expected another one sees its pid, to `attach` to it.
 */
function watchOtherPrograms(root: number, found: ProgramInspector): () => void {
  const told = new Set<number>([found.pid]);
  const tell = (others: ProcessFacts[]) => {
    for (const other of others) {
      if (told.has(other.pid)) continue;
      told.add(other.pid);
      log(`also started, not profiled: pid ${other.pid}: ${describeNode(other.argv)}`);
    }
  };
  tell(found.others);
  if (!hasProcfs()) return () => {};
  const timer = setInterval(() => tell(userProgramsUnder(root)), 1_000);
  timer.unref();
  return () => clearInterval(timer);
}

/** `node app.js --flag`: the script and its arguments, without Node's own options (tsx's loaders…). */
function describeNode(argv: string[] | undefined): string {
  if (!argv) return 'gone';
  const script = nodeScriptArgument(argv.slice(1));
  const from = script === undefined ? 1 : argv.indexOf(script, 1);
  const text = ['node', ...argv.slice(from)].join(' ');
  return text.length > 100 ? `${text.slice(0, 97)}…` : text;
}

/** `demo`: the bundled leaky program under `run`. */
export function runDemo(options: ServeOptions): Promise<number> {
  const app = distPath('demo', 'leakyApp.js');
  if (!existsSync(app)) throw new UserError('the demo program is missing: run `npm run build` first');
  return runProgram([process.execPath, app], options);
}

/** `attach <ws-url|port|host:port|pid>`: profile a running program until Ctrl+C or until it exits. */
export async function attachProgram(endpoint: string, options: ServeOptions): Promise<number> {
  await checkPortFree(options.host, options.port); // before the program is signalled
  const python = pythonAgentAddress(endpoint);
  if (python) return attachPython(python, options);
  const { url, openedByUs, byPid } = await findInspector(endpoint);
  let served: Awaited<ReturnType<typeof serveConnection>>;
  const connection = await connectToInspector(url);
  try {
    served = await serveConnection(connection, options, { local: byPid });
  } catch (e) {
    connection.close();
    if (openedByUs) {
      // serveConnection closed its connection: close the inspector SIGUSR1 opened through a new one.
      const again = await connectToInspector(url).catch(() => null);
      if (again) {
        await closeInspector(again);
        again.close();
      }
    }
    throw e;
  }
  const { server, target } = served;
  log(`profiling pid ${target.pid} at ${server.url}`);
  const gone = new Promise<string>((resolve) => target.onGone(resolve));
  const outcome = await Promise.race([gone.then((reason) => ({ reason })), untilInterrupted().then((signal) => ({ signal }))]);
  await server.stop();
  // The program had no inspector open before: leave it as it was.
  if (openedByUs && 'signal' in outcome) await closeInspector(target.connection);
  await target.dispose();
  if ('reason' in outcome) log(`the program is gone (${outcome.reason}); profiler stopped`);
  else if (openedByUs) log(`detached; closed the inspector that attach opened in pid ${target.pid}`);
  return 0;
}

/** A number is first tried as an inspector port, then as the pid of a Node program. */
async function findInspector(endpoint: string): Promise<PidInspector & { byPid: boolean }> {
  if (!/^\d+$/.test(endpoint)) return { url: await resolveInspectorUrl(endpoint), openedByUs: false, byPid: false };
  const n = Number(endpoint);
  if (n <= 65535) {
    const url = await nodeInspectorAt('127.0.0.1', n);
    if (url) return { url, openedByUs: false, byPid: false };
  }
  // A pid is a program on this machine.
  return { ...(await inspectorOfPid(n)), byPid: true };
}
