import type { NextFunction, Request, Response, Router } from 'express';
import type { ApiAnswer, ApiPath, ApiRouteKey, PathParams } from '../model';

export type RouteRequest<K extends ApiRouteKey> = Request<PathParams<ApiPath<K>>>;
/** The response of a route: `res.json` takes only the answer the route table gives it. */
export type RouteResponse<K extends ApiRouteKey> = Response<ApiAnswer<K>>;
export type RouteHandler<K extends ApiRouteKey> = (req: RouteRequest<K>, res: RouteResponse<K>, next: NextFunction) => unknown;

/**
 * Registers a handler for a route of the table in src/model/api.ts on a router mounted at
 * `mount` (e.g. `/api/heap`): the key gives the method and the path, and types the request's
 * path parameters and the answer.
 */
export function route<K extends ApiRouteKey>(router: Router, mount: string, key: K, handler: RouteHandler<K>): void {
  const space = key.indexOf(' ');
  const method = key.slice(0, space).toLowerCase() as 'get' | 'post' | 'delete';
  const path = key.slice(space + 1);
  if (!path.startsWith(mount)) throw new Error(`${key} is not under ${mount}`);
  router[method](path.slice(mount.length) || '/', handler as unknown as (req: Request, res: Response, next: NextFunction) => unknown);
}
