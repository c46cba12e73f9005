/**
 * Streaming parser for V8's `.heapsnapshot` JSON. Bytes are consumed as they arrive (file reads
 * or the string chunks of `HeapProfiler.addHeapSnapshotChunk`) and the long number arrays are
 * scanned digit by digit straight into typed arrays; only the small `snapshot` header and
 * individual strings go through `JSON.parse`. The text is never held whole.
 *
 * Field layouts come from `snapshot.meta`. Storage is one typed array per field (structure of
 * arrays): node types and edge types as bytes, edges' `to_node` as node ordinals.
 *
 * This module is the parser's public face; the work is split by section:
 * - `snapshotParser.ts`: `HeapSnapshotParser`, the top-level object and the graph at the end;
 * - `valueCapture.ts`, `snapshotHeader.ts`: the `snapshot` header, read and validated;
 * - `nodeScan.ts`: the `nodes` array; `edgeScan.ts`: the `edges` array (also in the parse worker);
 * - `stringTable.ts`: the `strings` array; `traceSections.ts`: the allocation-tracking sections;
 * - `parseFile.ts`: file reads and the parse worker (`parseWorker.ts`) for the edges.
 */
import type { HeapGraph } from './graph';
import { HeapSnapshotParser } from './snapshotParser';

export { HeapSnapshotParser, type HeapSnapshotParserOptions } from './snapshotParser';
export { parseHeapSnapshotFile, parallelEdgeStats, PARALLEL_MIN_BYTES, type ParseFileOptions } from './parseFile';

/** Parses a whole snapshot held in memory (tests, small inputs). */
export function parseHeapSnapshot(input: Uint8Array | string): HeapGraph {
  const parser = new HeapSnapshotParser({ totalBytes: typeof input === 'string' ? undefined : input.byteLength });
  parser.write(input);
  return parser.end();
}
