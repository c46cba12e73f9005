import { Router } from 'express';
import { route } from './route';
import { need, type ProfiledTarget } from '../targets';
import { HttpError } from './httpError';

/**
 * `/api/garbage/collector…`: Pympler's garbage graphs, for a target whose runtime has a cycle
 * collector that can keep what it finds (Python). A POST runs a collection; the agent keeps its
 * graphs, which GET answers (null before the first), until the next POST. A target without them answers 404.
 */
export function collectorGarbageRoutes(target: ProfiledTarget): Router {
  const router = Router();
  route(router, '/api/garbage/collector', 'GET /api/garbage/collector', async (_req, res) => {
    // null before the first collection (the page then runs one).
    res.json((await need(target, 'collectorGarbage').latest()) ?? null);
  });
  route(router, '/api/garbage/collector', 'POST /api/garbage/collector', async (_req, res) => {
    res.json(await need(target, 'collectorGarbage').collect());
  });
  route(router, '/api/garbage/collector', 'POST /api/garbage/collector/automatic', async (req, res) => {
    const enabled = (req.body as { enabled?: unknown } | undefined)?.enabled;
    if (typeof enabled !== 'boolean') throw new HttpError(400, 'bad enabled', 'enabled must be true (the automatic collector runs) or false (kept off)');
    res.json(await need(target, 'collectorGarbage').setAutomatic(enabled));
  });
  return router;
}
