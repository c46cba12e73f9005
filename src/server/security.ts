import type { NextFunction, Request, Response } from 'express';
import { hostname, networkInterfaces } from 'node:os';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** `0.0.0.0`, `::` and the empty host listen on every interface. */
export function isWildcard(host: string): boolean {
  return ['', '0.0.0.0', '::', '[::]'].includes(host.toLowerCase());
}

/**
 * Names a request may give in `Host` besides loopback: the configured host, and for a wildcard
 * bind every address of this machine's interfaces and its host name (a token guards such a
 * server, see token.ts).
 */
export function allowedHostNames(configuredHost: string): string[] {
  const names = [configuredHost.toLowerCase()];
  if (isWildcard(configuredHost)) {
    names.push(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) names.push(a.family === 'IPv6' ? `[${a.address.split('%')[0].toLowerCase()}]` : a.address);
    }
  }
  return names.map((n) => (n.includes(':') && !n.startsWith('[') ? `[${n}]` : n));
}

/** The host name of a `Host` header or an origin, without the port. */
export function hostName(value: string): string {
  const v = value.replace(/^[a-z]+:\/\//i, '');
  if (v.startsWith('[')) return v.slice(0, v.indexOf(']') + 1);
  return v.split(':')[0];
}

/** The origin (`scheme://host[:port]`, lower case, default port dropped) of a URL, or undefined. */
export function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return /^https?:$/.test(u.protocol) ? `${u.protocol}//${u.host}`.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** The server's own origin as this request names it: `http://` and its `Host` header. */
export function ownOrigin(req: Pick<Request, 'headers'>): string | undefined {
  return req.headers.host ? originOf(`http://${req.headers.host}`) : undefined;
}

/** Methods that change nothing; everything else is a state change. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * What a request's browser says about where it comes from: `Sec-Fetch-Site` (sent by every
 * current browser; a page cannot set it) and `Origin`. `foreign` when either names another site
 * or another origin (another port of this host included); `own` when they name this server;
 * `unknown` when the request carries neither (a script, curl, an old browser's GET).
 */
export function requestSite(req: Pick<Request, 'headers'>): 'own' | 'foreign' | 'unknown' {
  const fetchSite = String(req.headers['sec-fetch-site'] ?? '').toLowerCase();
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') return 'foreign';
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    return originOf(origin) !== undefined && originOf(origin) === ownOrigin(req) ? 'own' : 'foreign';
  }
  if (origin === 'null') return 'foreign';
  return fetchSite === 'same-origin' ? 'own' : 'unknown';
}

export interface RequestGuardOptions {
  /** The host the server is bound to. */
  host: string;
  /**
   * Whether a request proves it was given one of this server's tokens (the access token, or the
   * one its VS Code webviews carry) in a header or the query: a page of another site cannot
   * know them. A cookie proves nothing here, since the browser adds it to any page's request.
   */
  presentsToken(req: Request): boolean;
}

/**
 * Rejects requests whose `Host` names anything but loopback or the configured host (this is
 * what stops DNS rebinding); state-changing requests from another origin (scheme, host and port
 * compared) or another site (`Sec-Fetch-Site`); API requests that a browser marks cross-site;
 * and requests from a VS Code webview (`vscode-webview://`) without this server's token: every
 * extension's webviews have such an origin, only ours have the token.
 */
export function hostAndOriginCheck(options: RequestGuardOptions | string) {
  const { host: configuredHost, presentsToken } = typeof options === 'string' ? { host: options, presentsToken: () => false } : options;
  const allowed = new Set([...LOOPBACK_NAMES, ...allowedHostNames(configuredHost)]);
  const forbidden = (res: Response, detail: string) => res.status(403).json({ error: 'forbidden origin', detail });
  return (req: Request, res: Response, next: NextFunction): void => {
    const host = hostName((req.headers.host ?? '').toLowerCase());
    if (!allowed.has(host) && !isLoopback(host)) {
      res.status(403).json({ error: 'forbidden host', detail: `requests must name this server (${configuredHost}) in Host` });
      return;
    }
    const origin = req.headers.origin;
    if (origin?.startsWith('vscode-webview://')) {
      // A CORS preflight never carries headers of its own; the request it clears must.
      if (req.method === 'OPTIONS' || presentsToken(req)) {
        next();
        return;
      }
      forbidden(res, "requests from a VS Code webview must carry this profiler's token");
      return;
    }
    if (presentsToken(req)) {
      next();
      return;
    }
    const site = requestSite(req);
    if (!READ_METHODS.has(req.method) && site === 'foreign') {
      forbidden(res, "state changes are accepted only from this server's own pages");
      return;
    }
    if (site === 'foreign' && (req.path === '/api' || req.path.startsWith('/api/'))) {
      forbidden(res, "the API answers only this server's own pages (or requests that carry its token)");
      return;
    }
    next();
  };
}

/** The header the UI's own requests carry: a page of another site cannot send it without a CORS preflight, which fails. */
export const CLIENT_HEADER = 'x-memory-profiler';

/**
 * For GETs that pause or reach into the program (a stack, a local's referents): they need
 * `X-Memory-Profiler: 1` or a token, so a cross-site `<img>` or no-cors fetch cannot pause
 * the program even in a browser that sends no `Sec-Fetch-Site`.
 */
export function requireClientHeader(presentsToken: (req: Request) => boolean) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.headers[CLIENT_HEADER] === '1' || presentsToken(req)) {
      next();
      return;
    }
    res.status(403).json({ error: 'header required', detail: 'this request pauses or reads into the program: send "X-Memory-Profiler: 1" (the UI does) or the token' });
  };
}
