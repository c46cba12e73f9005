/**
 * The parse worker: scans the `edges` array of a snapshot file on the second core while
 * `parseHeapSnapshotFile` parses the nodes and strings in its own thread (see `edgeScan.ts`).
 * Once it has the edges and the nodes' first-edge offsets (which that thread sends as soon as
 * it has parsed the nodes), it also marks the page objects (see `pageObjects.ts`), the first
 * step of the analyses, and on large files walks the distances from the root while the analyses
 * run (see `distancesAfter`). One job per worker, given as `workerData`; the arrays come back
 * transferred or shared (no copy). Built to `dist/heapParseWorker.js`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { scanEdgesOfFile, type EdgeFileJob, type EdgeFileResult } from './edgeScan';
import type { EdgeArrays } from './pageObjects';
import { markPageObjects } from './pageObjects';
import { walkDistances, WALKED, WALKING, WALK_FAILED, type DistancesInProgress } from './distances';
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

/** The edge arrays of the scan, once the first-edge offsets are here (null if they do not fit). */
async function edgeArrays(r: Extract<EdgeFileResult, { kind: 'ok' }>): Promise<EdgeArrays | null> {
  mark('parse worker: edges scanned');
  if (!firstEdge) await new Promise<void>((resolve) => (gotFirstEdge = resolve));
  const { layout } = job;
  const fe = firstEdge!;
  if (fe.length !== layout.nodeCount + 1 || fe[layout.nodeCount] !== r.count) return null;
  return { nodeCount: layout.nodeCount, rootIndex: layout.rootIndex, firstEdge: fe, edgeTo: r.tos, edgeType: r.types };
}

/**
 * With the edges in shared memory (`job.sharedEdges`, large files), the distances from the root,
 * walked once the edges are sent, while the analyses run on the other thread: what the first
 * question about one object would otherwise wait for (seconds on tens of millions of objects).
 */
function distancesAfter(g: EdgeArrays): DistancesInProgress | null {
  const shared = (a: ArrayBufferView) => a.buffer instanceof SharedArrayBuffer;
  if (!job.sharedEdges || !shared(g.firstEdge) || !shared(g.edgeTo) || !shared(g.edgeType)) return null;
  const n = g.nodeCount;
  return {
    state: new Int32Array(new SharedArrayBuffer(4)),
    distance: new Int32Array(new SharedArrayBuffer(4 * n)),
    parent: new Uint32Array(new SharedArrayBuffer(4 * n)),
  };
}

scanEdgesOfFile(job).then(
  async (r) => {
    if (r.kind !== 'ok') {
      port.postMessage(r);
      return;
    }
    const g = await edgeArrays(r);
    const flags = g && markPageObjects(g, job.layout.weakType, job.layout.shortcutType);
    mark('parse worker: page objects');
    const distances = g && distancesAfter(g);
    // (shared arrays are shared, not transferred)
    const transfer = [r.types.buffer, r.names.buffer, r.tos.buffer].filter((b) => b instanceof ArrayBuffer) as ArrayBuffer[];
    if (flags) transfer.push(flags.buffer as ArrayBuffer);
    if (r.blockStarts) transfer.push(r.blockStarts.buffer as ArrayBuffer);
    port.postMessage({ ...r, pageFlags: flags, distances }, transfer);
    if (g && distances) {
      try {
        walkDistances(g, job.layout.weakType, job.layout.shortcutType, distances);
        Atomics.store(distances.state, 0, WALKED);
      } finally {
        // (whatever stopped the walk: the heap worker walks them itself then)
        Atomics.compareExchange(distances.state, 0, WALKING, WALK_FAILED);
        Atomics.notify(distances.state, 0);
      }
      mark('parse worker: distances');
    }
    port.close();
  },
  (e: unknown) => port.postMessage({ kind: 'failed', message: String((e as Error)?.message ?? e) }),
);
