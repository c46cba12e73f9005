// The Python agent's costs (README "Python agent"): on a program of ~1 M gc-tracked objects, a
// snapshot's pause (measured by a thread of the program: its longest gap) against the floor (one bare gc.get_objects() + get_referents walk) and a
// census; and the agent's cost to a CPU-bound program nobody asks anything (interleaved runs).
// `node bench/python.mjs [--objects 1000000] [--rounds 3]`; MEMORY_PROFILER_PYTHON picks the python.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const python = process.env.MEMORY_PROFILER_PYTHON || '/usr/bin/python3';
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const objects = arg('--objects', '1000000');
const rounds = Number(arg('--rounds', '3'));

const heap = spawnSync(python, [join(here, 'python_heap.py'), objects, String(rounds)], { encoding: 'utf8', maxBuffer: 1 << 24 });
if (heap.status !== 0) throw new Error(heap.stderr);
const runs = heap.stdout
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (x) => `${x.toFixed(2)} s`;
console.log(
  `python ${spawnSync(python, ['--version'], { encoding: 'utf8' }).stdout.trim()}, ${runs[0].gcObjects} gc-tracked objects, ${runs[0].nodes} nodes, ${runs[0].edges} edges, ${(runs[0].bytes / 1e6).toFixed(0)} MB of snapshot text\n`,
);
console.log('| | median | runs |');
console.log('|---|---|---|');
const row = (label, values) => console.log(`| ${label} | ${s(median(values))} | ${values.map(s).join(', ')} |`);
const rows = [
  ['floor: gc.get_objects() + get_referents', 'floorS'],
  ['census (counts of one class)', 'censusS'],
  ['snapshot: gc.collect() first (a pause of its own)', 'collectS'],
  ["snapshot: pause of the program (its thread's longest gap)", 'pauseS'],
  ...runs[0].pauseParts.map(([what], i) => [`&nbsp;&nbsp;of which ${what}`, (r) => r.pauseParts[i][1]]),
  ['snapshot: the walk after it (the program runs)', 'walkS'],
  ['snapshot: streaming the text (the program runs)', 'streamS'],
];
for (const [label, key] of rows) row(label, runs.map(typeof key === 'string' ? (r) => r[key] : key));
const ratio = (key) => (median(runs.map((r) => r[key])) / median(runs.map((r) => r.floorS))).toFixed(1);
console.log(`| pause / floor | ${ratio('pauseS')}x | (gc.collect() / floor: ${ratio('collectS')}x) |`);

const idle = { without: [], with: [] };
for (let i = 0; i < rounds; i++) {
  for (const mode of ['without', 'with']) {
    const r = spawnSync(python, [join(here, 'python_idle.py'), ...(mode === 'with' ? ['agent'] : [])], { encoding: 'utf8' });
    idle[mode].push(Number(r.stdout.trim()));
  }
}
const a = median(idle.without);
const b = median(idle.with);
const minA = Math.min(...idle.without);
const minB = Math.min(...idle.with);
console.log(
  `\nCPU-bound loop: ${s(a)} without the agent, ${s(b)} with it listening (${(((b - a) / a) * 100).toFixed(1)} %); fastest runs ${s(minA)} / ${s(minB)} (${(((minB - minA) / minA) * 100).toFixed(1)} %); runs ${idle.without.map(s).join(', ')} / ${idle.with.map(s).join(', ')}`,
);
