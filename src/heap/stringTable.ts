/**
 * The `strings` array (the string table that names and edge names index). A snapshot holds
 * hundreds of thousands of strings, of which the summary reads a few thousand (class names):
 * making a JS string of each at parse time cost more than the numbers of all nodes (creation,
 * then young-generation copies of strings that all survive) and twice their memory. So the
 * scanner copies each string's JSON text into one byte store and `SnapshotStrings` decodes a
 * string when it is asked for. Escapes are checked at parse time, so decoding cannot fail.
 */
import { HeapSnapshotError } from './errors';
import { describe } from './snapshotText';

const PLAIN = 0; // ASCII, no escapes: latin1 decode
const WIDE = 1; // non-ASCII bytes (UTF-8), no escapes
const ESCAPED = 2; // has escapes: JSON.parse of the text

/** The string table of a snapshot, decoded on demand (`get`); `length` strings. */
export class SnapshotStrings {
  /**
   * `bytes` holds the strings' JSON text (without quotes) back to back: string `i` is
   * `bytes[starts[i] … starts[i + 1]]`, decoded as `kinds[i]` says.
   */
  constructor(
    private readonly bytes: Buffer,
    private readonly starts: Uint32Array,
    private readonly kinds: Uint8Array,
    readonly length: number,
  ) {}

  /** String `i`, or `undefined` outside the table (like an array). */
  get(i: number): string | undefined {
    if (!(i >= 0 && i < this.length)) return undefined;
    const a = this.starts[i];
    const b = this.starts[i + 1];
    const k = this.kinds[i];
    if (k === PLAIN) return this.bytes.toString('latin1', a, b);
    const s = this.bytes.toString('utf8', a, b);
    return k === WIDE ? s : (JSON.parse('"' + s + '"') as string);
  }

  /** Every string (tests, small tables). */
  toArray(): string[] {
    return Array.from({ length: this.length }, (_, i) => this.get(i)!);
  }

  /** A table of the given strings. */
  static of(list: readonly string[]): SnapshotStrings {
    const texts = list.map((s) => Buffer.from(JSON.stringify(s).slice(1, -1), 'utf8'));
    const starts = new Uint32Array(list.length + 1);
    const kinds = new Uint8Array(list.length);
    texts.forEach((t, i) => {
      starts[i + 1] = starts[i] + t.length;
      kinds[i] = t.includes(92) ? ESCAPED : t.some((c) => c >= 128) ? WIDE : PLAIN;
    });
    return new SnapshotStrings(Buffer.concat(texts), starts, kinds, list.length);
  }
}

/** Incremental scan of the strings array (after its "["); `done` once its "]" is consumed. */
export class StringTableScanner {
  done = false;
  private count = 0;
  private bytes: Buffer;
  private used = 0;
  private starts = new Uint32Array(1024);
  private kinds = new Uint8Array(1024);
  private inside = false;
  private pendingEscape = 0;
  private kind = PLAIN;

  /** `expectBytes`: a guess of the array's size (the rest of a file), to allocate the store once. */
  constructor(expectBytes = 1 << 20) {
    this.bytes = Buffer.allocUnsafeSlow(Math.max(1024, Math.min(expectBytes, 0x7fffffff)));
  }

  /** The table, once `done`. */
  result(): SnapshotStrings {
    const n = this.count;
    let bytes = this.bytes;
    // give back a store much larger than its text (a guess from a stream's size)
    if (bytes.length - this.used > (this.used >>> 3) + 4096) bytes = Buffer.from(bytes.subarray(0, this.used));
    const starts = this.starts.length === n + 1 ? this.starts : this.starts.slice(0, n + 1);
    return new SnapshotStrings(bytes, starts, this.kinds.subarray(0, n), n);
  }

  private room(need: number, at: number): void {
    let size = this.bytes.length;
    if (this.used + need <= size) return;
    if (this.used + need > 0xffffffff) throw new HeapSnapshotError('the strings array holds more than 4 GiB of text', at);
    while (size < this.used + need) size *= 2;
    const b = Buffer.allocUnsafeSlow(Math.min(size, 0xffffffff));
    this.bytes.copy(b, 0, 0, this.used);
    this.bytes = b;
  }

