import { closeSync, openSync, readSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback, gzip as gzipCallback } from 'node:zlib';

// Compression runs in libuv's thread pool, not on the serving event loop.
const gzip = promisify(gzipCallback);
const gunzip = promisify(gunzipCallback);
import type { StatsDump } from '../model';
import { toNameMap } from '../common/nameMap';

export const STATS_FORMAT = 'memory-profiler-stats';
export const STATS_VERSION = 1;

/** A stats file that cannot be read: says which file and what is wrong with it. */
export class StatsFileError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'StatsFileError';
  }
}

/** Writes a dump as JSON (gzip when the name ends in `.gz`) to a temporary file, then renames it into place. */
export async function writeStats(file: string, dump: StatsDump): Promise<void> {
  const text = JSON.stringify(dump);
  const data = file.endsWith('.gz') ? await gzip(text) : text;
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data);
    await rename(temp, file);
  } catch (e) {
    await unlink(temp).catch(() => {});
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOSPC' ? 'no space left on the device' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new StatsFileError(file, `could not write the stats (${why}); the file was left as it was`);
  }
}

/** Reads a dump written by `dumpStats` (gzip or not, whatever the name) and checks its format and version. */
export async function loadStats(file: string): Promise<StatsDump> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (e) {
    throw new StatsFileError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message);
  }
  if (data[0] === 0x1f && data[1] === 0x8b) {
    try {
      data = await gunzip(data);
    } catch (e) {
      throw new StatsFileError(file, `a broken gzip file (${(e as Error).message})`);
    }
  }
  let dump: Partial<StatsDump> & { format?: unknown; version?: unknown };
  try {
    dump = JSON.parse(data.toString('utf8'));
  } catch (e) {
    throw new StatsFileError(file, `not JSON (${(e as Error).message}); is it a stats dump?`);
  }
  if (!dump || typeof dump !== 'object' || dump.format !== STATS_FORMAT) {
    throw new StatsFileError(file, `not a Memory Profiler stats dump (format should be "${STATS_FORMAT}", found ${JSON.stringify(dump?.format ?? null)})`);
  }
  if (dump.version !== STATS_VERSION) {
    throw new StatsFileError(file, `stats format version ${JSON.stringify(dump.version)} is not supported (this profiler reads version ${STATS_VERSION})`);
  }
  for (const key of ['tracked', 'snapshots', 'timeline', 'idResets'] as const) {
    if (!Array.isArray(dump[key])) throw new StatsFileError(file, `damaged stats dump: "${key}" is missing or not a list`);
  }
  if (!dump.classes || typeof dump.classes !== 'object') throw new StatsFileError(file, 'damaged stats dump: "classes" is missing');
  return dump as StatsDump;
}

/** Whether a file looks like a stats dump (gzip, or JSON naming our format) rather than a heap snapshot. */
export function looksLikeStats(file: string): boolean {
  let head: Buffer;
  try {
    const fd = openSync(file, 'r');
    try {
      head = Buffer.alloc(256);
      head = head.subarray(0, readSync(fd, head, 0, 256, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return /\.json(\.gz)?$/i.test(file);
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return true;
  return head.toString('utf8').includes(`"format":"${STATS_FORMAT}"`) || (/\.json(\.gz)?$/i.test(file) && !head.toString('utf8').includes('"snapshot"'));
}

/**
 * The dump with every object keyed by the program's class names made prototype-free (in place),
 * so a class named `toString` or `__proto__` reads as itself (see common/nameMap.ts).
 */
export function withNameMaps(dump: StatsDump): StatsDump {
  dump.classes = toNameMap(dump.classes);
  for (const s of dump.snapshots) s.classes = toNameMap(s.classes);
  for (const c of dump.census ?? []) c.classes = toNameMap(c.classes);
  return dump;
}
