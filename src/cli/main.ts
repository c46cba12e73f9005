import { DEFAULT_PORT } from '../server/defaultPort';
import { mark } from '../heap/timeline';
import { parseCommandLine } from './options';
import type { ServeOptions } from './serve';
import { COMMAND_HELP, MAIN_HELP } from './usage';
import { UserError } from './userError';

declare const PACKAGE_VERSION: string | undefined;

async function main(argv: string[]): Promise<number> {
  mark('cli main');
  const { values, positionals, program } = parseCommandLine(argv);
  const [command, ...args] = positionals;
  if (values.version) {
    process.stdout.write(`${typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : 'dev'}\n`);
    return 0;
  }
  if (values.help || !command || command === 'help') {
    process.stdout.write(command && COMMAND_HELP[command] ? COMMAND_HELP[command] : MAIN_HELP);
    return 0;
  }
  const portText = values.port ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) throw new UserError(`--port must be a number from 0 to 65535, not "${portText}"`, 2);
  if (values.host !== undefined && !values.host.trim()) throw new UserError('--host needs an address, e.g. --host localhost', 2);
  const options: ServeOptions = {
    host: values.host ?? 'localhost',
    port,
    debug: values.debug ?? false,
    token: values.token,
    maxSnapshots: maxSnapshotsOption(values['max-snapshots']),
    ...trackerOptions(values),
  };

  // each command's modules load when it runs (`open` starts the heap worker before the server's load)
  switch (command) {
    case 'run': {
      const { runProgram } = await import('./commands');
      return runProgram(program, options);
    }
    case 'demo': {
      noOperands(command, [...args, ...program]);
      const { runDemo } = await import('./commands');
      return runDemo(options);
    }
    case 'attach': {
      if (args.length !== 1) throw new UserError('attach needs one inspector address or pid (see memory-profiler attach --help)', 2);
      noOperands(command, program);
      const { attachProgram } = await import('./commands');
      return attachProgram(args[0], options);
    }
    case 'open': {
      const { openFiles } = await import('./openCommand');
      return openFiles([...args, ...program], options);
    }
    default:
      throw new UserError(`unknown command "${command}" (see memory-profiler --help)`, 2);
  }
}

function noOperands(command: string, extra: string[]): void {
  if (extra.length) throw new UserError(`${command} takes no program or file: "${extra[0]}" (see memory-profiler ${command} --help)`, 2);
}

/** `--max-snapshots <n>`: heap snapshots kept (default 20). */
function maxSnapshotsOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1) throw new UserError(`--max-snapshots must be a positive number, not "${value}"`, 2);
  return Number(value);
}

/**
 * What a class can be called: a JavaScript constructor name (letters, digits, _ and $, not
 * starting with a digit), or a Python class's dotted `__qualname__` (`Outer.Inner`).
 */
const NAME_PART = '[\\p{L}\\p{Nl}_$][\\p{L}\\p{Nl}\\p{Mn}\\p{Mc}\\p{Nd}\\p{Pc}_$\\u200c\\u200d]*';
const CLASS_NAME = new RegExp(`^${NAME_PART}(\\.${NAME_PART})*$`, 'u');

/** `--track A,B`, `--trace`, `--interval <ms>`: what the tracker does from the start. */
function trackerOptions(values: { track?: string; trace?: boolean; interval?: string }): Pick<ServeOptions, 'track' | 'trace' | 'intervalMs'> {
  const track = (values.track ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (values.track !== undefined && !track.length) throw new UserError('--track needs class names, e.g. --track Order,Session', 2);
  const notAName = track.find((name) => !CLASS_NAME.test(name));
  if (notAName !== undefined) throw new UserError(`--track takes class names separated by commas (Order, or Outer.Inner for Python); "${notAName}" is not one`, 2);
  let intervalMs: number | undefined;
  if (values.interval !== undefined) {
    intervalMs = Number(values.interval);
    if (!/^\d+(\.\d+)?$/.test(values.interval) || intervalMs < 100) throw new UserError(`--interval must be a number of milliseconds, at least 100, not "${values.interval}"`, 2);
  }
  if (values.trace && !track.length) throw new UserError('--trace needs classes to track (--track A,B)', 2);
  return { track, trace: values.trace, intervalMs };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    const debug = process.argv.includes('--debug');
    // A usage error is ours to explain, never a stack trace, --debug or not.
    if (error instanceof UserError && (!debug || error.exitCode === 2)) {
      process.stderr.write(`memory-profiler: error: ${error.message}\n`);
      process.exit(error.exitCode);
    }
    // Anything else is our bug or an unexpected condition: one line unless --debug asks for more.
    process.stderr.write(`memory-profiler: error: ${debug ? error.stack : error.message}\n`);
    process.exit(1);
  },
);
