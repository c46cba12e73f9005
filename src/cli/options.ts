import { editDistance } from '../common/nearNames';
import { UserError } from './userError';

export { editDistance };

/** The CLI's own options, by long name: whether each takes a value, and its short letter. */
export const OPTION_SPECS = {
  host: { value: true },
  port: { value: true },
  token: { value: true },
  'max-snapshots': { value: true },
  track: { value: true },
  interval: { value: true },
  trace: { value: false },
  debug: { value: false },
  help: { value: false, short: 'h' },
  version: { value: false, short: 'v' },
} as const satisfies Record<string, { value: boolean; short?: string }>;

export type OptionName = keyof typeof OPTION_SPECS;
type ValueOption = { [K in OptionName]: (typeof OPTION_SPECS)[K]['value'] extends true ? K : never }[OptionName];
type FlagOption = Exclude<OptionName, ValueOption>;

export interface ParsedArgs {
  values: Partial<Record<ValueOption, string>> & Partial<Record<FlagOption, boolean>>;
  /** The command and its operands. */
  positionals: string[];
  /** What follows `--`, or for `run` everything from the program's name on: the program's own argv. */
  program: string[];
}

const usageError = (text: string) => new UserError(`${text} (see memory-profiler --help)`, 2);

/**
 * Parses the command line in our own words. Node's `util.parseArgs` answered `--interval -5`
 * with "argument is ambiguous" and `--prot` with a paragraph: a value option here takes the next
 * word whatever it looks like (the value is checked later, with a message about the value), and
 * an unknown option names the closest known one.
 */
export function parseCommandLine(argv: string[]): ParsedArgs {
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  let program: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      program = argv.slice(i + 1);
      break;
    }
    // `run node app.js --verbose`: from the program's name on, the words are the program's.
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      if (positionals[0] === 'run' && positionals.length === 2) {
        program = [positionals.pop()!, ...argv.slice(i + 1)];
        break;
      }
      continue;
    }
    const { name, inline } = optionName(arg);
    const spec = (OPTION_SPECS as Record<string, { value: boolean }>)[name];
    if (!spec) throw usageError(unknownOption(arg, name));
    if (!spec.value) {
      if (inline !== undefined) throw usageError(`--${name} takes no value`);
      values[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      // `--port --debug`: the next word is one of our options, not a value.
      if (next === undefined || next === '--' || isKnownOption(next)) throw usageError(`--${name} needs a value`);
      value = next;
      i++;
    }
    values[name] = value;
  }
  return { values: values as ParsedArgs['values'], positionals, program };
}

function optionName(arg: string): { name: string; inline?: string } {
  if (arg.startsWith('--')) {
    const eq = arg.indexOf('=');
    return eq < 0 ? { name: arg.slice(2) } : { name: arg.slice(2, eq), inline: arg.slice(eq + 1) };
  }
  const short = Object.entries(OPTION_SPECS).find(([, s]) => 'short' in s && `-${s.short}` === arg);
  return { name: short ? short[0] : arg };
}

function isKnownOption(word: string): boolean {
  if (!word.startsWith('-') || word === '-') return false;
  return optionName(word).name in OPTION_SPECS;
}

function unknownOption(arg: string, name: string): string {
  const bare = name.replace(/^-+/, '');
  const closest = Object.keys(OPTION_SPECS)
    .map((known) => ({ known, distance: editDistance(bare, known) }))
    .filter(({ known, distance }) => distance <= Math.max(1, Math.floor(known.length / 3)) || (bare.length >= 3 && known.startsWith(bare)))
    .sort((a, b) => a.distance - b.distance)[0];
  const shown = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
  return closest ? `unknown option ${shown}; did you mean --${closest.known}?` : `unknown option ${shown}`;
}
