/**
 * The heap worker thread: holds parsed snapshots and answers `HeapWorkerClient` requests, so
 * parsing and analysis never run on the caller's event loop. Built to `dist/heapWorker.js`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import type { HeapClassSummary, HeapProgress, HeapSnapshotInfo } from '../model/heap';
import { analyse, classSummary } from './analysis';
import { dropQueryIndexes, ensureDistances, stepQueryIndexes } from './queryIndexes';
import { HeapSnapshotError } from './errors';
import type { HeapGraph } from './graph';
import { HeapSnapshotParser, parseHeapSnapshotFile } from './parser';
import type { HeapObjectDetails, HeapWorkerChunk, HeapWorkerMethods, HeapWorkerReply, HeapWorkerRequest } from './protocol';
import { allocationStack, componentsOf, diffSnapshots, retainerGraph } from './queries';
import { absentIds, subgraph, trackedInstances } from './instances';
import { leakSuspects } from './suspects';
import type { findNewExpressions } from './newExpressions';
import { collectedGarbage } from './collected';
import { instancesByRetainedSize } from './classInstances';
import { mark } from './timeline';

mark('heap worker: loaded');

interface Stream {
  parser: HeapSnapshotParser;
  error: unknown;
  started: number;
  totalBytes?: number;
}

const port = parentPort;
if (!port) throw new Error('heapWorker must run in a worker thread');

const snapshots = new Map<number, { graph: HeapGraph; info: HeapSnapshotInfo }>();
const streams = new Map<number, Stream>();
let nextHandle = 1;

function send(m: HeapWorkerReply): void {
  port!.postMessage(m);
}

function progressSender(id: number) {
  let last = 0;
  return (p: HeapProgress) => {
    const now = Date.now();
    if (p.done < p.total && now - last < 100) return;
    last = now;
    send({ type: 'progress', id, progress: p });
  };
}

function graphOf(h: number): HeapGraph {
  const s = snapshots.get(h);
  if (!s) throw new Error(`unknown snapshot handle ${h}`);
  return s.graph;
}

/** The snapshot whose query indexes were built ahead (see `prepareQueries`). */
let prepared: HeapGraph | null = null;
/** The class list of a snapshot, once computed. */
const summaries = new WeakMap<HeapGraph, HeapClassSummary[]>();
/** Snapshots opened from a file (`open`), as opposed to streamed from a live program. */
const fromFile = new WeakSet<HeapGraph>();

/** How long one slice of the query indexes' build runs before the worker looks at its requests. */
const SLICE_MS = 20;

/**
 * Once the class list of a snapshot opened from a file is out, builds what questions about one
 * object need (distances, retainer index, objects by id: seconds on tens of millions of objects)
 * before they are asked, a slice at a time between requests: a question that comes meanwhile
 * finishes only what it needs (the retainers of an object, the distances). Only for the latest
 * such snapshot: the previous one's are dropped (rebuilt if a query needs them). Not for the
 * tracker's live snapshots, whose summaries need the worker next.
 */
function prepareQueries(g: HeapGraph): void {
  if (prepared === g || !fromFile.has(g)) return;
  if (prepared) dropQueryIndexes(prepared);
  prepared = g;
  mark('queries: start');
  const slice = () => {
    if (prepared !== g || ![...snapshots.values()].some((s) => s.graph === g)) return;
    if (stepQueryIndexes(g, SLICE_MS)) mark('queries: done');
    else setImmediate(slice);
  };
  setImmediate(slice);
}

function finish(graph: HeapGraph, parseMs: number, id: number): { snapshot: number; info: HeapSnapshotInfo } {
  const t = performance.now();
  mark('analyse: start');
  analyse(graph, progressSender(id));
  mark('analyse: done');
  const info: HeapSnapshotInfo = {
    nodeCount: graph.nodeCount,
    edgeCount: graph.edgeCount,
    stringCount: graph.strings.length,
    totalSize: graph.totalSize(),
    hasAllocationTraces: !!graph.traceTree && !!graph.nodeTraceId,
    parseMs: Math.round(parseMs),
    analyseMs: Math.round(performance.now() - t),
  };
  const snapshot = nextHandle++;
  snapshots.set(snapshot, { graph, info });
  return { snapshot, info };
}

async function openFile(path: string, id: number): Promise<HeapWorkerMethods['open'][1]> {
  const t = performance.now();
  mark('open: start');
  const progress = progressSender(id);
  // (the edge names and locations stay in the file until asked: memory, see lazySections.ts)
  const graph = await parseHeapSnapshotFile(path, {
    lazySections: true,
    onProgress: (bytes, totalBytes) => progress({ phase: 'parse', bytes, totalBytes, done: bytes, total: totalBytes }),
  });
  fromFile.add(graph);
  const opened = finish(graph, performance.now() - t, id);
  // the class list is what is asked next: computed once the reply is out, while the caller
  // starts serving (a request that comes meanwhile waits for it)
  setImmediate(() => {
    if (snapshots.get(opened.snapshot)?.graph === graph && !summaries.has(graph)) summaries.set(graph, classSummary(graph));
  });
  return opened;
}

