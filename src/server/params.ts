import type { Request } from 'express';
import { HttpError } from './httpError';

/** A non-negative integer query or path parameter, or the fallback when absent. */
export function integer(req: Request, value: unknown, name: string, fallback?: number): number {
  if (value === undefined || value === '') {
    if (fallback === undefined) throw new HttpError(400, `missing ${name}`, `${req.method} ${req.path} needs ${name}`);
    return fallback;
  }
  const text = String(value);
  if (!/^\d{1,15}$/.test(text)) throw new HttpError(400, `bad ${name}`, `${name} must be a non-negative integer, not "${text.slice(0, 40)}"`);
  return Number(text);
}
