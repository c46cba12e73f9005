// Entry point the extension host loads through `extensionTestsPath` (code-server's payload here,
// @vscode/test-electron where VS Code can be downloaded). Runs every bundled `*.test.js` beside
// this file with mocha's tdd interface and writes the per-test results as JSON, so the runner
// outside the browser can count them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export interface MochaResult {
  title: string;
  state: 'passed' | 'failed' | 'skipped';
  ms?: number;
  error?: string;
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 60_000, color: false, reporter: 'spec' });
  const grep = process.env.MEMORY_PROFILER_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const file of fs.readdirSync(__dirname).sort()) {
    if (file.endsWith('.test.js')) mocha.addFile(path.join(__dirname, file));
  }
  const out = process.env.MEMORY_PROFILER_TEST_OUT;
  const results: MochaResult[] = [];
  const write = (failures: number) => {
    if (!out) return;
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'mocha-results.json'), JSON.stringify({ failures, results }, null, 2));
  };
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        write(failures);
        if (failures) reject(new Error(`${failures} extension tests failed`));
        else resolve();
      });
      runner.on('pass', (t) => results.push({ title: t.fullTitle(), state: 'passed', ms: t.duration }));
      runner.on('fail', (t, err) => results.push({ title: t.fullTitle(), state: 'failed', error: String((err as Error)?.stack ?? err) }));
      runner.on('pending', (t) => results.push({ title: t.fullTitle(), state: 'skipped' }));
    } catch (e) {
      results.push({ title: 'loading the test files', state: 'failed', error: String((e as Error)?.stack ?? e) });
      write(1);
      reject(e);
    }
  });
}
