/**
 * What a saved file is, by its content rather than its name: a heap snapshot's JSON starts with
 * the key `snapshot`, a stats dump's with its `format`; either may be gzipped
 * (`x.heapsnapshot.gz` was taken for a stats dump by its `.gz`).
 */
import { createReadStream, closeSync, openSync, readSync, statSync } from 'node:fs';
import { createGunzip, gunzipSync, constants as zlibConstants } from 'node:zlib';
import type { HeapProgress, HeapSnapshotEntry } from '../model';
import type { HeapStore } from '../server/heapStore';
import { looksLikeStats } from '../tracker/statsFile';

export type SavedFileKind = 'heapsnapshot' | 'stats';

const HEAD_BYTES = 4096;

/** Reads the file's first bytes, gunzipped when they are gzip. */
function head(file: string): { text: string; gzipped: boolean } | null {
  let bytes: Buffer;
  try {
    const fd = openSync(file, 'r');
    try {
      bytes = Buffer.alloc(HEAD_BYTES);
      bytes = bytes.subarray(0, readSync(fd, bytes, 0, HEAD_BYTES, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return { text: bytes.toString('utf8'), gzipped: false };
  try {
    // A prefix of a gzip stream: inflate what is there without asking for its end.
    return { text: gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, HEAD_BYTES).toString('utf8'), gzipped: true };
  } catch {
    return { text: '', gzipped: true };
  }
}

/** The first key of a JSON object text, or undefined. */
export function firstJsonKey(text: string): string | undefined {
  return /^\uFEFF?\s*\{\s*"((?:[^"\\]|\\.)*)"/.exec(text)?.[1];
}

/** Whether a saved file is a heap snapshot or a stats dump (gzipped or not). */
export function savedFileKind(file: string): { kind: SavedFileKind; gzipped: boolean } {
  const start = head(file);
  if (start && firstJsonKey(start.text) === 'snapshot') return { kind: 'heapsnapshot', gzipped: start.gzipped };
  if (start?.gzipped) return { kind: 'stats', gzipped: true };
  return { kind: looksLikeStats(file) ? 'stats' : 'heapsnapshot', gzipped: false };
}

/** Loads a gzipped `.heapsnapshot`: inflated as it is read, streamed chunk by chunk into the heap worker. */
export async function addGzippedSnapshot(heap: HeapStore, file: string, label: string, onProgress?: (p: HeapProgress) => void): Promise<HeapSnapshotEntry> {
  const totalBytes = statSync(file).size;
  const stream = await heap.workerClient.beginStream();
  let read = 0;
  const input = createReadStream(file);
  input.on('data', (chunk) => {
    read += chunk.length;
    onProgress?.({ phase: 'parse', done: read, total: totalBytes, bytes: read, totalBytes });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const gunzip = createGunzip();
      gunzip.on('data', (chunk: Buffer) => stream.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
      gunzip.on('end', resolve);
      gunzip.on('error', (e) => reject(new Error(`a broken gzip file (${e.message})`)));
      input.on('error', reject);
      input.pipe(gunzip);
    });
  } catch (e) {
    await stream.abort().catch(() => {});
    throw e;
  }
  const { snapshot, info } = await stream.end(onProgress);
  return heap.registry.add(snapshot, info, label);
}
