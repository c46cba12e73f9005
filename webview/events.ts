/**
 * Server-sent events from `GET {apiBase}/api/events` (progress, snapshot added, target gone), so
 * the UI reacts at once instead of at the next poll. EventSource reconnects by itself.
 *
 * The stream is closed while the page is hidden: browsers allow only six HTTP/1.1 connections
 * per server, and a stream held open by every background tab would soon starve the others.
 */

export type EventHandlers = Record<string, (data: unknown) => void>;

/** Listens until the returned function is called. Event data is JSON; unparsable data reads as undefined. */
export function listenToServerEvents(apiBase: string, handlers: EventHandlers): () => void {
  if (typeof EventSource === 'undefined') return () => {};
  let source: EventSource | undefined;
  const open = () => {
    source = new EventSource(`${apiBase}/api/events`);
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
  const onVisibility = () => (document.hidden ? close() : source ?? open());
  document.addEventListener('visibilitychange', onVisibility);
  if (!document.hidden) open();
  return () => {
    document.removeEventListener('visibilitychange', onVisibility);
    close();
  };
}
