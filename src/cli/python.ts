import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readFileSync, type Stats, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningServer, startServer } from '../server';
import { type AgentAddress, launchWithAgent, PythonTarget } from '../targets/python';
import { describeExit, exitCodeOf, type ProgramExit } from './launch';
import { hasProcfs, isPythonProcess, processStartMs, readProcess } from './procfs';
import { type ServeOptions, trackFromStart, untilInterrupted } from './serve';
import { UserError } from './userError';

const log = (text: string) => process.stderr.write(`memory-profiler: ${text}\n`);

/** `python`, `python3`, `python3.11`, `pypy3`, a venv's `bin/python`… (a path or a name on PATH). */
export function isPython(command: string): boolean {
  return /^(python|pypy)(\d+(\.\d+)?)?[dmw]?(\.exe)?$/i.test(command.split(/[\\/]/).pop() ?? '');
}

/** Serves a Python program (its own `track_class` / `create_snapshot` calls reach the tracker: see `ProgramRequests`). */
async function servePython(target: PythonTarget, options: ServeOptions, onStop?: () => void): Promise<RunningServer> {
  let server: RunningServer;
  try {
    server = await startServer({ target, host: options.host, port: options.port, debug: options.debug, token: options.token, maxSnapshots: options.maxSnapshots, onStop });
  } catch (e) {
    await target.dispose();
    throw new UserError((e as Error).message);
  }
  try {
    if (options.trace && !target.capabilities.allocationTracking) log('--trace: a Python program has no allocation tracking here; the classes are tracked without creation stacks');
    await trackFromStart(server.tracker, options.track ?? [], false);
    if (options.intervalMs) server.tracker.startPeriodicSnapshots(options.intervalMs);
  } catch (e) {
    await server.stop();
    throw new UserError((e as Error).message);
  }
  return server;
}

/** `run [options] -- python app.py …`: the agent loaded before the program, profiled until it exits. */
export async function runPython(command: string[], options: ServeOptions): Promise<number> {
  const interrupted = untilInterrupted();
  let launched;
  try {
    launched = await launchWithAgent({ command: command[0], args: command.slice(1), stdio: 'inherit' });
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const { child } = launched;
  const exit = new Promise<ProgramExit>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const exited = exit.then(exitCodeOf);
  let server: RunningServer;
  try {
    server = await servePython(await PythonTarget.connect(launched.address), options);
  } catch (e) {
    // A program that ends as we attach (an error, sys.exit, a missing script) is reported by its
    // exit, as for Node, whatever the connection said first (ECONNRESET). Its own traceback is
    // already on the terminal above.
    const early = await Promise.race([exit, new Promise<null>((r) => setTimeout(() => r(null), 3_000))]);
    if (early) throw new UserError(`the program ${describeExit(early)} before the profiler could attach`, early.code || 1);
    child.kill();
    throw e instanceof UserError ? e : new UserError((e as Error).message);
  }
  log(`profiling ${command.join(' ')} (pid ${launched.pid}) at ${server.url}`);
  const outcome = await Promise.race([exited.then((code) => ({ code })), interrupted.then((signal) => ({ signal }))]);
  if ('signal' in outcome) {
    child.kill(outcome.signal);
    const forced = setTimeout(() => child.kill('SIGKILL'), 5_000);
    const code = await exited;
    clearTimeout(forced);
    await server.stop();
    return code;
  }
  await server.stop();
  log(`the program exited with code ${outcome.code}; profiler stopped`);
  return outcome.code;
}

/** `python://host:port` (secret in MEMORY_PROFILER_AGENT_SECRET), or the agent a pid left in the temporary folder; undefined when neither. */
export function pythonAgentAddress(endpoint: string): AgentAddress | undefined {
  const url = /^python:\/\/([^:/]+|\[[^\]]+\]):(\d+)\/?$/.exec(endpoint);
  if (url) {
    const secret = process.env.MEMORY_PROFILER_AGENT_SECRET;
    if (!secret) throw new UserError('attach python://… needs the agent’s secret in MEMORY_PROFILER_AGENT_SECRET', 2);
    return { host: url[1].replace(/^\[|\]$/g, ''), port: Number(url[2]), secret };
  }
  if (!/^\d+$/.test(endpoint)) return undefined;
  const pid = Number(endpoint);
  removeStaleAddressFiles(tmpdir(), pid);
  const file = join(tmpdir(), `memory-profiler-agent-${endpoint}.json`);
  const text = readAddressFile(file, pid);
  if (text === undefined) return undefined;
  try {
    const found = JSON.parse(text) as { port: number; secret: string };
    return { host: '127.0.0.1', port: found.port, secret: found.secret };
  } catch {
    throw new UserError(`${file} is not the agent's address file`);
  }
}

