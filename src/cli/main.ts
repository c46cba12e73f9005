import { parseArgs } from 'node:util';
import { DEFAULT_PORT } from '../server';
import { attachProgram, runDemo, runProgram } from './commands';
import { openFiles } from './openCommand';
import type { ServeOptions } from './serve';
import { COMMAND_HELP, MAIN_HELP } from './usage';
import { UserError } from './userError';

declare const PACKAGE_VERSION: string | undefined;

async function main(argv: string[]): Promise<number> {
  const dashDash = argv.indexOf('--');
  const own = dashDash >= 0 ? argv.slice(0, dashDash) : argv;
  const rest = dashDash >= 0 ? argv.slice(dashDash + 1) : [];
  let parsed;
  try {
    parsed = parseArgs({
      args: own,
      allowPositionals: true,
      options: {
        host: { type: 'string', default: 'localhost' },
        token: { type: 'string' },
        'max-snapshots': { type: 'string' },
        port: { type: 'string', default: String(DEFAULT_PORT) },
        debug: { type: 'boolean', default: false },
        track: { type: 'string' },
        trace: { type: 'boolean', default: false },
        interval: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (e) {
    throw new UserError(`${(e as Error).message.split('\n')[0]} (see memory-profiler --help)`, 2);
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.version) {
    process.stdout.write(`${typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : 'dev'}\n`);
    return 0;
  }
  if (values.help || !command || command === 'help') {
    process.stdout.write(command && COMMAND_HELP[command] ? COMMAND_HELP[command] : MAIN_HELP);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be a number from 0 to 65535, not "${values.port}"`, 2);
  const options: ServeOptions = { host: values.host!, port, debug: values.debug!, token: values.token, maxSnapshots: maxSnapshotsOption(values['max-snapshots']), ...trackerOptions(values) };

  switch (command) {
    case 'run':
      return runProgram([...args, ...rest], options);
    case 'demo':
      return runDemo(options);
    case 'attach':
      if (args.length !== 1) throw new UserError('attach needs one inspector address or pid (see memory-profiler attach --help)', 2);
      return attachProgram(args[0], options);
    case 'open':
      return openFiles(args, options);
    default:
      throw new UserError(`unknown command "${command}" (see memory-profiler --help)`, 2);
  }
}

/** `--max-snapshots <n>`: heap snapshots kept (default 20). */
function maxSnapshotsOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1) throw new UserError(`--max-snapshots must be a positive number, not "${value}"`, 2);
  return Number(value);
}

/** `--track A,B`, `--trace`, `--interval <ms>`: what the tracker does from the start. */
function trackerOptions(values: { track?: string; trace?: boolean; interval?: string }): Pick<ServeOptions, 'track' | 'trace' | 'intervalMs'> {
  const track = (values.track ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  let intervalMs: number | undefined;
  if (values.interval !== undefined) {
    intervalMs = Number(values.interval);
    if (!Number.isFinite(intervalMs) || intervalMs < 100) throw new UserError(`--interval must be a number of milliseconds, at least 100, not "${values.interval}"`, 2);
  }
  if (values.trace && !track.length) throw new UserError('--trace needs classes to track (--track A,B)', 2);
  return { track, trace: values.trace, intervalMs };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    const debug = process.argv.includes('--debug');
    if (error instanceof UserError && !debug) {
      process.stderr.write(`memory-profiler: error: ${error.message}\n`);
      process.exit(error.exitCode);
    }
    // Anything else is our bug or an unexpected condition: one line unless --debug asks for more.
    process.stderr.write(`memory-profiler: error: ${debug ? error.stack : error.message}\n`);
    process.exit(1);
  },
);
