// `npm run screenshots`: copies the screenshots the last `npm test` took (test-results/, or
// $TEST_OUTPUT_DIR) into docs/screenshots/, the ones the README shows.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const from = process.env.TEST_OUTPUT_DIR || 'test-results';
const shots = {
  'overview-light.png': 'screenshots/overview-light.png',
  'overview-dark.png': 'screenshots/overview-dark.png',
  // startProfiler's suspended program: its stack with the profiler's frames folded, and Stop
  'process-threads.png': 'screenshots/process-suspended.png',
  'tracker.png': 'screenshots/tracker.png',
  'heap-retainers.png': 'screenshots/heap-retainers.png',
  'garbage-graph.png': 'screenshots/garbage-graph.png',
  'garbage.png': 'screenshots/garbage-program-first.png',
  'suspects.png': 'screenshots/suspects.png',
  'heap-track.png': 'screenshots/heap-track.png',
  'tracker-name-warning.png': 'screenshots/tracker-name-warning.png',
  'vscode-overview.png': 'vscode-ui-panel.png',
  'vscode-tracker.png': 'vscode-ui-tracker-panel.png',
};
mkdirSync(join('docs', 'screenshots'), { recursive: true });
let missing = 0;
for (const [name, source] of Object.entries(shots)) {
  const file = join(from, source);
  if (existsSync(file)) copyFileSync(file, join('docs', 'screenshots', name));
  else {
    console.error(`missing ${file}: run npm test first`);
    missing++;
  }
}
process.exit(missing ? 1 : 0);
