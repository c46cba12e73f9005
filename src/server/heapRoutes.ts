import { Router, type Request } from 'express';
import type { HeapStore } from './heapStore';
import { HttpError } from './httpError';
import { MAX_OBJECTS_PAGE, MAX_RETAINER_NODES, MAX_RETAINER_PATHS } from './limits';

/** A non-negative integer query or path parameter, or the fallback when absent. */
function integer(req: Request, value: unknown, name: string, fallback?: number): number {
  if (value === undefined || value === '') {
    if (fallback === undefined) throw new HttpError(400, `missing ${name}`, `${req.method} ${req.path} needs ${name}`);
    return fallback;
  }
  const text = String(value);
  if (!/^\d{1,15}$/.test(text)) throw new HttpError(400, `bad ${name}`, `${name} must be a non-negative integer, not "${text.slice(0, 40)}"`);
  return Number(text);
}

/** `/api/heap/…`: classes, diff and retainers of the snapshots the store holds. */
export function heapRoutes(store: HeapStore): Router {
  const router = Router();
  const latest = () => Math.max(0, store.size - 1);

  router.get('/snapshots', (_req, res) => {
    res.json(store.list());
  });
  router.get('/classes', async (req, res) => {
    res.json(await store.classes(integer(req, req.query.snapshot, 'snapshot', latest())));
  });
  router.get('/classes/:name/objects', async (req, res) => {
    const snapshot = integer(req, req.query.snapshot, 'snapshot', latest());
    const start = integer(req, req.query.start, 'start', 0);
    const end = Math.min(integer(req, req.query.end, 'end', start + 100), start + MAX_OBJECTS_PAGE);
    res.json(await store.objectsOfClass(snapshot, String(req.params.name), start, end));
  });
  router.get('/diff', async (req, res) => {
    if (store.size < 2 && req.query.from === undefined) throw new HttpError(404, 'nothing to compare', 'a diff needs two snapshots');
    const to = integer(req, req.query.to, 'to', latest());
    const from = integer(req, req.query.from, 'from', Math.max(0, to - 1));
    res.json(await store.diff(from, to));
  });
  router.get('/objects/:id', async (req, res) => {
    const snapshot = integer(req, req.query.snapshot, 'snapshot', latest());
    res.json(await store.object(snapshot, integer(req, req.params.id, 'object id')));
  });
  router.get('/objects/:id/referents', async (req, res) => {
    const snapshot = integer(req, req.query.snapshot, 'snapshot', latest());
    const start = integer(req, req.query.start, 'start', 0);
    const end = Math.min(integer(req, req.query.end, 'end', start + 100), start + MAX_OBJECTS_PAGE);
    res.json(await store.referents(snapshot, integer(req, req.params.id, 'object id'), start, end));
  });
  router.get('/objects/:id/retainers', async (req, res) => {
    const snapshot = integer(req, req.query.snapshot, 'snapshot', latest());
    const maxNodes = Math.min(integer(req, req.query.maxNodes, 'maxNodes', 100), MAX_RETAINER_NODES);
    const maxPaths = Math.min(integer(req, req.query.maxPaths, 'maxPaths', 5), MAX_RETAINER_PATHS);
    res.json(await store.retainers(snapshot, integer(req, req.params.id, 'object id'), { maxNodes, maxPaths }));
  });
  return router;
}
