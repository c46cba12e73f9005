/** The heap snapshot engine: streaming parser, graph analyses, worker client. Knows nothing of CDP or HTTP. */
export { HeapSnapshotError, isHeapSnapshotError } from './errors';
export { HeapSnapshotParser, parseHeapSnapshot, parseHeapSnapshotFile, type HeapSnapshotParserOptions, type ParseFileOptions } from './parser';
export { SnapshotStrings } from './stringTable';
export { HeapGraph, type HeapGraphData, type SnapshotMeta, type TraceTree } from './graph';
export { analyse, releaseScratch, computeDominators, assignClasses, classSummary, type ProgressFn } from './analysis';
export { analyseForQueries, buildRetainers, computeDistances } from './queryIndexes';
export { diffSnapshots, componentsOf, retainersOf, retainerGraph, allocationStack, type RetainerOptions } from './queries';
export { HeapWorkerClient, type OpenedSnapshot, type HeapSnapshotStream, type SnapshotHandle, type HeapObjectDetails } from './client';
