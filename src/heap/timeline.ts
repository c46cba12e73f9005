/**
 * Where the time and memory of opening a snapshot go: with `MEMORY_PROFILER_TIMELINE=1` in the
 * environment, each `mark` writes one line to stderr (from any thread, synchronously): the wall
 * clock in ms, the thread, what was reached, and the process's RSS and peak RSS (all threads) in
 * MB, and this thread's CPU time so far in ms. bench/openTimeline.mjs reads these lines. Without the variable a mark costs one check.
 */
import { readFileSync, writeSync } from 'node:fs';
import { isMainThread, threadId } from 'node:worker_threads';

const enabled = !!process.env.MEMORY_PROFILER_TIMELINE;

function statusMB(status: string, key: string): number {
  const m = new RegExp(`${key}:\\s+(\\d+)`).exec(status);
  return m ? (Number(m[1]) * 1024) / 1e6 : 0;
}

/** Notes that `what` was reached (see the module comment). */
export function mark(what: string): void {
  if (!enabled) return;
  let status = '';
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    // not Linux: times only
  }
  const at = performance.timeOrigin + performance.now();
  let cpu = 0;
  try {
    // this thread's time on a CPU (ns), whatever the load of the machine
    cpu = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    // not Linux
  }
  const mu = process.memoryUsage();
  const thread = isMainThread ? 'main' : `worker${threadId}`;
  writeSync(
    2,
    `timeline ${at.toFixed(1)} ${thread} ${what} rss=${statusMB(status, 'VmRSS').toFixed(0)} hwm=${statusMB(status, 'VmHWM').toFixed(0)} cpu=${cpu.toFixed(1)} isolate=${(mu.heapTotal / 1e6).toFixed(0)}+${(mu.arrayBuffers / 1e6).toFixed(0)}\n`,
  );
}
