import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, realpathSync, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { openInspectorOf } from './inspectorDiscovery';
import { type ProcessFacts, descendantsOf, hasProcfs, isNodeProcess, nodeScriptOf, processGroupMembers, readProcess } from './procfs';
import { UserError } from './userError';

/** How a program ended: an exit code, or the signal that killed it. */
export interface ProgramExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The Node process of a launched command that the profiler attaches to. */
export interface ProgramInspector {
  pid: number;
  url: string;
  /** Other Node processes the command started that run a script of their own (not profiled). */
  others: ProcessFacts[];
}

/** A command started in its own process group with Node's inspector on for every Node process in it. */
export interface LaunchedProgram {
  child: ChildProcess;
  exited: Promise<ProgramExit>;
  /** Resolves with the Node process that runs the user's script once its inspector listens. */
  inspector: Promise<ProgramInspector>;
  /**
   * Once the program's stderr has ended (at most `waitMs` after this call), the last line of it
   * that says what went wrong: an `Error:` line if any, else the last line. The exit event can
   * come before the last of the output.
   */
  lastErrorLine(waitMs?: number): Promise<string | undefined>;
  /** Sends `signal` to the whole process group, waits for the command, then ends whatever is left in the group. */
  stop(signal: NodeJS.Signals): Promise<ProgramExit>;
  /** Ends what the command left running in its process group (SIGTERM, then SIGKILL). */
  endLeftovers(): Promise<void>;
}

// Node's inspector banners: useful to the profiler, noise to the user.
const INSPECTOR_NOISE =
  /^(Debugger listening on ws:\/\/\S+|For help, see: https:\/\/nodejs\.org\/\S*|Debugger attached\.|Debugger ending on ws:\/\/\S+|Waiting for the debugger to disconnect\.\.\.)\s*$/;

/** How the banners start: a partial line that may become one of them waits for its end. */
const INSPECTOR_NOISE_STARTS = ['Debugger listening on ', 'For help, see: ', 'Debugger attached.', 'Debugger ending on ', 'Waiting for the debugger to disconnect...'];

/** The exit code the profiler passes on: the program's own, or 128+n for signal n. */
export function exitCodeOf(exit: ProgramExit): number {
  if (exit.code !== null) return exit.code;
  return 128 + ((exit.signal && osConstants.signals[exit.signal]) || 1);
}

