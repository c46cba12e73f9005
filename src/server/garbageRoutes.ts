import { Router, type Request } from 'express';
import { route } from './route';
import { CollectedGarbage } from '../garbage/collected';
import { LeakSuspectFinder } from '../garbage/suspects';
import type { ClassTracker } from '../tracker/classTracker';
import type { LeakSuspectGroup, LeakSuspects } from '../model';
import { HttpError } from './httpError';

/** `?offset=` / `?limit=` of a page of suspect groups (limit 1 to 1000). */
function pageNumber(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const text = String(value);
  const n = Number(text);
  if (!/^\d{1,9}$/.test(text) || (name === 'limit' && (n < 1 || n > 1000)))
    throw new HttpError(400, `bad ${name}`, name === 'limit' ? 'limit must be a whole number from 1 to 1000' : 'offset must be a whole number');
  return n;
}

/**
 * `/api/garbage…`: what was collected between two tracker snapshots (by default the last two;
 * `?to=N` picks snapshots N−1 and N), as connected reference graphs, largest first.
 */
export function garbageRoutes(tracker: ClassTracker): Router {
  const router = Router();
  const garbage = tracker.live ? tracker.garbage : new CollectedGarbage(() => tracker.heapClient);
  const suspects = new LeakSuspectFinder(
    () => tracker.heapClient,
    () => tracker.newSites,
  );

  /** Offline (a stats dump): the garbage the dump saved for the pair ending at `?to` (default: the latest saved). */
  const saved = (req: Request) => {
    const text = req.query.to === undefined ? undefined : String(req.query.to);
    if (text !== undefined && !/^\d{1,9}$/.test(text)) throw new HttpError(400, 'bad to', 'to must be a tracker snapshot index');
    const count = tracker.snapshots.length;
    const found = tracker.savedGarbage(text === undefined ? count - 1 : Number(text));
    if (!found)
      throw new HttpError(404, 'not available offline', 'this stats dump holds no garbage for those snapshots (a dump saves the latest pairs still held when it was written)');
    return found;
  };

  /** Groups without allocation stacks get the sampled site that probably made them (as sampled now). */
  const withSampledSites = async (groups: LeakSuspectGroup[]) => {
    const sites = await tracker.sampledSitesOf(groups.filter((g) => !g.allocatedAt).map((g) => g.className));
    return groups.map((g) => (g.allocatedAt || !sites.has(g.className) ? g : { ...g, sampledAt: sites.get(g.className) }));
  };

  const pair = (req: Request) => {
    const count = tracker.snapshots.length;
    if (count < 2) throw new HttpError(404, 'nothing to compare', 'garbage is what was collected between two tracker snapshots: take two (POST /api/tracker/snapshots)');
    const text = req.query.to === undefined ? String(count - 1) : String(req.query.to);
    if (!/^\d{1,9}$/.test(text) || Number(text) < 1 || Number(text) >= count) throw new HttpError(400, 'bad to', `to must be a tracker snapshot index from 1 to ${count - 1}`);
    const to = Number(text);
    const a = tracker.handleOf(to - 1);
    const b = tracker.handleOf(to);
    if (a === undefined || b === undefined) throw new HttpError(404, 'snapshot not held', `snapshots ${to - 1} and ${to} are no longer held`);
    return { from: to - 1, to, a, b };
  };

  route(router, '/api/garbage', 'GET /api/garbage', async (req, res) => {
    if (!tracker.live) return void res.json(saved(req).graphs);
    const { a, b } = pair(req);
    res.json(await garbage.summaries(a, b));
  });
  // memlab's method: allocated after the baseline (default: the third latest snapshot), still
  // alive in the two latest; every group, a page at a time.
  route(router, '/api/garbage', 'GET /api/garbage/suspects', async (req, res) => {
    if (!tracker.live) throw new HttpError(404, 'not available offline', 'leak suspects come from the heap snapshots of a running program');
    const count = tracker.snapshots.length;
    if (count < 3) throw new HttpError(404, 'not enough snapshots', 'leak suspects need three tracker snapshots: a baseline, then two after the suspected leak');
    const text = req.query.baseline === undefined ? String(count - 3) : String(req.query.baseline);
    if (!/^\d{1,9}$/.test(text) || Number(text) > count - 3) throw new HttpError(400, 'bad baseline', `baseline must be a tracker snapshot index from 0 to ${count - 3}`);
    const baseline = Number(text);
    const handles = [baseline, count - 2, count - 1].map((i) => tracker.handleOf(i));
    if (handles.some((h) => h === undefined)) throw new HttpError(404, 'snapshot not held', 'those snapshots are no longer held');
    const offset = pageNumber(req.query.offset, 'offset', 0);
    const limit = pageNumber(req.query.limit, 'limit', 50);
    const engineText = req.query.engine === undefined ? '0' : String(req.query.engine);
    if (engineText !== '0' && engineText !== '1') throw new HttpError(400, 'bad engine', 'engine must be 0 or 1');
    const found = await suspects.find(handles[0]!, handles[1]!, handles[2]!);
    // the engine's and Node's groups come last: the program's alone are a prefix
    const engine = found.groups.filter((g) => g.engine);
    const engineObjects = engine.reduce((n, g) => n + g.count, 0);
    const groups = engineText === '1' ? found.groups : found.groups.slice(0, found.groups.length - engine.length);
    const answer: LeakSuspects = {
      baseline,
      target: count - 2,
      final: count - 1,
      heapIndex: tracker.snapshots[count - 1].heapIndex,
      objects: found.objects - engineObjects,
      engineGroups: engine.length,
      engineObjects,
      totalGroups: groups.length,
      offset,
      groups: await withSampledSites(groups.slice(offset, offset + limit)),
    };
    res.json(answer);
  });
  route(router, '/api/garbage', 'GET /api/garbage/:index', async (req, res) => {
    const text = String(req.params.index);
    if (!/^\d{1,9}$/.test(text)) throw new HttpError(404, 'no such garbage graph', `${text} is not a graph index`);
    if (!tracker.live) {
      const g = saved(req);
      const d = g.details.find((x) => x.index === Number(text));
      if (!d)
        throw new HttpError(
          404,
          'no such garbage graph',
          g.graphs.some((x) => x.index === Number(text))
            ? `graph ${text} was not saved in full in this stats dump`
            : `snapshots ${g.from} and ${g.to} have no collected graph ${text}`,
        );
      return void res.json({ ...d, from: g.from, to: g.to });
    }
    const { from, to, a, b } = pair(req);
    const detail = await garbage.graph(a, b, Number(text));
    if (!detail) throw new HttpError(404, 'no such garbage graph', `snapshots ${from} and ${to} have no collected graph ${text}`);
    res.json({ ...detail, from, to });
  });
  return router;
}