  private open(): void {
    const c = this.count;
    if (c + 1 >= this.starts.length) this.grow();
    this.starts[c] = this.used;
    this.inside = true;
    this.pendingEscape = 0;
    this.kind = PLAIN;
  }

  /** Closes the current string at the input offset `at` (of its closing quote). */
  private close(at: number): void {
    const c = this.count;
    this.kinds[c] = this.kind;
    this.starts[c + 1] = this.used;
    if (this.kind === ESCAPED) {
      try {
        JSON.parse('"' + this.bytes.toString('utf8', this.starts[c], this.used) + '"');
      } catch {
        throw new HeapSnapshotError(`string ${c} is not a valid JSON string`, at);
      }
    }
    this.count = c + 1;
    this.inside = false;
  }

  /**
   * Scans `buf` from `start`; `base` is the input offset of `buf[0]` (for error offsets).
   * Returns where it stopped: `buf.length`, or just after the closing "]" (then `done`).
   */
  scan(buf: Buffer, start: number, base: number): number {
    const len = buf.length;
    let i = start;
    if (this.inside) i = this.scanSlow(buf, i, base, true);
    while (i < len && !this.done) {
      i = this.scanUsual(buf, i, base);
      if (i < len) i = this.scanSlow(buf, i, base, false);
    }
    return i;
  }

  /**
   * The usual strings (no escape, not cut by the chunk's end) and their separators, in a loop of
   * locals; stops before anything else (which `scanSlow` takes, one string at a time).
   */
  private scanUsual(buf: Buffer, start: number, base: number): number {
    const len = buf.length;
    let i = start;
    this.room(len - i, base + i);
    const out = this.bytes;
    let w = this.used;
    let count = this.count;
    let starts = this.starts;
    let kinds = this.kinds;
    while (i < len) {
      const c = buf[i];
      if (c === 44 || c === 10 || c === 32 || c === 13 || c === 9) {
        i++;
        continue;
      }
      if (c !== 34) break; // "]" or an error: scanSlow
      if (count + 1 >= starts.length) {
        this.count = count;
        this.grow();
        starts = this.starts;
        kinds = this.kinds;
      }
      starts[count] = w;
      let bits = 0;
      let q = i + 1;
      for (; q < len; q++) {
        const b = buf[q];
        if (b === 34 || b === 92) break;
        bits |= b;
        out[w++] = b;
      }
      if (q === len || buf[q] === 92) {
        // cut by the chunk's end, or escaped: start this string over in scanSlow
        w = starts[count];
        break;
      }
      kinds[count] = bits & 0x80 ? WIDE : PLAIN;
      starts[++count] = w;
      i = q + 1;
    }
    this.used = w;
    this.count = count;
    return i;
  }

  private grow(): void {
    const s = new Uint32Array(this.starts.length * 2);
    s.set(this.starts);
    this.starts = s;
    const k = new Uint8Array(this.kinds.length * 2);
    k.set(this.kinds);
    this.kinds = k;
  }

  /**
   * The general scan, byte by byte: separators, one string (also one cut by the chunk's end, or
   * escaped), the closing "]" or an error. `resume`: inside a string begun in an earlier chunk.
   * Returns where it stopped (`buf.length` once inside a string that goes on in the next chunk).
   */
  private scanSlow(buf: Buffer, start: number, base: number, resume: boolean): number {
    const len = buf.length;
    let i = start;
    while (i < len) {
      if (this.inside) {
        // copy up to the closing quote, noting escapes and non-ASCII bytes
        this.room(len - i, base + i);
        const out = this.bytes;
        let w = this.used;
        let kind = this.kind;
        let pendingEscape = this.pendingEscape; // an escape cut by the chunk boundary
        let q = i;
        for (; q < len; q++) {
          const c = buf[q];
          if (pendingEscape) pendingEscape = 0;
          else if (c === 34) break;
          else if (c === 92) {
            kind = ESCAPED;
            pendingEscape = 1;
          } else if (c >= 128 && kind === PLAIN) kind = WIDE;
          out[w++] = c;
        }
        this.used = w;
        this.kind = kind;
        this.pendingEscape = pendingEscape;
        if (q === len) return len; // the string continues in the next chunk
        this.close(base + q);
        return q + 1;
      }
      if (resume) return i;
      const c = buf[i];
      if (c === 34) {
        this.open();
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
