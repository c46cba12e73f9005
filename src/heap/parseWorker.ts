/**
 * The parse worker: scans the `edges` array of a snapshot file on the second core while
 * `parseHeapSnapshotFile` parses the nodes and strings in its own thread (see `edgeScan.ts`).
 * Once it has the edges and the nodes' first-edge offsets (which that thread sends as soon as
 * it has parsed the nodes), it also marks the page objects (see `pageObjects.ts`), the first
 * step of the analyses, and on large files walks the distances from the root while the analyses
 * run (see `distancesAfter`). One job per worker, given as `workerData`; the arrays come back
 * transferred or shared (no copy). Built to `dist/heapParseWorker.js`.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { scanEdgesOfFile, type EdgeFileJob, type EdgeFileResult } from './edgeScan';
import type { EdgeArrays } from './pageObjects';
import { markPageObjects } from './pageObjects';
import { walkDistances, WALKED, WALKING, WALK_FAILED, type DistancesInProgress } from './distances';
import { mark } from './timeline';

mark('parse worker: loaded');

if (!parentPort) throw new Error('heapParseWorker must run in a worker thread');

/**
 * Started with its job (by the thread that parses), or beforehand and idle with a port to that
 * thread (see `startParseWorker`), which sends the job once it knows where the edges are; the
 * worker ends when that port closes.
 */
const started = workerData as EdgeFileJob | { port: MessagePort };
const port: MessagePort | NonNullable<typeof parentPort> = 'port' in started ? started.port : parentPort;
if ('port' in started) started.port.once('close', () => process.exit(0));
let job: EdgeFileJob | null = 'port' in started ? null : started;
let gotJob: ((job: EdgeFileJob) => void) | null = null;
let firstEdge: Uint32Array | null = null;
let gotFirstEdge: (() => void) | null = null;
port.on('message', (m: { firstEdge?: Uint32Array; job?: EdgeFileJob }) => {
  if (m?.job && !job) {
    job = m.job;
    gotJob?.(m.job);
  }
  if (!(m?.firstEdge instanceof Uint32Array)) return;
  firstEdge = m.firstEdge;
  gotFirstEdge?.();
});

/** The edge arrays of the scan, once the first-edge offsets are here (null if they do not fit). */
async function edgeArrays(job: EdgeFileJob, r: Extract<EdgeFileResult, { kind: 'ok' }>): Promise<EdgeArrays | null> {
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
function distancesAfter(job: EdgeFileJob, g: EdgeArrays): DistancesInProgress | null {
  const shared = (a: ArrayBufferView) => a.buffer instanceof SharedArrayBuffer;
  if (!job.sharedEdges || !shared(g.firstEdge) || !shared(g.edgeTo) || !shared(g.edgeType)) return null;
  const n = g.nodeCount;
  return {
    state: new Int32Array(new SharedArrayBuffer(4)),
    distance: new Int32Array(new SharedArrayBuffer(4 * n)),
    parent: new Uint32Array(new SharedArrayBuffer(4 * n)),
  };
}

async function run(job: EdgeFileJob): Promise<void> {
  const r = await scanEdgesOfFile(job);
  {
    if (r.kind !== 'ok') {
      port.postMessage(r);
      return;
    }
    const g = await edgeArrays(job, r);
    const flags = g && markPageObjects(g, job.layout.weakType, job.layout.shortcutType);
    mark('parse worker: page objects');
    const distances = g && distancesAfter(job, g);
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
  }
}

void (job ? Promise.resolve(job) : new Promise<EdgeFileJob>((resolve) => (gotJob = resolve)))
  .then(run)
  .catch((e: unknown) => port.postMessage({ kind: 'failed', message: String((e as Error)?.message ?? e) }));
