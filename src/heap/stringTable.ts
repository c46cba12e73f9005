/**
 * The scanner of the `strings` array (the string table that names and edge names index): each
 * string is decoded straight from the bytes (latin1 when ASCII, UTF-8 otherwise); only strings
 * with escapes go through `JSON.parse`. A string cut by a chunk boundary is joined first.
 */
import { HeapSnapshotError } from './errors';
import { describe } from './snapshotText';

/** Incremental scan of the strings array (after its "["); `done` once its "]" is consumed. */
export class StringTableScanner {
  readonly strings: string[] = [];
  done = false;
  private inside = false;
  private parts: Buffer[] = [];
  private backslashes = 0;
  private hasEscape = false;

  /**
   * Scans `buf` from `start`; `base` is the input offset of `buf[0]` (for error offsets).
   * Returns where it stopped: `buf.length`, or just after the closing "]" (then `done`).
   */
  scan(buf: Buffer, start: number, base: number): number {
    const len = buf.length;
    let i = start;
    while (i < len) {
      if (this.inside) {
        // scan to the closing quote, noting escapes and non-ASCII bytes
        let esc = this.hasEscape;
        let wide = false;
        let q = i;
        let pendingEscape = this.backslashes & 1; // an escape cut by the chunk boundary
        for (; q < len; q++) {
          const c = buf[q];
          if (pendingEscape) {
            pendingEscape = 0;
            continue;
          }
          if (c === 34) break;
          if (c === 92) {
            esc = true;
            pendingEscape = 1;
          } else if (c >= 128) wide = true;
        }
        if (q === len) {
          // the string continues in the next chunk
          this.hasEscape = esc;
          this.backslashes = pendingEscape;
          this.parts.push(Buffer.from(buf.subarray(i, len)));
          return len;
        }
        let s: string;
        if (this.parts.length) {
          this.parts.push(buf.subarray(i, q));
          s = Buffer.concat(this.parts).toString('utf8');
          this.parts = [];
        } else {
          s = wide ? buf.toString('utf8', i, q) : buf.toString('latin1', i, q);
        }
        if (esc) {
          try {
            s = JSON.parse('"' + s + '"') as string;
          } catch {
            throw new HeapSnapshotError(`string ${this.strings.length} is not a valid JSON string`, base + q);
          }
        }
        this.strings.push(s);
        this.inside = false;
        this.hasEscape = false;
        this.backslashes = 0;
        i = q + 1;
        continue;
      }
      const c = buf[i];
      if (c === 34) {
        this.inside = true;
        this.hasEscape = false;
        this.backslashes = 0;
        i++;
        continue;
      }
      if (c === 44 || c === 32 || c === 10 || c === 13 || c === 9) {
        i++;
        continue;
      }
      if (c === 93) {
        this.done = true;
        return i + 1;
      }
      throw new HeapSnapshotError(`unexpected ${describe(c)} in the strings array`, base + i);
    }
    return i;
  }
}
