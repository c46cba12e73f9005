import { readFile, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Larger scripts are not read (bundles: a parse of tens of megabytes for one line). */
const MAX_SCRIPT_BYTES = 8 << 20;

/**
 * The text of a script of a program on this machine, by the name V8 gives it (an absolute path,
 * or a file URL for ES modules); undefined for anything else (`node:` modules, eval'd code) or
 * a file that cannot be read. What is on disk may have changed since the program loaded it:
 * whoever uses it checks that the positions still fit.
 */
export async function readLocalScript(scriptName: string): Promise<string | undefined> {
  let path = scriptName;
  if (scriptName.startsWith('file:')) {
    try {
      path = fileURLToPath(scriptName);
    } catch {
      return undefined;
    }
  } else if (!isAbsolute(scriptName)) return undefined;
  try {
    const info = await stat(path);
    if (!info.isFile() || info.size > MAX_SCRIPT_BYTES) return undefined;
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}