/** "exited with code 3", "was killed by SIGKILL". */
export function describeExit(exit: ProgramExit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

function isNodeCommand(command: string): boolean {
  return command === process.execPath || /^node(js)?(\.exe)?$/.test(basename(command));
}

/**
 * Finds the program before anything starts, so that a typo is one line and nothing runs:
 * a path must be an executable file, a name must be on PATH.
 */
export function checkCommand(command: string): void {
  const check = (file: string): string | null => {
    try {
      if (!statSync(file).isFile()) return 'not a file';
      accessSync(file, fsConstants.X_OK);
      return null;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EACCES' ? 'not executable' : 'no such file';
    }
  };
  if (command.includes('/')) {
    const problem = check(command);
    if (problem === 'not executable') throw new UserError(`cannot start ${command}: not executable (chmod +x ${command}, or run it through its interpreter, e.g. sh ${command})`);
    if (problem) throw new UserError(`cannot start ${command}: ${problem}`);
    return;
  }
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  if (!dirs.some((dir) => check(join(dir, command)) === null)) throw new UserError(`cannot start ${command}: no such program on PATH`);
}

/** The command-line tools whose own Node process is not the user's program. */
const TOOL_SCRIPT = /(^|\/)(npm-cli|npx-cli|npm|npx|yarn|yarnpkg|yarn-[\d.]+|pnpm|pnpx|nodemon|corepack|ts-node-dev|node-dev)(\.c?js|\.mjs)?$/;
// tsx runs the program in a child Node process of its own (ts-node runs it in-process: not a tool).
const TOOL_PACKAGE = /\/(npm|yarn|@yarnpkg|pnpm|nodemon|corepack|tsx)\/(bin|dist|lib)\//;

/** A Node process that runs npm, npx, yarn, pnpm, nodemon, corepack or tsx itself: their argv[1] is the tool's own script. */
export function isToolProcess(p: ProcessFacts): boolean {
  // npm and yarn set process.title ("npm start"), which rewrites their /proc/<pid>/cmdline.
  if (TOOL_SCRIPT.test(basename((p.argv[0] ?? '').split(' ')[0]))) return true;
  const script = nodeScriptOf(p);
  if (script === undefined) return false;
  let real = script;
  try {
    real = realpathSync(script);
  } catch {
    // a script that is gone: judge by its name
  }
  return [script, real].some((s) => TOOL_SCRIPT.test(s) || TOOL_PACKAGE.test(s));
}

/**
 * Starts `command args…` in a process group of its own with the inspector on a free loopback
 * port. `node` gets `--inspect` as its first option; other commands (npm, npx, yarn, nodemon, a
 * shell script) get it through NODE_OPTIONS, so every Node process they start opens one; the
 * profiled one is the first that runs a script of its own rather than the tool's.
 */
export function launchWithInspector(command: string, args: string[], timeoutMs = 30_000): LaunchedProgram {
  const procfs = hasProcfs();
  // Where /proc tells which process listens where, the inspectors stay silent; elsewhere the
  // "Debugger listening" banner on stderr is how we learn the address.
  const inspect = ['--inspect=127.0.0.1:0', ...(procfs ? ['--inspect-publish-uid=http'] : [])];
  const env = { ...process.env };
  let argv = args;
  if (isNodeCommand(command)) argv = [...inspect, ...args];
  else env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} ${inspect.join(' ')}`.trim();

  // detached: a process group of its own (setsid), so that a signal reaches the whole tree.
  const child = spawn(command, argv, { stdio: ['inherit', 'inherit', 'pipe'], env, detached: true });
  const pgid = child.pid;
  let exit: ProgramExit | undefined;
  const exited = new Promise<ProgramExit>((resolve) => {
    child.on('exit', (code, signal) => resolve((exit = { code, signal })));
    child.on('error', () => resolve((exit = { code: 127, signal: null })));
  });

  let lastLine: string | undefined;
  let lastErrorLine: string | undefined;
  let banner: ((url: string) => void) | undefined;
  // The program's stderr passes through as it comes, partial lines included (a prompt, progress
  // dots); only a line that may still turn out to be an inspector banner is held until it ends.
  let pending = '';
  let pendingShown = 0; // characters of `pending` already written
  const decoder = new StringDecoder('utf8');
  const note = (line: string) => {
    if (!line.trim() || /^Node\.js v\d/.test(line)) return;
    lastLine = line.trim();
    if (/^(\w*Error|\w+Exception)\b|^Error\b/.test(lastLine)) lastErrorLine = lastLine;
  };
  const take = (line: string, ended: boolean) => {
    const match = /^Debugger listening on (ws:\/\/\S+)/.exec(line);
    if (match) banner?.(match[1]);
    // A banner Node wrote in the middle of the program's partial line: dropped with its newline.
    if (INSPECTOR_NOISE.test(line.slice(pendingShown))) return;
    process.stderr.write(line.slice(pendingShown) + (ended ? '\n' : ''));
    note(line);
  };
  const mayBeNoise = (partial: string) => INSPECTOR_NOISE_STARTS.some((start) => start.startsWith(partial) || partial.startsWith(start));
  const feed = (text: string) => {
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      take(line, true);
      pendingShown = 0;
    }
    if (pending.length > pendingShown && !(pendingShown === 0 && mayBeNoise(pending))) {
      process.stderr.write(pending.slice(pendingShown));
      pendingShown = pending.length;
    }
  };
  child.stderr!.on('data', (data: Buffer) => feed(decoder.write(data)));
  let stderrEnded = false;
  const stderrEnd = new Promise<void>((resolve) => child.stderr!.once('close', () => resolve()));
  child.stderr!.on('end', () => {
    stderrEnded = true;
    feed(decoder.end());
    if (pending) take(pending, false);
    pending = '';
  });

  const inspector = new Promise<ProgramInspector>((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const give = (found: ProgramInspector) => resolve(found);
    if (!procfs) {
      banner = (url) => give({ pid: child.pid ?? 0, url, others: [] });
    } else {
      const find = child.pid === undefined ? async () => null : programFinder(child.pid);
      const poll = async (): Promise<void> => {
        if (exit || child.pid === undefined) return;
        const found = await find();
        if (found) return give(found);
        if (Date.now() > deadline) {
          reject(new UserError(`no Node.js program started by ${command} opened its inspector within ${timeoutMs / 1000} s`));
          return;
        }
        setTimeout(() => void poll(), 100);
      };
      void poll();
    }
    child.once('error', (e) => reject(new UserError(`cannot start ${command}: ${e.message}`)));
  });
  inspector.catch(() => {});

  const groupMembers = (): number[] => {
    if (pgid === undefined) return [];
    if (procfs) return processGroupMembers(pgid);
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch {
      return [];
    }
  };
  const signalGroup = (signal: NodeJS.Signals) => {
    if (pgid === undefined) return;
    try {
      process.kill(-pgid, signal);
    } catch {
      // the group is empty
    }
  };
  const untilGroupEmpty = async (ms: number): Promise<boolean> => {
    const until = Date.now() + ms;
    while (groupMembers().length) {
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  };
  const endLeftovers = async () => {
    if (!groupMembers().length) return;
    signalGroup('SIGTERM');
    if (!(await untilGroupEmpty(3_000))) {
      signalGroup('SIGKILL');
      await untilGroupEmpty(2_000);
    }
  };

  return {
    child,
    exited,
    inspector,
    async lastErrorLine(waitMs = 1_000) {
      if (!stderrEnded) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([stderrEnd, new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
        clearTimeout(timer);
      }
      return lastErrorLine ?? lastLine;
    },
    async stop(signal) {
      signalGroup(signal);
      const forced = setTimeout(() => signalGroup('SIGKILL'), 5_000);
      const ended = await exited;
      clearTimeout(forced);
      await endLeftovers();
      return ended;
    },
    endLeftovers,
  };
}

/** How long a Node program that started first may take to open its inspector before a later one is taken instead. */
const FIRST_PROGRAM_GRACE_MS = 3_000;

/** The Node processes under `root` (itself included) that run a script of their own, oldest first. */
export function userProgramsUnder(root: number): ProcessFacts[] {
  return [root, ...descendantsOf(root)].map(readProcess).filter((p): p is ProcessFacts => p !== null && isNodeProcess(p) && !isToolProcess(p));
}

/**
 * Polls the tree under `root` for the Node program to profile: the first one that runs a script
 * of its own, once its inspector listens. A later one is taken only when the first has not
 * opened its inspector within FIRST_PROGRAM_GRACE_MS of being seen (its NODE_OPTIONS replaced, say).
 */
function programFinder(root: number): () => Promise<ProgramInspector | null> {
  const firstSeen = new Map<number, number>();
  return async () => {
    const programs = userProgramsUnder(root);
    const now = Date.now();
    for (const p of programs) if (!firstSeen.has(p.pid)) firstSeen.set(p.pid, now);
    for (const [i, p] of programs.entries()) {
      const url = await openInspectorOf(p);
      if (url) return { pid: p.pid, url, others: programs.filter((_, j) => j !== i) };
      if (now - firstSeen.get(p.pid)! < FIRST_PROGRAM_GRACE_MS) return null; // wait for this one
    }
    return null;
  };
}
