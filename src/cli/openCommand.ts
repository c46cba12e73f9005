import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { isHeapSnapshotError } from '../heap/errors';
import { mark } from '../heap/timeline';
import { HeapStore } from '../server/heapStore';
import { DEFAULT_MAX_SNAPSHOTS } from '../server/limits';
import { progressLine } from './progress';
import type { ServeOptions } from './serve';
import { UserError } from './userError';
import { addGzippedSnapshot, savedFileKind } from './savedFiles';

const log = (text: string) => process.stderr.write(`memory-profiler: ${text}\n`);

/** `open FILE.heapsnapshot…`: load saved snapshots in the heap worker and serve them until Ctrl+C. */
export async function openFiles(files: string[], options: ServeOptions): Promise<number> {
  if (!files.length) throw new UserError('open needs at least one .heapsnapshot file (see memory-profiler open --help)', 2);
  for (const file of files) {
    if (!existsSync(file)) throw new UserError(`${file}: no such file`);
    if (!statSync(file).isFile()) throw new UserError(`${file}: not a file`);
  }
  const kinds = files.map(savedFileKind);
  if (kinds.some((k) => k.kind === 'stats')) {
    if (files.length > 1) throw new UserError('open takes one stats dump, or heap snapshots: not both, nor two dumps', 2);
    const [{ checkPortFree }, { openStats }] = await Promise.all([import('./serve'), import('./openStats')]);
    await checkPortFree(options.host, options.port);
    return openStats(files[0], options);
  }
  const heap = new HeapStore({ maxSnapshots: Math.max(options.maxSnapshots ?? DEFAULT_MAX_SNAPSHOTS, files.length) });
  // The heap worker parses while the server's modules load and the port is checked (a busy port
  // stops the load at once, before files that may take a while).
  const serving = Promise.all([import('./serve'), import('../server'), import('../targets')]);
  const portChecked = serving.then(([{ checkPortFree }]) => checkPortFree(options.host, options.port));
  const loading = (async () => {
    for (const file of files) {
      const started = Date.now();
      mark('open: addFile');
      const progress = progressLine(`loading ${basename(file)}`);
      try {
        const entry = kinds[files.indexOf(file)].gzipped
          ? await addGzippedSnapshot(heap, file, basename(file), progress.update)
          : await heap.addFile(file, basename(file), progress.update);
        mark('open: loaded');
        progress.done(
          `${basename(file)}: ${entry.nodeCount.toLocaleString('en')} objects, ${entry.edgeCount.toLocaleString('en')} references, loaded in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
      } catch (e) {
        progress.done();
        if (isHeapSnapshotError(e) || /^a broken gzip file/.test((e as Error).message)) throw new UserError(`${file}: ${(e as Error).message}`);
        throw e;
      }
    }
  })();
  loading.catch(() => undefined); // (awaited below, with the port check)
  let modules: Awaited<typeof serving>;
  try {
    [modules] = await Promise.all([serving, portChecked, loading]);
  } catch (e) {
    await heap.dispose();
    throw e;
  }
  const [{ untilInterrupted }, { startServer }, { OfflineTarget }] = modules;
  let server;
  try {
    server = await startServer({ target: new OfflineTarget(files), heap, host: options.host, port: options.port, debug: options.debug, token: options.token });
  } catch (e) {
    await heap.dispose();
    throw new UserError((e as Error).message);
  }
  mark('open: serving');
  // Saved snapshots are read on the heap page: that is where the URL lands.
  const heapPage = new URL(server.url);
  heapPage.pathname = '/heap';
  log(`serving ${files.length} snapshot${files.length > 1 ? 's' : ''} at ${heapPage.href}`);
  await untilInterrupted();
  await server.stop();
  return 0;
}
