/**
 * What Linux's /proc says about a process: its executable, argv, environment, children, process
 * group and listening sockets. The CLI asks before it signals anything: SIGUSR1's default action
 * kills a process that is not Node.
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';

export interface ProcessFacts {
  pid: number;
  /** The executable's path (`/proc/<pid>/exe`), or null when we may not read it. */
  exe: string | null;
  argv: string[];
}

export const hasProcfs = (): boolean => {
  try {
    readdirSync('/proc/self/fd');
    return true;
  } catch {
    return false;
  }
};

/** The process's executable and argv; null when there is no such process (or it is a zombie). */
export function readProcess(pid: number): ProcessFacts | null {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return null;
  }
  if (!cmdline) return null; // a zombie or a kernel thread
  let exe: string | null = null;
  try {
    exe = readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    // another user's process: argv only
  }
  return { pid, exe, argv: cmdline.replace(/\0$/, '').split('\0') };
}

/** The process's environment, or null when we may not read it. */
export function readEnvironment(pid: number): Record<string, string> | null {
  try {
    const env: Record<string, string> = {};
    for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
      const eq = entry.indexOf('=');
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return env;
  } catch {
    return null;
  }
}

const NODE_NAME = /^(node|nodejs)(\d+)?(\.exe)?$/;

/** A Node.js process: its executable is `node` (or this very Node), whatever it was started as. */
export function isNodeProcess(p: ProcessFacts): boolean {
  if (p.exe) return NODE_NAME.test(basename(p.exe)) || sameFile(p.exe, process.execPath);
  return NODE_NAME.test(basename(p.argv[0] ?? ''));
}

/** A CPython (or PyPy) process: `attach` never signals one (its agent is reached by its address file). */
export function isPythonProcess(p: ProcessFacts): boolean {
  const name = basename(p.exe ?? p.argv[0] ?? '');
  return /^(python|pypy)(\d+(\.\d+)*)?[a-z]?(\.exe)?$/.test(name);
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** Parent pid, process group and state of a process, from `/proc/<pid>/stat`; null when gone. */
export function readStat(pid: number): { ppid: number; pgid: number; state: string } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces or parentheses itself.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return null;
  }
}

/**
 * When the process started, in milliseconds since the epoch (`/proc/<pid>/stat`'s start time
 * after boot, in clock ticks: 100 a second on Linux); null when gone or unreadable.
 */
export function processStartMs(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
    const boot = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    return boot && Number.isFinite(ticks) ? Number(boot[1]) * 1000 + ticks * 10 : null;
  } catch {
    return null;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** Every live descendant of `pid` (not `pid` itself), parents before children, oldest first. */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const p of allPids()) {
    const stat = readStat(p);
    if (!stat || stat.state === 'Z') continue;
    if (!children.has(stat.ppid)) children.set(stat.ppid, []);
    children.get(stat.ppid)!.push(p);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of (children.get(queue.shift()!) ?? []).sort((a, b) => a - b)) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** The live (not zombie) members of a process group. */
export function processGroupMembers(pgid: number): number[] {
  return allPids().filter((p) => {
    const stat = readStat(p);
    return stat !== null && stat.pgid === pgid && stat.state !== 'Z';
  });
}

export interface ListeningSocket {
  /** An address a client can connect to: a wildcard becomes loopback. */
  host: string;
  port: number;
}

/**
 * The TCP ports the process listens on: its socket inodes (`/proc/<pid>/fd`) matched to the
 * listening sockets of its network namespace (`/proc/<pid>/net/tcp{,6}`). Empty when we may not
 * read its file descriptors.
 */
export function listeningSockets(pid: number): ListeningSocket[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return [];
  }
  const sockets: ListeningSocket[] = [];
  for (const [file, v6] of [
    ['tcp', false],
    ['tcp6', true],
  ] as const) {
    let table: string;
    try {
      table = readFileSync(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of table.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // sl local_address rem_address st … inode (the 10th field)
      if (fields.length < 10 || fields[3] !== '0A' || !inodes.has(fields[9])) continue;
      const [addressHex, portHex] = fields[1].split(':');
      sockets.push({ host: connectableHost(addressHex, v6), port: parseInt(portHex, 16) });
    }
  }
  return sockets;
}

