/**
 * More setups for the browser tests: the real server serving saved heap snapshots (as
 * `memory-profiler open` does), and snapshots written by a real fixture program.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { HeapWorkerClient } from '../../src/heap/client';
import { type RunningServer, startServer } from '../../src/server';
import { HeapStore } from '../../src/server/heapStore';
import { OfflineTarget } from '../../src/targets';
import { FIXTURES } from './harness';

const run = promisify(execFile);

/** A temporary folder, removed by `remove()`. */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs `node <fixture> ...args` to its end (the fixtures that write snapshots). */
export async function runFixture(script: string, args: string[], timeoutMs = 300_000): Promise<void> {
  await run(process.execPath, [join(FIXTURES, script), ...args], { timeout: timeoutMs, maxBuffer: 1 << 20 });
}

/** The real server serving saved `.heapsnapshot` files (offline), like `memory-profiler open`. */
export async function startOfflineServer(files: string[]): Promise<RunningServer> {
  const heap = new HeapStore();
  for (const file of files) await heap.addFile(file, basename(file));
  return startServer({ target: new OfflineTarget(files), heap, host: '127.0.0.1', port: 0 });
}
