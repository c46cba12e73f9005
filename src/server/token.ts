/**
 * The access token that guards a profiler bound to anything but loopback, as Jupyter does: a
 * crypto-strong token is generated when none is given and printed in the URL
 * (`http://host:8090/?token=…`); every request must carry it, in a header
 * (`Authorization: Token …` or `X-Memory-Profiler-Token: …`), in the query (`?token=…`) or in the
 * cookie the server sets the first time a URL with the token is visited (HttpOnly,
 * SameSite=Strict, Path=/). Tokens are compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { isLoopback } from './security';

export const TOKEN_HEADER = 'x-memory-profiler-token';
/** Cookie names carry the server's port: cookies are shared by every port of a host, tokens are not. */
export const TOKEN_COOKIE = 'memory-profiler-token';

/** The name of the token cookie of the server that received `req`. */
export function cookieName(req: Pick<Request, 'socket'>): string {
  const port = req.socket?.localPort;
  return port ? `${TOKEN_COOKIE}-${port}` : TOKEN_COOKIE;
}
export const TOKEN_QUERY = 'token';

/** A new token: 24 random bytes, hex (48 characters), like Jupyter's. */
export function generateToken(): string {
  return randomBytes(24).toString('hex');
}

/**
 * The token a server bound to `host` requires: the given one; a generated one when the host is
 * not loopback and none was given; none for loopback without one. An empty or malformed token is
 * refused (it could not be passed in a URL or a header safely).
 */
export function resolveToken(host: string, token: string | undefined): string | undefined {
  if (token !== undefined) {
    if (!/^[\x21-\x7e]{8,256}$/.test(token) || /[;,"\\]/.test(token)) {
      throw new TypeError('the token must be 8 to 256 printable ASCII characters without spaces, quotes, backslashes, commas or semicolons');
    }
    return token;
  }
  const name = host.toLowerCase();
  return isLoopback(name.startsWith('[') || !name.includes(':') ? name : `[${name}]`) ? undefined : generateToken();
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Constant-time comparison: both sides are hashed to equal-length digests first, so neither the
 * contents nor the length of the expected token leaks through timing.
 */
export function tokensEqual(expected: string, given: string): boolean {
  return timingSafeEqual(digest(expected), digest(given));
}

/** The token a request carries, from the first place that has one: headers, query, cookie. */
export function tokenOf(req: Request): string | undefined {
  return presentedToken(req) ?? cookieToken(req.headers.cookie, cookieName(req));
}

/**
 * The token a request names itself, in a header or the query. Unlike the cookie, which the
 * browser adds to any page's request, it shows the sender was given the token.
 */
export function presentedToken(req: Request): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === 'string' && header) return header;
  return queryToken(req);
}

/** Whether a request presents (header or query) one of `tokens`. */
export function presentsOneOf(tokens: readonly string[]): (req: Request) => boolean {
  return (req) => {
    const given = presentedToken(req);
    return given !== undefined && tokens.some((t) => tokensEqual(t, given));
  };
}

function queryToken(req: Request): string | undefined {
  const raw = req.originalUrl ?? req.url;
  const q = raw.indexOf('?');
  if (q < 0) return undefined;
  const value = new URLSearchParams(raw.slice(q + 1)).get(TOKEN_QUERY);
  return value ?? undefined;
}

function cookieToken(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Adds `?token=…` to a URL when there is a token. */
export function urlWithToken(url: string, token: string | undefined): string {
  if (!token) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${TOKEN_QUERY}=${encodeURIComponent(token)}`;
}

/**
 * Express middleware: refuses every request without the right token (401 when none is given,
 * 403 when a wrong one is), and sets the cookie when a page is visited with `?token=`, so the
 * page's own requests (assets, API, events) carry it.
 */
export function tokenCheck(token: string, alsoAccepted: readonly string[] = []) {
  const accepted = [token, ...alsoAccepted];
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = tokenOf(req);
    if (given === undefined) {
      res.status(401).setHeader('WWW-Authenticate', 'Token');
      res.json({
        error: 'token required',
        detail: 'this profiler requires its access token: open the URL it printed (with ?token=…), or send the token in an "Authorization: Token …" header',
      });
      return;
    }
    if (!accepted.some((t) => tokensEqual(t, given))) {
      res.status(403).json({ error: 'wrong token', detail: 'the token does not match the one this profiler printed' });
      return;
    }
    const query = queryToken(req);
    if (query !== undefined && accepted.some((t) => tokensEqual(t, query))) {
      const name = cookieName(req);
      const had = cookieToken(req.headers.cookie, name);
      if (had === undefined || !tokensEqual(query, had)) res.append('Set-Cookie', `${name}=${encodeURIComponent(query)}; HttpOnly; SameSite=Strict; Path=/`);
    }
    next();
  };
}
