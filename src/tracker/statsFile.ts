import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip, gzip as gzipCallback } from 'node:zlib';
import { checkStatsDump, StatsShapeError } from './statsSchema';

// Compression runs in libuv's thread pool, not on the serving event loop.
const gzip = promisify(gzipCallback);
import type { StatsDump } from '../model';
import { toNameMap } from '../common/nameMap';

export const STATS_FORMAT = 'memory-profiler-stats';
export const STATS_VERSION = 1;

/** A stats file that cannot be read: says which file and what is wrong with it. */
export class StatsFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
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

export interface LoadStatsOptions {
  /**
   * Most bytes a gzip dump may inflate to: `inflateRatio` × its compressed size, at least 64 MiB,
   * at most this (default 256 MiB, also the most an uncompressed dump may have). A gzip bomb is
   * refused as soon as it passes the limit, having held no more than the limit.
   */
  maxBytes?: number;
  /** How many times its compressed size a gzip dump may inflate to (default 50; JSON dumps compress 5–20×). */
  inflateRatio?: number;
}

export const DEFAULT_MAX_STATS_BYTES = 256 * 1024 * 1024;
export const DEFAULT_INFLATE_RATIO = 50;
const MIN_INFLATE_LIMIT = 64 * 1024 * 1024;

const mib = (bytes: number) => `${Math.round(bytes / 1048576)} MiB`;

/** Inflates a gzip file as a stream, refusing it once it inflates past `limit` bytes. */
async function inflateFile(file: string, compressed: number, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  let tooBig: StatsFileError | undefined;
  try {
    await pipeline(createReadStream(file), createGunzip(), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        total += chunk.length;
        if (total > limit) {
          tooBig = new StatsFileError(
            file,
            `it inflates to more than ${mib(limit)} (from ${mib(compressed)} compressed), more than a stats dump would; refused as a possible gzip bomb (loadStats(file, {maxBytes, inflateRatio}) raises the limit)`,
          );
          throw tooBig;
        }
        chunks.push(chunk);
      }
    });
  } catch (e) {
    // Ending the pipeline early makes the other streams fail too: the limit is the reason.
    throw tooBig ?? new StatsFileError(file, `a broken gzip file (${(e as Error).message})`);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Reads a dump written by `dumpStats` (gzip or not, whatever the name), checks its format and
 * version, and every field against the model: a damaged dump is refused in one line naming the
 * first bad field.
 */
export async function loadStats(file: string, options: LoadStatsOptions = {}): Promise<StatsDump> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_STATS_BYTES;
  const ratio = options.inflateRatio ?? DEFAULT_INFLATE_RATIO;
  let data: Buffer;
  try {
    const { size } = await stat(file);
    const head = Buffer.alloc(2);
    const fd = await open(file, 'r');
    try {
      await fd.read(head, 0, 2, 0);
    } finally {
      await fd.close();
    }
    if (head[0] === 0x1f && head[1] === 0x8b) {
      data = await inflateFile(file, size, Math.min(maxBytes, Math.max(MIN_INFLATE_LIMIT, size * ratio)));
    } else {
      if (size > maxBytes) throw new StatsFileError(file, `${mib(size)} is more than a stats dump would be (the limit is ${mib(maxBytes)}; loadStats(file, {maxBytes}) raises it)`);
      data = await readFile(file);
    }
  } catch (e) {
    if (e instanceof StatsFileError) throw e;
    throw new StatsFileError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message);
  }
  let dump: Partial<StatsDump> & { format?: unknown; version?: unknown };
  try {
    dump = JSON.parse(data.toString('utf8'));
  } catch (e) {
    throw new StatsFileError(file, `not JSON (${(e as Error).message}); is it a stats dump?`);
  }
  if (!dump || typeof dump !== 'object' || Array.isArray(dump) || dump.format !== STATS_FORMAT) {
    throw new StatsFileError(
      file,
      `not a Memory Profiler stats dump (format should be "${STATS_FORMAT}", found ${JSON.stringify((dump as { format?: unknown } | null)?.format ?? null)})`,
    );
  }
  if (dump.version !== STATS_VERSION) {
    throw new StatsFileError(file, `stats format version ${JSON.stringify(dump.version)} is not supported (this profiler reads version ${STATS_VERSION})`);
  }
  try {
    checkStatsDump(dump as Record<string, unknown>);
  } catch (e) {
    if (e instanceof StatsShapeError) throw new StatsFileError(file, `damaged stats dump: ${e.message}`);
    throw e;
  }
  return withNameMaps(dump as StatsDump);
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
