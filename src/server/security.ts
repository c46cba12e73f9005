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

/**
 * Rejects requests whose `Host` names anything but loopback or the configured host (this is
 * what stops DNS rebinding), and state-changing requests from another origin. VS Code webviews
 * have a `vscode-webview://` origin and are allowed.
 */
export function hostAndOriginCheck(configuredHost: string) {
  const allowed = new Set([...LOOPBACK_NAMES, ...allowedHostNames(configuredHost)]);
  return (req: Request, res: Response, next: NextFunction): void => {
    const host = hostName((req.headers.host ?? '').toLowerCase());
    if (!allowed.has(host) && !isLoopback(host)) {
      res.status(403).json({ error: 'forbidden host', detail: `requests must name this server (${configuredHost}) in Host` });
      return;
    }
    if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method)) {
      const origin = req.headers.origin;
      if (origin && !origin.startsWith('vscode-webview://')) {
        const originHost = hostName(origin.toLowerCase());
        if (originHost !== host) {
          res.status(403).json({ error: 'forbidden origin', detail: `state changes are accepted only from this server's own pages` });
          return;
        }
      }
    }
    next();
  };
}