const handlers: { [M in keyof HeapWorkerMethods]: (p: HeapWorkerMethods[M][0], id: number) => HeapWorkerMethods[M][1] | Promise<HeapWorkerMethods[M][1]> } = {
  open: (p, id) => openFile(p.path, id),
  beginStream: (p) => {
    const stream = nextHandle++;
    streams.set(stream, { parser: new HeapSnapshotParser({ totalBytes: p.totalBytes }), error: null, started: performance.now(), totalBytes: p.totalBytes });
    return { stream };
  },
  end: (p, id) => {
    const s = streams.get(p.stream);
    if (!s) throw new Error(`unknown stream ${p.stream}`);
    streams.delete(p.stream);
    if (s.error) throw s.error;
    const graph = s.parser.end();
    return finish(graph, performance.now() - s.started, id);
  },
  abort: (p) => {
    streams.delete(p.stream);
    return null;
  },
  classes: (p, id) => {
    const g = graphOf(p.snapshot);
    mark('classes: start');
    const summary = summaries.get(g) ?? classSummary(g, progressSender(id));
    summaries.set(g, summary);
    mark('classes: done');
    prepareQueries(g);
    return summary;
  },
  diff: (p) => diffSnapshots(graphOf(p.a), graphOf(p.b)),
  retainers: (p) => {
    const g = graphOf(p.snapshot);
    mark('retainers: start');
    const o = g.findOrdinal(p.id);
    if (o < 0) throw new Error(`no object with id ${p.id} in snapshot ${p.snapshot}`);
    ensureDistances(g);
    mark('retainers: distances');
    const r = retainerGraph(g, o, p.options);
    mark('retainers: done');
    return r;
  },
  object: (p) => {
    const g = graphOf(p.snapshot);
    const o = g.findOrdinal(p.id);
    if (o < 0) return null;
    ensureDistances(g); // (the distance is part of the answer)
    const d: HeapObjectDetails = { ...g.info(o), allocationStack: allocationStack(g, o), referentCount: g.edgeCountOf(o) };
    return d;
  },
  referents: (p) => {
    const g = graphOf(p.snapshot);
    const o = g.findOrdinal(p.id);
    if (o < 0) throw new Error(`no object with id ${p.id} in snapshot ${p.snapshot}`);
    ensureDistances(g);
    return g.referents(o, p.start ?? 0, p.end ?? 100);
  },
  objectsOfClass: (p) => {
    const g = graphOf(p.snapshot);
    analyse(g);
    // The heap page's Distance column: one pass over the edges, kept for the next query.
    ensureDistances(g);
    const c = g.classNames!.indexOf(p.name);
    if (c < 0) return { total: 0, objects: [] };
    const list = instancesByRetainedSize(g, c);
    return { total: list.length, objects: Array.from(list.subarray(p.start ?? 0, p.end ?? 100), (o) => g.info(o)) };
  },
  components: (p) => {
    const g = graphOf(p.snapshot);
    const ords = p.ids.map((i) => g.ordinalOf(i)).filter((o) => o >= 0);
    return componentsOf(g, ords);
  },
  dispose: (p) => {
    if (prepared === snapshots.get(p.snapshot)?.graph) prepared = null;
    snapshots.get(p.snapshot)?.graph.closeFile();
    snapshots.delete(p.snapshot);
    return null;
  },
  trackedInstances: (p) => trackedInstances(graphOf(p.snapshot), p.options),
  absentIds: (p) => absentIds(graphOf(p.a), graphOf(p.b)),
  collectedGarbage: (p) => collectedGarbage(graphOf(p.a), graphOf(p.b)),
  subgraph: (p) => subgraph(graphOf(p.snapshot), p.ids, p.maxNodes),
  leakSuspects: (p) => leakSuspects(graphOf(p.baseline), graphOf(p.target), graphOf(p.final), p.options),
  newExpressions: (p) => newExpressionFinder()(p.source, p.queries),
};

let finder: typeof findNewExpressions | undefined;
/**
 * The source parser (acorn, in its own bundle next to this one, or the module under tsx) is
 * loaded on first use: it would lengthen every start of this worker, which most never need it.
 */
function newExpressionFinder(): typeof findNewExpressions {
  if (!finder) {
    const bundled = join(__dirname, 'heapSourceParser.js');
    const module = existsSync(bundled) ? bundled : './newExpressions';
    finder = (require(module) as typeof import('./newExpressions')).findNewExpressions;
  }
  return finder;
}

function errorData(e: unknown) {
  if (e instanceof HeapSnapshotError) return { name: e.name, message: e.message, problem: e.problem, offset: e.offset };
  const err = e as Error;
  return { name: err?.name ?? 'Error', message: err?.message ?? String(e), stack: err?.stack };
}

port.on('message', async (m: HeapWorkerRequest | HeapWorkerChunk) => {
  if (m.type === 'chunk') {
    const s = streams.get(m.stream);
    if (!s || s.error) return;
    try {
      s.parser.write(m.chunk);
    } catch (e) {
      s.error = e;
    }
    return;
  }
  try {
    const handler = handlers[m.method] as (p: unknown, id: number) => unknown;
    if (!handler) throw new Error(`unknown method ${m.method}`);
    const ok = await handler(m.params, m.id);
    send({ type: 'reply', id: m.id, ok });
  } catch (e) {
    send({ type: 'reply', id: m.id, err: errorData(e) });
  }
});