/** A regular file of this user (never one reached through a link, nor another user's). */
function isOurFile(st: Stats): boolean {
  const uid = process.getuid?.();
  return st.isFile() && (uid === undefined || st.uid === uid);
}

/**
 * The text of the address file of `pid`, or undefined when there is none we may trust: a link,
 * another user's file, or a stale one. Opened without following a link, and its descriptor's
 * own facts checked (the name may be replaced between the check and the open).
 */
function readAddressFile(file: string, pid: number): string | undefined {
  const named = lstatSync(file, { throwIfNoEntry: false });
  if (!named || !isOurFile(named)) return undefined;
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!isOurFile(st) || st.ino !== named.ino || st.dev !== named.dev) return undefined;
    if (isStaleAddressFile(st, pid, true)) return undefined;
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * An address file left by a Python program that is gone (killed before it could remove it), or
 * older than the process that has its pid now (which must then be attached as what it is).
 * `asked`: the pid given to `attach`, whose process must also be Python by its executable; the
 * sweep of the other files never asks that (an agent lives in uwsgi, PyInstaller builds and
 * embedded interpreters too).
 */
function isStaleAddressFile(st: Stats, pid: number, asked: boolean): boolean {
  if (!hasProcfs()) {
    try {
      process.kill(pid, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }
  const p = readProcess(pid);
  if (!p) return true;
  if (asked && !isPythonProcess(p)) return true;
  const started = processStartMs(pid);
  // Written by the agent once the program ran: older than the process, it was another one's.
  return started !== null && st.mtimeMs < started - 1_000;
}

const ADDRESS_FILE = /^memory-profiler-agent-(\d+)\.json$/;

/**
 * Removes the address files in the temporary folder left by Python programs that are gone (a
 * program killed before its atexit ran) or older than the process that has their pid now; the
 * file of `asked` (the pid given to `attach`) also when its process is not Python. Only regular
 * files of this user (never one reached through a link, nor another user's).
 */
export function removeStaleAddressFiles(dir = tmpdir(), asked?: number): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = ADDRESS_FILE.exec(name);
    if (!m) continue;
    const file = join(dir, name);
    const pid = Number(m[1]);
    try {
      const st = lstatSync(file);
      if (!isOurFile(st)) continue;
      if (!isStaleAddressFile(st, pid, pid === asked)) continue;
      unlinkSync(file);
      removed.push(file);
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
  return removed;
}

/**
 * `attach` to a Python program whose agent listens; profiled until Ctrl+C, Stop on the page
 * (`POST /api/stop`), or until it exits. `start_profiler` in the program runs this and waits
 * for it to end: Stop resumes the program.
 */
export async function attachPython(address: AgentAddress, options: ServeOptions): Promise<number> {
  let target: PythonTarget;
  try {
    target = await PythonTarget.connect(address);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const server = await servePython(target, options, () => stop());
  log(`profiling pid ${target.pid} at ${server.url}`);
  const gone = new Promise<string>((resolve) => target.onGone(resolve));
  const outcome = await Promise.race([gone.then((reason) => ({ reason })), untilInterrupted().then((signal) => ({ signal })), stopped.then(() => ({ stopped: true }))]);
  await server.stop();
  await target.dispose();
  if ('reason' in outcome) log(`the program is gone (${outcome.reason}); profiler stopped`);
  return 0;
}
