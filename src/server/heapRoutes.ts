import { Router } from 'express';
import { route } from './route';
import { HttpError } from './httpError';
import type { HeapStore } from './heapStore';
import { MAX_OBJECTS_PAGE, MAX_RETAINER_NODES, MAX_RETAINER_PATHS } from './limits';
import { integer } from './params';

/** `/api/heap/…`: classes, diff and retainers of the snapshots the store holds. */
export function heapRoutes(store: HeapStore): Router {
  const router = Router();
  const latest = () => Math.max(0, store.size - 1);

  route(router, '/api/heap', 'GET /api/heap/snapshots', (_req, res) => {
    res.json(store.list());
  });
  route(router, '/api/heap', 'GET /api/heap/classes', async (req, res) => {
    res.json(await store.classes(integer(req, req.query.snapshot, 'snapshot', latest())));
  });
  route(router, '/api/heap', 'GET /api/heap/classes/:name/objects', async (req, res) => {
    const snapshot = integer(req, req.query.snapshot, 'snapshot', latest());
    const start = integer(req, req.query.start, 'start', 0);
    const end = Math.min(integer(req, req.query.end, 'end', start + 100), start + MAX_OBJECTS_PAGE);
    res.json(await store.objectsOfClass(snapshot, String(req.params.name), start, end));
  });
  route(router, '/api/heap', 'GET /api/heap/diff', async (req, res) => {
    if (store.size < 2 && req.query.from === undefined) throw new HttpError(404, 'nothing to compare', 'a diff needs two snapshots');
    const to = integer(req, req.query.to, 'to', latest());
    const from = integer(req, req.query.from, 'from', Math.max(0, to - 1));
    res.json(await store.diff(from, to));
  });
  route(router, '/api/heap', 'GET /api/heap/objects/:id', async (req, res) => {
    const snapshot = integer(req, req.query.snapshot, 'snapshot', latest());
    res.json(await store.object(snapshot, integer(req, req.params.id, 'object id')));
  });
  route(router, '/api/heap', 'GET /api/heap/objects/:id/referents', async (req, res) => {
    const snapshot = integer(req, req.query.snapshot, 'snapshot', latest());
    const start = integer(req, req.query.start, 'start', 0);
    const end = Math.min(integer(req, req.query.end, 'end', start + 100), start + MAX_OBJECTS_PAGE);
    res.json(await store.referents(snapshot, integer(req, req.params.id, 'object id'), start, end));
  });
  route(router, '/api/heap', 'GET /api/heap/objects/:id/retainers', async (req, res) => {
    const snapshot = integer(req, req.query.snapshot, 'snapshot', latest());
    const maxNodes = Math.min(integer(req, req.query.maxNodes, 'maxNodes', 100), MAX_RETAINER_NODES);
    const maxPaths = Math.min(integer(req, req.query.maxPaths, 'maxPaths', 5), MAX_RETAINER_PATHS);
    res.json(await store.retainers(snapshot, integer(req, req.params.id, 'object id'), { maxNodes, maxPaths }));
  });
  return router;
}
