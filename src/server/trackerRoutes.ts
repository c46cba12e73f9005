import { Router, type Request } from 'express';
import { route } from './route';
import type { ClassTracker } from '../tracker/classTracker';
import { MemoryGuardError, OfflineTrackerError, SamplingNotStartedError, SnapshotBusyError, SnapshotFailedError } from '../tracker/errors';
import type { EventStream } from './events';
import { HttpError } from './httpError';

/** The tracker's refusals and failures as API errors. */
export function trackerHttpError(e: unknown): unknown {
  if (e instanceof SnapshotBusyError) return new HttpError(409, 'busy', e.message);
  if (e instanceof MemoryGuardError) return new HttpError(409, 'not enough free memory for a snapshot', e.message);
  if (e instanceof OfflineTrackerError) return new HttpError(409, 'not available offline', e.message);
  if (e instanceof SamplingNotStartedError) return new HttpError(409, 'not sampling', e.message);
  if (e instanceof SnapshotFailedError) return new HttpError(e.targetGone ? 503 : 500, e.targetGone ? 'the profiled program is gone' : 'the snapshot failed', e.message);
  if (e instanceof TypeError || e instanceof RangeError) return new HttpError(400, 'bad request', e.message);
  return e;
}

async function mapped<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw trackerHttpError(e);
  }
}

function body(req: Request): Record<string, unknown> {
  const b = req.body;
  return b && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
}

function optionalNumber(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new HttpError(400, `bad ${name}`, `${name} must be a non-negative number`);
  return value;
}

/**
 * Forwards the tracker's progress, new snapshots and censuses to the event stream
 * (`snapshot-progress`, `snapshot-added`, `census-added`). Returns the unsubscribe function.
 */
export function connectTracker(tracker: ClassTracker, events: EventStream): () => void {
  const offAdded = tracker.onSnapshotAdded(({ snapshot }) => events.send('snapshot-added', snapshot));
  const offProgress = tracker.onProgress((p) => events.send('snapshot-progress', p));
  const offCensus = tracker.onCensus((c) => events.send('census-added', c));
  return () => {
    offCensus();
    offAdded();
    offProgress();
  };
}

/** `/api/tracker…` and `/api/stats` (mounted at `/api`). */
export function trackerRoutes(tracker: ClassTracker): Router {
  const router = Router();
  route(router, '/api', 'GET /api/tracker', (_req, res) => {
    res.json(tracker.state());
  });
  // A census now: exact counts of the tracked classes, sizes estimated from the latest full snapshot.
  route(router, '/api', 'POST /api/tracker/census', async (_req, res) => {
    res.json(await mapped(() => tracker.census()));
  });
  route(router, '/api', 'POST /api/tracker/snapshots', async (req, res) => {
    const { description, force } = body(req);
    if (description !== undefined && typeof description !== 'string') throw new HttpError(400, 'bad description', 'description must be text');
    res.json(await mapped(() => tracker.createSnapshot(((description as string | undefined) ?? '').slice(0, 500), { force: force === true })));
  });
  route(router, '/api', 'POST /api/tracker/classes', async (req, res) => {
    const { name, trace, resolutionLevel } = body(req);
    if (typeof name !== 'string' || !name.trim() || name.length > 500) throw new HttpError(400, 'bad class name', 'name must be a constructor name, e.g. {"name": "Widget"}');
    const level = optionalNumber(resolutionLevel, 'resolutionLevel');
    const entry = await mapped(() => tracker.trackClass(name.trim(), { trace: trace === true, resolutionLevel: level }));
    // No instance of it now: a mistyped name, often; said with the near names the program has.
    const warning = await tracker.nameCheck(entry.name);
    res.status(201).json(warning ? { ...entry, warning } : entry);
  });
  route(router, '/api', 'DELETE /api/tracker/classes/:name', async (req, res) => {
    const name = String(req.params.name);
    if (!(await mapped(() => tracker.untrackClass(name)))) throw new HttpError(404, 'not tracked', `${name} is not a tracked class`);
    res.json({ untracked: name });
  });
  route(router, '/api', 'GET /api/tracker/classes/:name', (req, res) => {
    const detail = tracker.classDetail(String(req.params.name));
    if (!detail) throw new HttpError(404, 'unknown class', `${req.params.name} has never been tracked`);
    res.json(detail);
  });
  route(router, '/api', 'GET /api/tracker/allocation-sites', async (_req, res) => {
    res.json(await mapped(() => tracker.allocationSites()));
  });
  route(router, '/api', 'POST /api/tracker/periodic', async (req, res) => {
    const intervalMs = optionalNumber(body(req).intervalMs, 'intervalMs');
    const budget = optionalNumber(body(req).budget, 'budget');
    if (!intervalMs || intervalMs < 100) throw new HttpError(400, 'bad intervalMs', 'intervalMs must be at least 100 (milliseconds)');
    if (budget !== undefined && (budget <= 0 || budget > 1)) throw new HttpError(400, 'bad budget', 'budget is a share of wall time, above 0 and at most 1');
    const mode = body(req).mode ?? 'census';
    if (mode !== 'census' && mode !== 'full') throw new HttpError(400, 'bad mode', 'mode is "census" (counts between full snapshots, the default) or "full" (full snapshots only)');
    await mapped(() => tracker.startPeriodicSnapshots(intervalMs, { budget, mode }));
    res.json(tracker.state().periodic);
  });
  route(router, '/api', 'DELETE /api/tracker/periodic', (_req, res) => {
    tracker.stopPeriodicSnapshots();
    res.json({ stopped: true });
  });
  route(router, '/api', 'GET /api/stats', async (_req, res) => {
    res.setHeader('Content-Disposition', 'attachment; filename="memory-profiler-stats.json"');
    res.json(await tracker.stats());
  });
  return router;
}
