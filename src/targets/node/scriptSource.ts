import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
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
  let file: FileHandle | undefined;
  try {
    // (what is opened is what is checked: a FIFO or device put there would not block the read)
    file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const info = await file.stat();
    if (!info.isFile() || info.size > MAX_SCRIPT_BYTES) return undefined;
    return await file.readFile('utf8');
  } catch {
    return undefined;
  } finally {
    await file?.close().catch(() => {});
  }
}
