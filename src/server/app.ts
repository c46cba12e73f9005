import express, { type NextFunction, type Request, type Response } from 'express';
import { distPath } from '../common/paths';
import { need, NotAvailableError, type ProfiledTarget, TargetGoneError, TargetUnresponsiveError } from '../targets';
import type { EventStream } from './events';
import { heapRoutes } from './heapRoutes';
import { route } from './route';
import type { HeapStore } from './heapStore';
import { HttpError } from './httpError';
import { contentSecurityPolicy, pageShell } from './pageShell';
import { CLIENT_HEADER, hostAndOriginCheck, requireClientHeader } from './security';
import { presentsOneOf, TOKEN_HEADER, tokenCheck } from './token';
import { MAX_BODY } from './limits';
import { threadRoutes } from './threadRoutes';
import type { ClassTracker } from '../tracker/classTracker';
import { trackerRoutes } from './trackerRoutes';
import { garbageRoutes } from './garbageRoutes';
import { collectorGarbageRoutes } from './collectorGarbageRoutes';

export interface AppOptions {
  target: ProfiledTarget;
  events: EventStream;
  heap: HeapStore;
  /** The host the server is bound to, allowed in `Host` headers besides loopback names. */
  host: string;
  /** Verbose errors (stack traces in responses) and no caching of static files. */
  debug?: boolean;
  /** Stops the server: enables `POST /api/stop`. */
  onStop?: () => void;
  /** The class tracker behind `/api/tracker`, `/api/stats` and `/api/garbage`. */
  tracker?: ClassTracker;
  /** Access token every request must carry (header, `?token=` or cookie); none when absent. */
  token?: string;
  /**
   * The token this server's VS Code webviews send with every request (header, or `?token=` for
   * the event stream). A request from a `vscode-webview://` origin without it is refused: every
   * extension's webviews share that scheme. Accepted wherever the access token is.
   */
  webviewToken?: string;
}

/** Pympler's page paths, so its users find them; every one loads the same UI bundle. */
export const PAGE_PATHS = ['/', '/process', '/tracker', '/tracker/class/:name', '/heap', '/garbage', '/garbage/:index'];

/** The express application: JSON API under /api, the UI bundle under /assets, pages at Pympler's paths. */
export function createApp(options: AppOptions): express.Express {
  const { target, events, heap } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const tokens = [options.token, options.webviewToken].filter((t): t is string => !!t);
  const presentsToken = presentsOneOf(tokens);
  app.use(commonHeaders);
  app.use(hostAndOriginCheck({ host: options.host, presentsToken }));
  app.use(webviewCors);
  if (options.token) app.use(tokenCheck(options.token, options.webviewToken ? [options.webviewToken] : []));
  app.use(express.json({ limit: MAX_BODY }));

  const stoppable = options.onStop !== undefined || target.capabilities.suspension !== undefined;
  route(app, '', 'GET /api/target', async (_req, res) => {
    res.json({ ...(await target.info()), stoppable });
  });
  route(app, '', 'GET /api/process', async (_req, res) => {
    res.json(await need(target, 'process').read());
  });
  app.get('/api/events', events.handler);
  app.use('/api/heap', heapRoutes(heap));
  // These pause the program or reach into it: a page of another site must not be able to fire them.
  app.get(['/api/threads/:id/stack', '/api/objects/:ref'], requireClientHeader(presentsToken));
  app.use('/api', threadRoutes({ target, heap, stop: options.onStop }));
  if (options.tracker) app.use('/api', trackerRoutes(options.tracker));
  app.use('/api/garbage/collector', collectorGarbageRoutes(target));
  if (options.tracker) app.use('/api/garbage', garbageRoutes(options.tracker));
  route(app, '', 'POST /api/refresh', (_req, res) => {
    heap.refresh();
    res.json({ refreshed: true });
  });
  app.use('/api', (req) => {
    throw new HttpError(404, 'unknown API path', `${req.method} ${req.originalUrl}`);
  });

  app.use('/assets', express.static(distPath('webview'), { maxAge: options.debug ? 0 : '1h', fallthrough: false }));

  const shell = { styleUri: '', scriptUri: '', cspSource: "'self'", connectSrc: "'self'", apiBase: '' };
  const csp = contentSecurityPolicy(shell);
  app.get(PAGE_PATHS, (req, res) => {
    // Every URL in the page is relative to it, so the pages work behind a path-prefix proxy
    // (code-server's /proxy/8090/, a reverse proxy) as well as at the root.
    const depth = req.path.split('/').length - 2;
    const base = depth > 0 ? Array(depth).fill('..').join('/') : '.';
    res.setHeader('Cache-Control', 'no-store');
    // Framing is refused: a framed, invisible page could be clicked into taking a snapshot.
    res.setHeader('Content-Security-Policy', `${csp}; frame-ancestors 'none'`);
    res.type('html').send(pageShell({ ...shell, scriptUri: `${base}/assets/app.js`, styleUri: `${base}/assets/app.css`, apiBase: base, page: req.path }));
  });

  app.use((req: Request) => {
    throw new HttpError(404, 'no such page', req.originalUrl);
  });
  app.use(errorHandler(options.debug ?? false));
  return app;
}

/** On every answer: no MIME sniffing, no framing, and API answers (live data) never cached. */
function commonHeaders(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  if (req.path === '/api' || req.path.startsWith('/api/')) res.setHeader('Cache-Control', 'no-store');
  next();
}

/** VS Code webviews load the UI from a `vscode-webview://` origin and read the API across origins. */
function webviewCors(req: Request, res: Response, next: NextFunction): void {
  const origin = req.headers.origin;
  if (origin?.startsWith('vscode-webview://')) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE');
      res.setHeader('Access-Control-Allow-Headers', `Content-Type, Authorization, ${TOKEN_HEADER}, ${CLIENT_HEADER}`);
      res.status(204).end();
      return;
    }
  }
  next();
}

/** Every failure becomes JSON `{error, detail}` with a fitting status; the server never dies of one. */
function errorHandler(debug: boolean) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const e = error as Error & { status?: number; type?: string };
    let status = 500;
    let body: { error: string; detail?: string; stack?: string };
    if (e instanceof HttpError) {
      status = e.status;
      body = { error: e.message, detail: e.detail };
    } else if (e instanceof NotAvailableError) {
      status = 404;
      body = { error: e.title, detail: e.message };
    } else if (e instanceof TargetUnresponsiveError) {
      status = 504;
      body = { error: 'the program does not respond', detail: e.message };
    } else if (e instanceof TargetGoneError) {
      status = 503;
      body = { error: 'the profiled program is gone', detail: e.message };
    } else if (e?.status === 404) {
      // A missing asset: its message would name the file's absolute path on this machine.
      status = 404;
      body = { error: 'no such file', detail: req.originalUrl };
    } else if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      // body-parser and static-file errors carry their own status (400, 404, 413).
      status = e.status;
      body = { error: e.message };
    } else {
      body = { error: 'internal error', detail: e?.message ?? String(error) };
    }
    if (debug && e?.stack) body.stack = e.stack;
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(status).json(body);
  };
}
