// Stack reads: what one `GET /api/threads/main/stack` costs, as a user sees it. Starts
// `node dist/cli.js run --port 0 -- node <program>` (the program on its own inspector WebSocket,
// as the CLI profiles it), for three programs:
//   idle     a 1 ms setInterval and nothing else
//   bursty   the same, plus 25 ms of work every 200 ms (crunchOrders)
//   waiting  an HTTP server with nothing to do and no timer (no meter: the answer time only)
// The first two record every gap longer than 3 ms between two ticks of their 1 ms timer (the
// stalls the program sees). Then --reads reads, 1 to 1.2 s apart at random; per read: the HTTP
// answer time, the longest gap of the program during the read, and how many gaps were longer
// than 30 ms; the first read (which enables the debugger) apart from the following ones (median,
// and the worst). "at rest" is the longest gap in a window just after a read without one (at
// least 250 ms: the bursty program's own 25 ms show there).
//   node build.mjs --no-types && node bench/stackReads.mjs [--reads 10] [--cli dist/cli.js] [--stacks]
// (--cli: another build's CLI, to compare; --stacks: each read's state and functions, on stderr)
// Prints a markdown table. Writes nothing but the temporary programs, which it removes.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const READS = Number(option('reads', 10));
const CLI = resolve(option('cli', join(here, '..', 'dist', 'cli.js')));

const METER = `'use strict';
let last = performance.now();
const gaps = [];
setInterval(() => {
  const now = performance.now();
  if (now - last > 3) gaps.push([performance.timeOrigin + now, now - last]);
  last = now;
}, 1);
setInterval(() => gaps.length && console.log(JSON.stringify({ gaps: gaps.splice(0) })), 100);
`;
const PROGRAMS = {
  idle: `${METER}console.log('ready');\n`,
  bursty: `${METER}function crunchOrders() {
  const until = Date.now() + 25;
  let total = 0;
  while (Date.now() < until) for (let i = 0; i < 1e4; i++) total = (total + i) % 1000003;
  return total;
}
setInterval(crunchOrders, 200);
console.log('ready');\n`,
  // no timer, no meter: the stall cannot be seen, only the answer time
  waiting: `require('node:http').createServer((q, s) => s.end()).listen(0, '127.0.0.1', () => console.log('ready'));\n`,
};

const dir = mkdtempSync(join(tmpdir(), 'mp-bench-stacks-'));
const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function bench(name) {
  const script = join(dir, `${name}.js`);
  writeFileSync(script, PROGRAMS[name]);
  const child = spawn(process.execPath, [CLI, 'run', '--port', '0', '--', process.execPath, script], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const gaps = [];
  let port;
  let ready = false;
  const stderr = [];
  let exited = false;
  child.once('exit', () => (exited = true));
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === 'ready') ready = true;
    else if (line.startsWith('{"gaps"')) gaps.push(...JSON.parse(line).gaps);
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderr.push(line);
    const m = /profiling .* at http:\/\/localhost:(\d+)\//.exec(line);
    if (m) port = Number(m[1]);
  });
  for (let waited = 0; !(port && ready); waited += 50) {
    if (waited > 20_000 || exited) throw new Error(`the CLI did not start the program: ${stderr.join('\n')}`);
    await sleep(50);
  }
  await sleep(1500); // the program settles
  const url = `http://localhost:${port}/api/threads/main/stack`;
  const longest = (from, to) => Math.max(0, ...gaps.filter(([end, gap]) => end > from && end - gap < to).map(([, gap]) => gap));
  const over30 = (from, to) => gaps.filter(([end, gap]) => gap > 30 && end > from && end - gap < to).length;
  const reads = [];
  for (let i = 0; i < READS; i++) {
    const start = Date.now();
    const t0 = performance.now();
    const response = await fetch(url, { headers: { 'X-Memory-Profiler': '1' } });
    const body = await response.json();
    const answerMs = performance.now() - t0;
    const end = Date.now();
    if (response.status !== 200) throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`);
    await sleep(400); // the program reports its gaps every 100 ms
    // At rest: a window just after without a read, as long or long enough for a burst.
    const restFrom = Date.now();
    const restMs = Math.max(end - start, 250);
    await sleep(restMs + 150);
    reads.push({
      answerMs,
      stallMs: longest(start, end + 5),
      over30: over30(start, end + 5),
      restMs: longest(restFrom, restFrom + restMs),
      inWork: body.frames.some((f) => f.function === 'crunchOrders'),
      top: `${body.state} ${body.frames.map((f) => f.function).join(' < ')}`,
    });
    // 1 to 1.2 s apart, at random: reads a whole number of bursts apart would all land alike
    await sleep(Math.max(0, 1000 + Math.random() * 200 - (Date.now() - start)));
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  children.delete(child);
  return reads;
}

const rows = [];
for (const name of Object.keys(PROGRAMS)) {
  const reads = await bench(name);
  if (process.argv.includes('--stacks')) for (const r of reads) console.error(`${name}: ${r.top}`);
  const [first, ...rest] = reads;
  const fmt = (x) => x.toFixed(0);
  if (name === 'waiting') {
    const answers = rest.map((r) => r.answerMs);
    rows.push(`| ${name} | first | ${fmt(first.answerMs)} | – | – | – | |`);
    if (rest.length) rows.push(`| ${name} | following ${rest.length}: median (worst) | ${fmt(median(answers))} (${fmt(Math.max(...answers))}) | – | – | – | |`);
    continue;
  }
  rows.push(
    `| ${name} | first | ${fmt(first.answerMs)} | ${fmt(first.stallMs)} | ${first.over30} | ${fmt(first.restMs)} | ${name === 'bursty' ? (first.inWork ? 'yes' : 'no') : ''} |`,
  );
  if (rest.length) {
    const pick = (key) => rest.map((r) => r[key]);
    const mm = (key) => `${fmt(median(pick(key)))} (${fmt(Math.max(...pick(key)))})`;
    const over = pick('over30');
    rows.push(
      `| ${name} | following ${rest.length}: median (worst) | ${mm('answerMs')} | ${mm('stallMs')} | ${(over.reduce((a, b) => a + b, 0) / rest.length).toFixed(1)} per read | ${mm('restMs')} | ${
        name === 'bursty' ? `${rest.filter((r) => r.inWork).length} of ${rest.length}` : ''
      } |`,
    );
  }
}
console.log(`Stack reads, node ${process.version}, ${READS} reads 1–1.2 s apart per program (${option('cli', 'dist/cli.js')})\n`);
console.log('| program | read | answer (ms) | longest stall of the program (ms) | gaps > 30 ms | at rest (ms) | work function on the stack |');
console.log('| --- | --- | --: | --: | --: | --: | --- |');
for (const row of rows) console.log(row);
