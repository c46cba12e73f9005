/**
 * The `snapshot` header: its JSON text is parsed and validated into the `SnapshotMeta` (field
 * layouts and type names), the announced node and edge counts, the root, and the role of each
 * node and edge field for the scanners.
 */
import { EdgeRole } from './edgeScan';
import { HeapSnapshotError } from './errors';
import type { SnapshotMeta } from './graph';

/** What each node field holds, for the node scanner (`nodeScan.ts`). */
export const enum NodeRole {
  Ignore,
  Type,
  Name,
  Id,
  SelfSize,
  EdgeCount,
  TraceId,
  Detachedness,
}

export interface SnapshotHeader {
  meta: SnapshotMeta;
  /** snapshot.node_count */
  nodeCount: number;
  /** snapshot.edge_count */
  edgeCount: number;
  /** the root's node ordinal (0 when not given) */
  rootIndex: number;
  /** `NodeRole` per node field */
  nodeRoles: Uint8Array;
  /** `EdgeRole` per edge field */
  edgeRoles: Uint8Array;
}

/** Parses and checks the header's text; any problem is a `HeapSnapshotError` at offset `at`. */
export function readSnapshotHeader(text: string, at: number): SnapshotHeader {
  let h: unknown;
  try {
    h = JSON.parse(text);
  } catch (e) {
    throw new HeapSnapshotError(`the "snapshot" header is not valid JSON (${(e as Error).message})`, at);
  }
  const bad = (m: string): never => {
    throw new HeapSnapshotError(`bad "snapshot" header: ${m}`, at);
  };
  if (typeof h !== 'object' || h === null) bad('not an object');
  const hh = h as Record<string, unknown>;
  const m = hh.meta as Record<string, unknown> | undefined;
  if (typeof m !== 'object' || m === null) bad('no "meta"');
  const strList = (k: string, required: boolean): string[] => {
    const v = m![k];
    if (v === undefined && !required) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) bad(`meta.${k} is not a list of strings`);
    return v as string[];
  };
  const nodeFields = strList('node_fields', true);
  const edgeFields = strList('edge_fields', true);
  const typeList = (k: string, fields: string[]): string[] => {
    const v = m![k];
    const ti = fields.indexOf('type');
    if (!Array.isArray(v) || !Array.isArray(v[ti]) || !(v[ti] as unknown[]).every((x) => typeof x === 'string')) bad(`meta.${k}[${ti}] is not the list of type names`);
    const list = (v as unknown[][])[ti] as string[];
    if (list.length === 0 || list.length > 255) bad(`meta.${k} has ${list.length} type names`);
    return list;
  };
  for (const f of ['type', 'name', 'id', 'self_size', 'edge_count']) if (!nodeFields.includes(f)) bad(`meta.node_fields lacks "${f}"`);
  for (const f of ['type', 'name_or_index', 'to_node']) if (!edgeFields.includes(f)) bad(`meta.edge_fields lacks "${f}"`);
  if (new Set(nodeFields).size !== nodeFields.length || new Set(edgeFields).size !== edgeFields.length) bad('repeated field names');
  const count = (k: string, required: boolean): number => {
    const v = hh[k];
    if (v === undefined && !required) return 0;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) bad(`"${k}" is not a count`);
    return v as number;
  };
  const meta: SnapshotMeta = {
    nodeFields,
    nodeTypes: typeList('node_types', nodeFields),
    edgeFields,
    edgeTypes: typeList('edge_types', edgeFields),
    traceFunctionInfoFields: strList('trace_function_info_fields', false),
    traceNodeFields: strList('trace_node_fields', false),
    sampleFields: strList('sample_fields', false),
    locationFields: strList('location_fields', false),
  };
  const nodeCount = count('node_count', true);
  const edgeCount = count('edge_count', true);
  let rootIndex = 0;
  if (hh.root_index !== undefined) {
    const r = count('root_index', false);
    if (r % nodeFields.length !== 0) bad('root_index is not at the start of a node');
    rootIndex = r / nodeFields.length;
  }
  const roles: Record<string, number> = {
    type: NodeRole.Type,
    name: NodeRole.Name,
    id: NodeRole.Id,
    self_size: NodeRole.SelfSize,
    edge_count: NodeRole.EdgeCount,
    trace_node_id: NodeRole.TraceId,
    detachedness: NodeRole.Detachedness,
  };
  const nodeRoles = Uint8Array.from(nodeFields, (f) => roles[f] ?? NodeRole.Ignore);
  const eroles: Record<string, number> = { type: EdgeRole.Type, name_or_index: EdgeRole.Name, to_node: EdgeRole.ToNode };
  const edgeRoles = Uint8Array.from(edgeFields, (f) => eroles[f] ?? EdgeRole.Ignore);
  return { meta, nodeCount, edgeCount, rootIndex, nodeRoles, edgeRoles };
}
