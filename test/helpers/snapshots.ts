/** Helpers for tests that need small real heap snapshots. */

/** Keeps the first `keep` nodes of a real snapshot and the edges among them: a small, valid, real-looking input. */
export function cutDown(text: string, keep: number): string {
  const s = JSON.parse(text);
  const F = s.snapshot.meta.node_fields.length;
  const EF = s.snapshot.meta.edge_fields.length;
  const ecOff = s.snapshot.meta.node_fields.indexOf('edge_count');
  const toOff = s.snapshot.meta.edge_fields.indexOf('to_node');
  const nodes: number[] = [];
  const edges: number[] = [];
  let e = 0;
  for (let o = 0; o < keep; o++) {
    const row = s.nodes.slice(o * F, o * F + F);
    const count = row[ecOff];
    let kept = 0;
    for (let k = 0; k < count; k++, e++) {
      const edge = s.edges.slice(e * EF, e * EF + EF);
      if (edge[toOff] / F < keep) {
        edges.push(...edge);
        kept++;
      }
    }
    row[ecOff] = kept;
    nodes.push(...row);
  }
  s.snapshot.node_count = keep;
  s.snapshot.edge_count = edges.length / EF;
  s.nodes = nodes;
  s.edges = edges;
  // keep only the strings the kept part uses, renumbered
  const remap = new Map<number, number>();
  const strings: string[] = [];
  const use = (i: number) => {
    let j = remap.get(i);
    if (j === undefined) {
      j = strings.length;
      strings.push(s.strings[i]);
      remap.set(i, j);
    }
    return j;
  };
  const nameOff = s.snapshot.meta.node_fields.indexOf('name');
  for (let o = 0; o < keep; o++) nodes[o * F + nameOff] = use(nodes[o * F + nameOff]);
  const typeE = s.snapshot.meta.edge_fields.indexOf('type');
  const nameE = s.snapshot.meta.edge_fields.indexOf('name_or_index');
  const edgeTypes: string[] = s.snapshot.meta.edge_types[typeE];
  for (let i = 0; i < edges.length; i += EF) {
    const t = edgeTypes[edges[i + typeE]];
    if (t !== 'element' && t !== 'hidden') edges[i + nameE] = use(edges[i + nameE]);
  }
  s.strings = strings;
  s.trace_function_infos = [];
  s.trace_tree = [];
  s.samples = [];
  s.locations = [];
  return JSON.stringify(s);
}
