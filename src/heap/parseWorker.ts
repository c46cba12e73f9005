/**
 * The parse worker: scans the `edges` array of a snapshot file on the second core while
 * `parseHeapSnapshotFile` parses the nodes and strings in its own thread (see `edgeScan.ts`).
 * Once it has the edges and the nodes' first-edge offsets (which that thread sends as soon as
 * it has parsed the nodes), it also marks the page objects (see `pageObjects.ts`), the first
 * step of the analyses. One job per worker, given as `workerData`; the arrays come back
 * transferred (no copy). Built to `dist/heapParseWorker.js`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { scanEdgesOfFile, type EdgeFileJob, type EdgeFileResult } from './edgeScan';
import { markPageObjects } from './pageObjects';
import { mark } from './timeline';

mark('parse worker: loaded');

const port = parentPort;
if (!port) throw new Error('heapParseWorker must run in a worker thread');

const job = workerData as EdgeFileJob;
let firstEdge: Uint32Array | null = null;
let gotFirstEdge: (() => void) | null = null;
port.on('message', (m: { firstEdge?: Uint32Array }) => {
  if (!(m?.firstEdge instanceof Uint32Array)) return;
  firstEdge = m.firstEdge;
  gotFirstEdge?.();
});

/** The page objects of the scanned edges, once the first-edge offsets are here (null if they do not fit). */
async function pageFlags(r: Extract<EdgeFileResult, { kind: 'ok' }>): Promise<Uint8Array | null> {
  mark('parse worker: edges scanned');
  if (!firstEdge) await new Promise<void>((resolve) => (gotFirstEdge = resolve));
  const { layout } = job;
  const fe = firstEdge!;
  if (fe.length !== layout.nodeCount + 1 || fe[layout.nodeCount] !== r.count) return null;
  return markPageObjects({ nodeCount: layout.nodeCount, rootIndex: layout.rootIndex, firstEdge: fe, edgeTo: r.tos, edgeType: r.types }, layout.weakType, layout.shortcutType);
}

scanEdgesOfFile(job).then(
  async (r) => {
    if (r.kind !== 'ok') {
      port.postMessage(r);
      return;
    }
    const flags = await pageFlags(r);
    mark('parse worker: page objects');
    const transfer = [r.types.buffer, r.names.buffer, r.tos.buffer] as ArrayBuffer[];
    if (flags) transfer.push(flags.buffer as ArrayBuffer);
    if (r.blockStarts) transfer.push(r.blockStarts.buffer as ArrayBuffer);
    port.postMessage({ ...r, pageFlags: flags }, transfer);
  },
  (e: unknown) => port.postMessage({ kind: 'failed', message: String((e as Error)?.message ?? e) }),
);
