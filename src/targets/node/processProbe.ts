/**
 * The expression evaluated inside the profiled program to read its memory figures. It costs
 * the program a few tens of microseconds (memoryUsage, resourceUsage, v8 statistics and one
 * small read of /proc/self/status) and must work in CommonJS and ES-module programs alike:
 * `process.getBuiltinModule` where it exists (node >= 20.16), else the console's `require`.
 */
export const PROCESS_PROBE = `(() => {
  const load = (name) => (typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule(name) : require(name));
  const v8 = load('v8');
  const memory = process.memoryUsage();
  const usage = process.resourceUsage();
  const heap = v8.getHeapStatistics();
  let status = '';
  if (process.platform === 'linux') {
    try { status = load('fs').readFileSync('/proc/self/status', 'utf8'); } catch {}
  }
  return {
    pid: process.pid,
    timestamp: Date.now(),
    memory,
    majorPageFault: usage.majorPageFault,
    maxRssKiB: usage.maxRSS,
    heap: { used: heap.used_heap_size, total: heap.total_heap_size, limit: heap.heap_size_limit },
    spaces: v8.getHeapSpaceStatistics().map((s) => ({
      name: s.space_name, size: s.space_size, used: s.space_used_size,
      available: s.space_available_size, physical: s.physical_space_size,
    })),
    status,
  };
})()`;

/** What PROCESS_PROBE returns. */
export interface ProcessProbeResult {
  pid: number;
  timestamp: number;
  memory: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  majorPageFault: number;
  maxRssKiB: number;
  heap: { used: number; total: number; limit: number };
  spaces: Array<{ name: string; size: number; used: number; available: number; physical: number }>;
  status: string;
}

/** `/proc/<pid>/status` as ordered [key, value] rows. */
export function parseProcStatus(text: string): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) rows.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return rows;
}

/** A `VmSize:   1234 kB` style row in bytes, or 0 when absent. */
export function statusBytes(rows: Array<[string, string]>, key: string): number {
  const row = rows.find(([k]) => k === key);
  const match = row && /^(\d+)\s*kB$/i.exec(row[1]);
  return match ? Number(match[1]) * 1024 : 0;
}
