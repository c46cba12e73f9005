/**
 * The parse worker: scans the `edges` array of a snapshot file on the second core while
 * `parseHeapSnapshotFile` parses the nodes and strings in its own thread (see `edgeScan.ts`).
 * One job per worker, given as `workerData`; the arrays come back transferred (no copy).
 * Built to `dist/heapParseWorker.js`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { scanEdgesOfFile, type EdgeFileJob } from './edgeScan';

const port = parentPort;
if (!port) throw new Error('heapParseWorker must run in a worker thread');

scanEdgesOfFile(workerData as EdgeFileJob).then(
  (r) => {
    if (r.kind === 'ok') port.postMessage(r, [r.types.buffer, r.names.buffer, r.tos.buffer] as ArrayBuffer[]);
    else port.postMessage(r);
  },
  (e: unknown) => port.postMessage({ kind: 'failed', message: String((e as Error)?.message ?? e) }),
);
