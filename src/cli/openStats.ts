import { basename } from 'node:path';
import { startServer } from '../server';
import { ClassTracker, loadStats, StatsFileError } from '../tracker';
import { OfflineTarget } from '../targets';
import type { ServeOptions } from './serve';
import { untilInterrupted } from './serve';
import { UserError } from './userError';

const log = (text: string) => process.stderr.write(`memory-profiler: ${text}\n`);

/** `open stats.json[.gz]`: serve a saved tracker dump (tracker tables, class pages, timeline) until Ctrl+C. */
export async function openStats(file: string, options: ServeOptions): Promise<number> {
  let tracker: ClassTracker;
  let dump: Awaited<ReturnType<typeof loadStats>>;
  try {
    dump = await loadStats(file);
    tracker = ClassTracker.fromStats(dump);
  } catch (e) {
    if (e instanceof StatsFileError) throw new UserError(e.message);
    throw e;
  }
  let server;
  try {
    server = await startServer({ target: OfflineTarget.forStats(file, dump.target), tracker, host: options.host, port: options.port, debug: options.debug, token: options.token });
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const s = tracker.snapshots.length;
  log(`${basename(file)}: ${tracker.tracked.length} tracked class${tracker.tracked.length === 1 ? '' : 'es'}, ${s} snapshot${s === 1 ? '' : 's'}`);
  log(`serving stats at ${server.url}`);
  await untilInterrupted();
  await server.stop();
  return 0;
}
