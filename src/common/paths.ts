import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * A file of the built package (`dist/…`). Bundles live flat in `dist/`, so next to
 * `__dirname`; when running from source (tests under tsx) the package root's `dist/` is used.
 */
export function distPath(...parts: string[]): string {
  if (/[\\/]dist$/.test(__dirname)) return join(__dirname, ...parts);
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', ...parts);
}
