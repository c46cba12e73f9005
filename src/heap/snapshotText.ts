/**
 * Small helpers shared by every scanner of the snapshot text (the parser's sections and the edge
 * scanner of `edgeScan.ts`, which also runs in the parse worker): the largest value a `Uint32Array`
 * field holds, how an unexpected byte is named in error messages, and the exact value of a long
 * run of digits (the whole-row loops accumulate up to 9 digits as int32).
 */

export const MAX_U32 = 4294967295;

/** An unexpected byte as error messages show it: `"x"` when printable, else `byte 0x..`. */
export function describe(c: number): string {
  if (c >= 33 && c < 127) return `"${String.fromCharCode(c)}"`;
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}

/** The value of the decimal digits `buf[from … to)`, exactly (as a double). */
export function digitsValue(buf: Uint8Array, from: number, to: number): number {
  let v = 0;
  for (let k = from; k < to; k++) v = v * 10 + (buf[k] - 48);
  return v;
}
