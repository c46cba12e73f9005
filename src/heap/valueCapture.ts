/**
 * One JSON value of the top-level object taken whole, byte by byte across chunks: the `snapshot`
 * header (kept, then `JSON.parse`d by `snapshotHeader.ts`) and the values of unknown keys
 * (skipped). Only finds where the value ends; checking its contents is left to `JSON.parse`.
 */
import { HeapSnapshotError } from './errors';

/** Largest `snapshot` header accepted. */
export const MAX_HEADER_BYTES = 16 << 20;

export class ValueCapture {
  /** true once the value has ended (the stop returned by `scan` is just after it) */
  done = false;
  private parts: Buffer[] | null;
  private len = 0;
  private depth = 0;
  private started = false;
  private inString = false;
  private escape = false;

  /** `key`: the value's key (for error messages); `keep`: keep its text (else skip it). */
  constructor(
    private readonly key: string,
    keep: boolean,
  ) {
    this.parts = keep ? [] : null;
  }

  /**
   * Scans `buf` from `start`; `base` is the input offset of `buf[0]` (for error offsets). Returns
   * where it stopped: `buf.length`, or the end of the value (then `done`): after its closing
   * bracket or quote, or at the "," or "}" that ends a bare value.
   */
  scan(buf: Buffer, start: number, base: number): number {
    const len = buf.length;
    let i = start;
    let done = false;
    let consumeLast = true;
    for (; i < len; i++) {
      const c = buf[i];
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 92) this.escape = true;
        else if (c === 34) {
          this.inString = false;
          if (this.depth === 0) {
            done = true;
            break;
          }
        }
        continue;
      }
      if (c === 34) {
        this.inString = true;
        this.started = true;
      } else if (c === 123 || c === 91) {
        this.depth++;
        this.started = true;
      } else if (c === 125 || c === 93) {
        if (this.depth === 0) {
          if (!this.started) throw new HeapSnapshotError(`missing value for "${this.key}"`, base + i);
          done = true;
          consumeLast = false;
          break;
        }
        this.depth--;
        if (this.depth === 0) {
          done = true;
          break;
        }
      } else if (c === 44 && this.depth === 0) {
        if (!this.started) throw new HeapSnapshotError(`missing value for "${this.key}"`, base + i);
        done = true;
        consumeLast = false;
        break;
      } else if (c !== 32 && c !== 10 && c !== 13 && c !== 9) {
        this.started = true;
      }
    }
    const stop = done ? (consumeLast ? i + 1 : i) : len;
    if (this.parts) {
      this.len += stop - start;
      if (this.len > MAX_HEADER_BYTES) throw new HeapSnapshotError(`"${this.key}" is larger than ${MAX_HEADER_BYTES} bytes`, base + i);
      this.parts.push(Buffer.from(buf.subarray(start, stop)));
    }
    this.done = done;
    return stop;
  }

  /** The value's text once `done`; null when it was skipped. */
  text(): string | null {
    const parts = this.parts;
    this.parts = null;
    return parts ? Buffer.concat(parts).toString('utf8') : null;
  }
}
