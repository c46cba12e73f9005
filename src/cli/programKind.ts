/**
 * What `run` was given, told before anything starts: Node, Python, something that may start
 * either (a wrapper: npm, npx, tsx, a shell script, `env`, a shell), or a program that is surely
 * neither (an executable of its own, such as `sleep`), refused at once instead of waiting for an
 * inspector that never opens. Told from the command's name, then from the file itself: a script's
 * `#!` line, an executable's format (ELF, Mach-O, PE) and, for one with another name, whether it
 * is a Node single executable application.
 */
import { accessSync, closeSync, constants as fsConstants, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { isPython } from './python';

export type ProgramKind =
  /** Node itself (or a script whose `#!` runs it, or a Node single executable). */
  | 'node'
  /** A Python interpreter, or a script whose `#!` runs one. */
  | 'python'
  /** May start Node or Python: a wrapper, a shell, a script of another interpreter, a file we cannot read. */
  | 'wrapper'
  /** An executable of its own that is neither and names neither in its arguments. */
  | 'other';

export interface CommandKind {
  kind: ProgramKind;
  /** Why, in words, when `other` (e.g. `an ELF executable`). */
  what?: string;
}

/** Node by name: `node`, `nodejs`, `node.exe`, or this very executable. */
export function isNodeName(command: string): boolean {
  return command === process.execPath || /^node(js)?(\d+)?(\.exe)?$/i.test(baseName(command));
}

/**
 * Executables that run another command given in their arguments (or a script): they may start
 * Node or Python, so they are never refused.
 */
const LAUNCHERS = new Set(
  (
    'sh bash dash zsh ksh mksh pdksh ash fish tcsh csh busybox env nice nohup time timeout setsid stdbuf sudo doas su runuser chroot xargs ' +
    'strace ltrace gdb lldb valgrind perf taskset chrt ionice unbuffer script flock watch make gmake just firejail bwrap unshare nsenter ' +
    'systemd-run run-parts direnv dotenv docker podman uv poetry pipenv pdm hatch rye conda mamba micromamba pyenv asdf mise rtx fnm nvm volta ' +
    'npm npx yarn yarnpkg pnpm pnpx corepack bun bunx deno tsx ts-node nodemon cross-env dotenvx ' +
    // native task runners and supervisors that start Node programs (and Electron, which is one)
    'turbo nx moon lerna concurrently watchexec entr tini dumb-init supervisord overmind hivemind foreman honcho pm2 forever electron'
  ).split(' '),
);

/** An argument that names a Node or Python program or tool: a launcher of another name (an ELF `bun`) given one is not refused. */
const PROGRAM_ARGUMENT = /(^|[\\/\s])(node(js)?|npm|npx|yarn|pnpm|tsx|ts-node|nodemon|python\d*(\.\d+)?|pypy\d*|pip\d*)(\s|$)|\.(c|m)?[jt]sx?(\s|$)|\.pyw?(\s|$)/i;

/** Executable formats by their first bytes. */
function binaryFormat(head: Buffer): string | undefined {
  if (head.length >= 4 && head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF') return 'ELF';
  const magic = head.length >= 4 ? head.readUInt32BE(0) : 0;
  if ([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(magic)) return 'Mach-O';
  if (head.length >= 2 && head.toString('latin1', 0, 2) === 'MZ') return 'PE';
  return undefined;
}

/** The interpreter a `#!` line names: `#!/usr/bin/env -S node --flag` → `node`. */
export function shebangInterpreter(head: Buffer): string | undefined {
  if (head.toString('latin1', 0, 2) !== '#!') return undefined;
  const line = head.toString('utf8', 2, Math.max(2, head.indexOf(0x0a) < 0 ? head.length : head.indexOf(0x0a))).trim();
  const words = line.split(/\s+/).filter(Boolean);
  if (!words.length) return undefined;
  if (baseName(words[0]) !== 'env') return baseName(words[0]);
  // env's own options and VAR=value assignments come before the command.
  const command = words.slice(1).find((w) => !w.startsWith('-') && !/^\w+=/.test(w));
  return command ? baseName(command) : undefined;
}

/** Judges `command args…` (see the module's comment); a file it cannot find or read is a `wrapper` (checkCommand says what is wrong). */
export function commandKind(command: string[], env: NodeJS.ProcessEnv = process.env): CommandKind {
  const [program, ...args] = command;
  if (!program) return { kind: 'wrapper' };
  if (isNodeName(program)) return { kind: 'node' };
  if (isPython(program)) return { kind: 'python' };
  if (LAUNCHERS.has(launcherName(program))) return { kind: 'wrapper' };
  const file = findExecutable(program, env);
  if (!file) return { kind: 'wrapper' };
  let real = file;
  try {
    real = realpathSync(file);
  } catch {
    // judged by the name given
  }
  // `nodejs` → node, `python` → python3.11, a symlink named after its tool (npm → npm-cli.js).
  if (isNodeName(real)) return { kind: 'node' };
  if (isPython(real)) return { kind: 'python' };
  if (LAUNCHERS.has(launcherName(real))) return { kind: 'wrapper' };
  const head = readHead(real, 512);
  if (!head) return { kind: 'wrapper' };
  const interpreter = shebangInterpreter(head);
  if (interpreter !== undefined) {
    if (isNodeName(interpreter)) return { kind: 'node' };
    if (isPython(interpreter)) return { kind: 'python' };
    // A shell script (or perl, ruby…) may start Node or Python: profiled if it does.
    return { kind: 'wrapper' };
  }
  const format = binaryFormat(head);
  // Text without `#!` (a shell runs it), or a format we do not know: not surely neither.
  if (!format) return { kind: 'wrapper' };
  if (args.some((a) => PROGRAM_ARGUMENT.test(a))) return { kind: 'wrapper' };
  if (isNodeSingleExecutable(real)) return { kind: 'node' };
  return { kind: 'other', what: `an ${format} executable` };
}

/** The one line `run` says of a command that is surely neither Node nor Python. */
export function notAProgramMessage(program: string, what: string | undefined): string {
  return `${program} is not a Node.js or Python program${what ? ` (${what})` : ''}; nothing was started. Run one: memory-profiler run -- node app.js, or -- python app.py (or a wrapper that starts one: npm start, a shell script; a program of its own that starts one: -- env <command>)`;
}

function baseName(path: string): string {
  return basename(path.split('\\').join('/'));
}

/** `bash`, `env`… as a launcher is named, with a version suffix dropped (`bash5.2`, `make-4`). */
function launcherName(path: string): string {
  return baseName(path)
    .replace(/\.exe$/i, '')
    .replace(/[-.]?\d+(\.\d+)*$/, '');
}

/** The file `command` runs: itself when it is a path, else the first executable of that name on PATH. */
function findExecutable(command: string, env: NodeJS.ProcessEnv): string | undefined {
  const executable = (file: string) => {
    try {
      if (!statSync(file).isFile()) return false;
      accessSync(file, fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (command.includes('/') || command.includes('\\')) return executable(command) ? command : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const file = join(dir, command);
    if (executable(file)) return file;
  }
  return undefined;
}

function readHead(file: string, bytes: number): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buffer = Buffer.alloc(bytes);
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Node's single executable applications carry its fuse string (every Node binary does); small programs are not read through. */
const SEA_FUSE = Buffer.from('NODE_SEA_FUSE_');
const SEA_MIN_BYTES = 20 * 1024 * 1024;
const SEA_MAX_BYTES = 512 * 1024 * 1024;

function isNodeSingleExecutable(file: string): boolean {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return false;
  }
  // Node's own binary is tens of MB: a smaller executable is not one.
  if (size < SEA_MIN_BYTES || size > SEA_MAX_BYTES) return size > SEA_MAX_BYTES;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const chunk = Buffer.alloc(4 * 1024 * 1024);
    let carry = Buffer.alloc(0);
    for (let position = 0; position < size;) {
      const n = readSync(fd, chunk, 0, chunk.length, position);
      if (n <= 0) break;
      position += n;
      const window = Buffer.concat([carry, chunk.subarray(0, n)]);
      if (window.includes(SEA_FUSE)) return true;
      carry = window.subarray(Math.max(0, window.length - SEA_FUSE.length));
    }
    return false;
  } catch {
    return true; // unreadable: not surely neither
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
