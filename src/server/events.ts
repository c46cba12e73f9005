import type { Request, Response } from 'express';
import type { ServerEventMap, ServerEventName } from '../model';

/** Server-sent events (`GET /api/events`): the events of `ServerEventMap`. */
export class EventStream {
  private readonly clients = new Set<Response>();
  private heartbeat: NodeJS.Timeout | undefined;

  /** Express handler that keeps the response open and streams events to it. */
  readonly handler = (req: Request, res: Response): void => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
    // Keeps proxies and idle timers from closing a quiet stream.
    this.heartbeat ??= setInterval(() => this.comment('ping'), 15_000).unref();
  };

  send<K extends ServerEventName>(type: K, data: ServerEventMap[K]): void {
    const text = `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of this.clients) client.write(text);
  }

  private comment(text: string): void {
    for (const client of this.clients) client.write(`: ${text}\n\n`);
  }

  close(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const client of this.clients) client.end();
    this.clients.clear();
  }
}
