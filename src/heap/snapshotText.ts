/**
 * Small helpers shared by every scanner of the snapshot text (the parser's sections and the edge
 * scanner of `edgeScan.ts`, which also runs in the parse worker): the largest value a `Uint32Array`
 * field holds, and how an unexpected byte is named in error messages.
 */

export const MAX_U32 = 4294967295;

/** An unexpected byte as error messages show it: `"x"` when printable, else `byte 0x..`. */
export function describe(c: number): string {
  if (c >= 33 && c < 127) return `"${String.fromCharCode(c)}"`;
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}
