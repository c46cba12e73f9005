// `npm run lint`: the boundaries (ESLint with typescript-eslint, eslint.config.mjs) and the
// formatting (Prettier, .prettierrc.json) of every source file. `--fix` rewrites what it can.
// The tools live in tools/lint/ with their own lockfile (typescript-eslint supports TypeScript
// only up to 6.0; the project builds with 7) and are installed there on first use.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const TOOLS = join('tools', 'lint');
const bin = (name) => join(TOOLS, 'node_modules', '.bin', name);
/** What Prettier formats (see .prettierignore for what it leaves alone). */
export const FORMATTED = ['src', 'webview', 'test', 'bench', 'scripts', 'build.mjs', 'eslint.config.mjs'];

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  return r.status ?? 1;
}

export function ensureLintTools() {
  if (existsSync(bin('eslint')) && existsSync(bin('prettier'))) return;
  console.log(`$ npm ci --prefix ${TOOLS}`);
  if (run('npm', ['ci', '--prefix', TOOLS, '--no-audit', '--no-fund', '--loglevel=error']) !== 0) throw new Error(`installing the lint tools in ${TOOLS} failed`);
}

/** Returns 0 when both pass. */
export function lint({ fix = false } = {}) {
  ensureLintTools();
  const eslint = run(bin('eslint'), ['--max-warnings=0', ...(fix ? ['--fix'] : []), '.']);
  if (eslint !== 0) console.log('eslint found problems (above): fix them, or run `npm run lint -- --fix`');
  const prettier = run(bin('prettier'), [fix ? '--write' : '--check', '--log-level=warn', ...FORMATTED]);
  if (prettier !== 0) console.log('these files are not formatted: run `npm run lint -- --fix`');
  return eslint || prettier;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(lint({ fix: process.argv.includes('--fix') }));
