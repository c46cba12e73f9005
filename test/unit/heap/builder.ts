/** Builds small heap snapshots by hand, in V8's JSON format, for exact tests of the analyses. */
export const NODE_TYPES = [
  'hidden',
  'array',
  'string',
  'object',
  'code',
  'closure',
  'regexp',
  'number',
  'native',
  'synthetic',
  'concatenated string',
  'sliced string',
  'symbol',
  'bigint',
  'object shape',
];
export const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];

interface BNode {
  type: string;
  name: string;
  id: number;
  size: number;
  edges: Array<{ type: string; name: string | number; to: number }>;
}

export class SnapshotBuilder {
  readonly nodes: BNode[] = [];
  private nextId = 1;

  /** Adds a node; the first node added is the root. Returns its ordinal. */
  node(type: string, name: string, size: number, id?: number): number {
    this.nodes.push({ type, name, id: id ?? this.nextId, size, edges: [] });
    this.nextId = Math.max(this.nextId, (id ?? this.nextId) + 2);
    return this.nodes.length - 1;
  }

  /** An edge `from → to`; `name` is a property name or an element index. */
  edge(from: number, to: number, type = 'property', name: string | number = `e${to}`): this {
    this.nodes[from].edges.push({ type, name, to });
    return this;
  }

  /** Shorthand: an object node with a name and size. */
  obj(name: string, size: number, id?: number): number {
    return this.node('object', name, size, id);
  }

  toJSON(overrides: { nodeCount?: number; edgeCount?: number } = {}): string {
    const strings: string[] = [''];
    const str = (s: string) => {
      let i = strings.indexOf(s);
      if (i < 0) {
        i = strings.length;
        strings.push(s);
      }
      return i;
    };
    const nodes: number[] = [];
    const edges: number[] = [];
    let edgeCount = 0;
    for (const n of this.nodes) {
      nodes.push(NODE_TYPES.indexOf(n.type), str(n.name), n.id, n.size, n.edges.length, 0, 0);
      for (const e of n.edges) {
        const t = EDGE_TYPES.indexOf(e.type);
        edges.push(t, e.type === 'element' || e.type === 'hidden' ? Number(e.name) : str(String(e.name)), e.to * 7);
        edgeCount++;
      }
    }
    const snapshot = {
      meta: {
        node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
        node_types: [NODE_TYPES, 'string', 'number', 'number', 'number', 'number', 'number'],
        edge_fields: ['type', 'name_or_index', 'to_node'],
        edge_types: [EDGE_TYPES, 'string_or_number', 'node'],
        trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
        trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
        sample_fields: ['timestamp_us', 'last_assigned_id'],
        location_fields: ['object_index', 'script_id', 'line', 'column'],
      },
      node_count: overrides.nodeCount ?? this.nodes.length,
      edge_count: overrides.edgeCount ?? edgeCount,
      trace_function_count: 0,
    };
    return `{"snapshot":${JSON.stringify(snapshot)},\n"nodes":[${nodes.join(',')}],\n"edges":[${edges.join(',')}],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n"locations":[],\n"strings":[${strings.map((s) => JSON.stringify(s)).join(',\n')}]}\n`;
  }
}
