// Configuration for @vscode/test-cli (`npx vscode-test`), where VS Code can be downloaded. It runs
// the same mocha suite as `node test/vscode/run.mjs` (which uses code-server on machines where
// VS Code cannot be downloaded). Bundle the suite first:
//   npm run build && node test/vscode/run.mjs --bundle-only && npx vscode-test
// A plain object (no import of @vscode/test-cli), so this file loads without that package.
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default {
  label: 'extension',
  files: 'out/vscode-tests/*.test.js',
  workspaceFolder: 'test/fixtures/vscode-workspace',
  version: '1.100.3',
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  env: { MEMORY_PROFILER_TEST_OUT: join(tmpdir(), 'memory-profiler-vscode-test-cli') },
  mocha: { ui: 'tdd', timeout: 90_000, color: true },
};
