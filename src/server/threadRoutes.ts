import { Router } from 'express';
import { route } from './route';
import { need, type ProfiledTarget, type RetainedSizes, type ThreadReader, TooManyObjectsError, UnknownThreadError } from '../targets';
import type { HeapStore } from './heapStore';
import { HttpError } from './httpError';
import { integer } from './params';

export interface ThreadRouteOptions {
  target: ProfiledTarget;
  /** The program's heap snapshots: retained sizes of referents come from the latest one. */
  heap?: HeapStore;
  /** Stops the server (`POST /api/stop`); absent when whoever started the server stops it. */
  stop?: () => void;
}

/**
 * `/api/threads`, `/api/threads/:id/stack`, `/api/objects/:ref` (mounted at `/api`), and
 * `POST /api/stop`, which ends the server and so resumes a program suspended by `startProfiler`.
 */
export function threadRoutes(options: ThreadRouteOptions): Router {
  const router = Router();
  let reader: ThreadReader | undefined;
  const threads = (): ThreadReader => (reader ??= need(options.target, 'threads').open(options.heap && retainedSizes(options.heap)));
  const translate = (e: unknown): never => {
    if (e instanceof UnknownThreadError) throw new HttpError(404, 'not found', e.message);
    if (e instanceof TooManyObjectsError) throw new HttpError(409, 'too many objects', e.message);
    throw e;
  };

  route(router, '/api', 'GET /api/threads', async (_req, res) => {
    res.json(await threads().threads().catch(translate));
  });
  route(router, '/api', 'GET /api/threads/:id/stack', async (req, res) => {
    res.json(await threads().stack(String(req.params.id)).catch(translate));
  });
  route(router, '/api', 'GET /api/objects/:ref', async (req, res) => {
    const offset = integer(req, req.query.offset, 'offset', 0);
    const limit = integer(req, req.query.limit, 'limit', 100);
    res.json(await threads().referents(String(req.params.ref), offset, limit).catch(translate));
  });
  route(router, '/api', 'POST /api/stop', (_req, res) => {
    const stop = options.stop ?? options.target.capabilities.suspension?.resume;
    if (!stop) throw new HttpError(404, 'cannot stop from here', 'this server is stopped by whoever started it (Ctrl+C in its terminal)');
    // Answer first: stopping closes every connection, this one included.
    res.on('finish', () => setImmediate(stop));
    res.json({ stopping: true });
  });
  return router;
}

/** Retained sizes from the store's latest snapshot (whose analysis is cached there). */
function retainedSizes(heap: HeapStore): RetainedSizes {
  return {
    latest() {
      const entries = heap.list();
      const last = entries[entries.length - 1];
      return last && { snapshot: last.index, label: last.label, timestamp: last.timestamp };
    },
    async lookup(snapshot, id) {
      try {
        return await heap.object(snapshot, id);
      } catch {
        return undefined;
      }
    },
  };
}
