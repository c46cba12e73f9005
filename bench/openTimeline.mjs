// Where the time and memory of `memory-profiler open` go: runs dist/cli.js open on a snapshot
// with MEMORY_PROFILER_TIMELINE=1 (src/heap/timeline.ts), asks for the class list once it
// serves (then a class's objects and one object's retainers, as the bench's `open` tool does),
// and prints each mark: ms since the process was spawned, thread, what, RSS and peak RSS (MB,
// the whole process) and peak RSS / file, and the CPU time the thread took since its previous mark.
// usage: node bench/openTimeline.mjs <file.heapsnapshot> [--json]
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [file] = process.argv.slice(2);
const fileMB = statSync(file).size / 1e6;
const clock = () => performance.timeOrigin + performance.now();
await (await fetch('data:,')).text(); // (this process's fetch loaded first, as in heapTool.mjs)
const t0 = clock();
const cli = spawn(process.execPath, [join(root, 'dist/cli.js'), 'open', file, '--host', '127.0.0.1', '--port', '0'], {
  stdio: ['ignore', 'ignore', 'pipe'],
  env: { ...process.env, MEMORY_PROFILER_TIMELINE: '1' },
});
const marks = [];
let log = '';
const url = await new Promise((resolve, reject) => {
  cli.stderr.setEncoding('utf8');
  cli.stderr.on('data', (d) => {
    log += d;
    let nl;
    while ((nl = log.indexOf('\n')) >= 0) {
      const line = log.slice(0, nl);
      log = log.slice(nl + 1);
      const m = /^timeline (\S+) (\S+) (.*) rss=(\d+) hwm=(\d+) cpu=(\S+) isolate=(\S+)$/.exec(line);
      if (m) marks.push({ at: Number(m[1]) - t0, thread: m[2], what: m[3], rss: Number(m[4]), hwm: Number(m[5]), cpu: Number(m[6]), isolate: m[7] });
      const s = /serving 1 snapshot at (\S+)/.exec(line);
      if (s) resolve(s[1]);
    }
  });
  cli.once('exit', (code) => reject(new Error(`memory-profiler open exited with ${code}: ${log.trim()}`)));
});
const classes = await (await fetch(new URL('api/heap/classes', url))).json();
marks.push({ at: clock() - t0, thread: 'bench', what: 'classes answered' });
const top = [...classes].sort((a, b) => b.count - a.count)[0];
const page = await (await fetch(new URL(`api/heap/classes/${encodeURIComponent(top.name)}/objects?start=0&end=20`, url))).json();
marks.push({ at: clock() - t0, thread: 'bench', what: 'objects page answered' });
await (await fetch(new URL(`api/heap/objects/${page.objects[0].id}/retainers`, url))).json();
marks.push({ at: clock() - t0, thread: 'bench', what: 'retainers answered' });
await new Promise((r) => setTimeout(r, 50));
cli.kill('SIGTERM');
marks.sort((a, b) => a.at - b.at);
if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ file, fileMB, marks }));
} else {
  console.log(`${file}: ${fileMB.toFixed(0)} MB`);
  let prev = 0;
  const cpuOf = new Map();
  for (const m of marks) {
    // this thread's CPU time since its previous mark
    const cpu = m.cpu !== undefined ? `cpu +${String(Math.round(m.cpu - (cpuOf.get(m.thread) ?? 0))).padStart(4)}` : '';
    if (m.cpu !== undefined) cpuOf.set(m.thread, m.cpu);
    const mem = m.rss !== undefined ? `${String(m.rss).padStart(5)} ${String(m.hwm).padStart(5)}  ${(m.hwm / fileMB).toFixed(2)}  ${m.isolate}` : '';
    console.log(`${(m.at / 1000).toFixed(3).padStart(7)} s  +${String(Math.round(m.at - prev)).padStart(5)}  ${m.thread.padEnd(8)} ${m.what.padEnd(40)} ${cpu.padEnd(9)} ${mem}`);
    prev = m.at;
  }
}
