import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { HeapWorkerClient } from '../heap/client';
import { isHeapSnapshotError } from '../heap/errors';
import { startServer } from '../server';
import { HeapStore } from '../server/heapStore';
import { DEFAULT_MAX_SNAPSHOTS } from '../server/limits';
import { OfflineTarget } from '../targets';
import { progressLine } from './progress';
import type { ServeOptions } from './serve';
import { checkPortFree, untilInterrupted } from './serve';
import { UserError } from './userError';
import { addGzippedSnapshot, savedFileKind } from './savedFiles';
import { openStats } from './openStats';

const log = (text: string) => process.stderr.write(`memory-profiler: ${text}\n`);

/** `open FILE.heapsnapshot…`: load saved snapshots in the heap worker and serve them until Ctrl+C. */
export async function openFiles(files: string[], options: ServeOptions): Promise<number> {
  if (!files.length) throw new UserError('open needs at least one .heapsnapshot file (see memory-profiler open --help)', 2);
  for (const file of files) {
    if (!existsSync(file)) throw new UserError(`${file}: no such file`);
    if (!statSync(file).isFile()) throw new UserError(`${file}: not a file`);
  }
  await checkPortFree(options.host, options.port); // before loading files that may take a while
  const kinds = files.map(savedFileKind);
  if (kinds.some((k) => k.kind === 'stats')) {
    if (files.length > 1) throw new UserError('open takes one stats dump, or heap snapshots: not both, nor two dumps', 2);
    return openStats(files[0], options);
  }
  const heap = new HeapStore({ maxSnapshots: Math.max(options.maxSnapshots ?? DEFAULT_MAX_SNAPSHOTS, files.length) });
  try {
    for (const file of files) {
      const started = Date.now();
      const progress = progressLine(`loading ${basename(file)}`);
      try {
        const entry = kinds[files.indexOf(file)].gzipped
          ? await addGzippedSnapshot(heap, file, basename(file), progress.update)
          : await heap.addFile(file, basename(file), progress.update);
        progress.done(
          `${basename(file)}: ${entry.nodeCount.toLocaleString('en')} objects, ${entry.edgeCount.toLocaleString('en')} references, loaded in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
      } catch (e) {
        progress.done();
        if (isHeapSnapshotError(e) || /^a broken gzip file/.test((e as Error).message)) throw new UserError(`${file}: ${(e as Error).message}`);
        throw e;
      }
    }
  } catch (e) {
    await heap.dispose();
    throw e;
  }
  let server;
  try {
    server = await startServer({ target: new OfflineTarget(files), heap, host: options.host, port: options.port, debug: options.debug, token: options.token });
  } catch (e) {
    await heap.dispose();
    throw new UserError((e as Error).message);
  }
  // Saved snapshots are read on the heap page: that is where the URL lands.
  const heapPage = new URL(server.url);
  heapPage.pathname = '/heap';
  log(`serving ${files.length} snapshot${files.length > 1 ? 's' : ''} at ${heapPage.href}`);
  await untilInterrupted();
  await server.stop();
  return 0;
}
