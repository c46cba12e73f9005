import type { HeapProgress } from '../model';

/**
 * A progress line on stderr, rewritten in place on a terminal; logs get only the final line.
 */
export function progressLine(label: string): { update: (p: HeapProgress) => void; done: (text?: string) => void } {
  const tty = process.stderr.isTTY;
  let lastDraw = 0;
  return {
    update(p) {
      const now = Date.now();
      if (tty) {
        if (now - lastDraw < 100 && p.done < p.total) return;
        lastDraw = now;
        const pct = p.totalBytes ? (100 * (p.bytes ?? 0)) / p.totalBytes : p.total ? (100 * p.done) / p.total : 0;
        process.stderr.write(`\r\x1b[Kmemory-profiler: ${label}: ${p.phase} ${pct.toFixed(0)}%`);
      }
    },
    done(text) {
      if (tty) process.stderr.write('\r\x1b[K');
      if (text) process.stderr.write(`memory-profiler: ${text}\n`);
    },
  };
}