/** A /proc/net address (32-bit words in host byte order, little-endian here) as a host to connect to. */
function connectableHost(hex: string, v6: boolean): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => [w.slice(6, 8), w.slice(4, 6), w.slice(2, 4), w.slice(0, 2)].map((b) => parseInt(b, 16)));
  if (!v6) return bytes.every((b) => b === 0) ? '127.0.0.1' : bytes.join('.');
  if (bytes.every((b) => b === 0)) return '[::1]';
  // ::ffff:a.b.c.d, an IPv4 address on a dual-stack socket
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return `[${groups.join(':')}]`;
}

/** The script a Node process runs (argv[1] after Node's own options), as an absolute path when it is one. */
export function nodeScriptOf(p: ProcessFacts): string | undefined {
  const script = nodeScriptArgument(p.argv.slice(1));
  if (script === undefined) return undefined;
  if (isAbsolute(script)) return script;
  try {
    return resolve(readlinkSync(`/proc/${p.pid}/cwd`), script);
  } catch {
    return script;
  }
}

/** Node options that take the next word as their value. */
const NODE_VALUE_OPTIONS = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '--inspect-port',
  '--debug-port',
  '--title',
  '--conditions',
  '-C',
  '--env-file',
  '--input-type',
  '--openssl-config',
  '--redirect-warnings',
  '--diagnostic-dir',
  '--report-dir',
  '--cpu-prof-dir',
  '--heap-prof-dir',
  '--icu-data-dir',
  '--disable-warning',
  '--watch-path',
  '--stack-trace-limit',
]);

/** The first word of a Node command line (after the executable) that is not one of Node's options; undefined for `-e`/`-p`/REPL. */
export function nodeScriptArgument(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') return args[i + 1];
    if (arg === '-e' || arg === '--eval' || arg === '-p' || arg === '--print') return undefined;
    if (!arg.startsWith('-')) return arg;
    if (NODE_VALUE_OPTIONS.has(arg)) i++;
  }
  return undefined;
}

/** The inspector a command line asks for: `--inspect[-brk|-wait][=[host:]port]`, `--inspect-port=[host:]port`. */
export interface InspectorFlags {
  /** Whether the inspector is opened at start (not only on SIGUSR1). */
  opened: boolean;
  host: string;
  port: number;
}

/** Reads the inspector flags of Node's own options (argv after the executable, or NODE_OPTIONS split into words). */
export function inspectorFlags(words: string[]): InspectorFlags | null {
  let flags: InspectorFlags | null = null;
  const set = (value: string | undefined, opened: boolean) => {
    const next: InspectorFlags = { opened: opened || (flags?.opened ?? false), host: flags?.host ?? '127.0.0.1', port: flags?.port ?? 9229 };
    if (value !== undefined) {
      const m = /^(?:(\[[^\]]+\]|[^:]+):)?(\d+)$/.exec(value) ?? /^(\[[^\]]+\]|[^:]+)$/.exec(value);
      if (m && m.length === 3) {
        if (m[1] !== undefined) next.host = m[1];
        next.port = Number(m[2]);
      } else if (m) next.host = m[1];
    }
    flags = next;
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (!word.startsWith('-') || word === '--') break; // the script: what follows is the program's
    const m = /^--(inspect|inspect-brk|inspect-wait|debug-brk|inspect-port|debug-port)(?:=(.*))?$/.exec(word);
    if (m) {
      const portOnly = m[1] === 'inspect-port' || m[1] === 'debug-port';
      let value = m[2];
      if (value === undefined && portOnly) value = words[++i];
      set(value, !portOnly);
    } else if (NODE_VALUE_OPTIONS.has(word)) i++;
    else if (word === '-e' || word === '--eval' || word === '-p' || word === '--print') i++;
  }
  return flags;
}

/** NODE_OPTIONS as words (double- or single-quoted parts kept together). */
export function splitNodeOptions(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)].map((m) => m[1]?.replace(/\\(.)/g, '$1') ?? m[2] ?? m[3]);
}
