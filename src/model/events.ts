import type { HeapProgress } from './heap';
import type { CensusEntry, TrackerSnapshot } from './tracker';

/**
 * Every event the server pushes on `GET /api/events` (server-sent events), by name, with its
 * payload. The server's `EventStream.send` and the UI's subscriptions are typed by it.
 */
export interface ServerEventMap {
  /** The profiled program can no longer be reached. */
  'target-gone': { reason: string };
  /** A tracker snapshot was taken and summarised (from any caller: a page, the API, periodic mode). */
  'snapshot-added': TrackerSnapshot;
  /** Progress of a snapshot being taken: capture by the runtime, then parse and analysis. */
  'snapshot-progress': HeapProgress & { description: string };
  /** A census was counted (a page, the API, or periodic mode). */
  'census-added': CensusEntry;
  /** The heap store dropped its oldest snapshot to stay within its limit. */
  'snapshot-dropped': { index: number; label: string; note: string };
}

export type ServerEventName = keyof ServerEventMap;

/** The names, at run time (the UI opens its stream for each it shows). */
export const SERVER_EVENT_NAMES: readonly ServerEventName[] = ['target-gone', 'snapshot-added', 'snapshot-progress', 'census-added', 'snapshot-dropped'];
