/**
 * Server-sent events from `GET {apiBase}/api/events` (progress, snapshot added, target gone), so
 * the UI reacts at once instead of at the next poll. EventSource reconnects by itself.
 *
 * The stream is closed while the page is hidden: browsers allow only six HTTP/1.1 connections
 * per server, and a stream held open by every background tab would soon starve the others.
 */

import type { ServerEventMap, ServerEventName } from '../src/model';

export type EventHandlers = Record<string, (data: unknown) => void>;

/**
 * What the UI does with each event the server sends: the type makes every event of the
 * server's map appear here, so a new one cannot be lost unnoticed (a unit test checks that each
 * `shown` one has a subscriber).
 */
export const EVENT_USE: { readonly [K in ServerEventName]: 'shown' | 'not shown' } = {
  'target-gone': 'shown',
  'snapshot-added': 'shown',
  'snapshot-progress': 'shown',
  'census-added': 'shown',
  'snapshot-dropped': 'shown',
};

/** Listens until the returned function is called. Event data is JSON; unparsable data reads as undefined. */
export function listenToServerEvents(apiBase: string, handlers: EventHandlers, token?: string): () => void {
  if (typeof EventSource === 'undefined') return () => {};
  let source: EventSource | undefined;
  const open = () => {
    // EventSource cannot send headers: the token goes in the query.
    source = new EventSource(`${apiBase}/api/events${token ? `?token=${encodeURIComponent(token)}` : ''}`);
    for (const [type, handler] of Object.entries(handlers)) {
      source.addEventListener(type, (event) => {
        let data: unknown;
        try {
          data = JSON.parse((event as MessageEvent<string>).data);
        } catch {
          data = undefined;
        }
        handler(data);
      });
    }
  };
  const close = () => {
    source?.close();
    source = undefined;
  };
  const onVisibility = () => (document.hidden ? close() : (source ?? open()));
  document.addEventListener('visibilitychange', onVisibility);
  if (!document.hidden) open();
  return () => {
    document.removeEventListener('visibilitychange', onVisibility);
    close();
  };
}

/**
 * One event stream shared by the whole UI (a stream per page would use up the browser's six
 * connections per server): pages subscribe to the event types they care about.
 */
export class ServerEvents {
  private readonly listeners = new Map<string, Set<(data: unknown) => void>>();
  private readonly stop: () => void;

  /** Opens the stream for every event the UI shows (see `EVENT_USE`). */
  constructor(apiBase: string, token?: string) {
    const handlers: EventHandlers = {};
    for (const [type, use] of Object.entries(EVENT_USE)) if (use === 'shown') handlers[type] = (data) => this.emit(type, data);
    this.stop = listenToServerEvents(apiBase, handlers, token);
  }

  /** Calls `listener` for every event of `type`; returns the unsubscribe function. */
  on<K extends ServerEventName>(type: K, listener: (data: ServerEventMap[K]) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    const untyped = listener as (data: unknown) => void;
    set.add(untyped);
    return () => set.delete(untyped);
  }

  close(): void {
    this.stop();
  }

  private emit(type: string, data: unknown): void {
    for (const listener of this.listeners.get(type) ?? []) {
      try {
        listener(data);
      } catch (e) {
        console.error(e);
      }
    }
  }
}
