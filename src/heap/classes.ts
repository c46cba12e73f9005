/**
 * Class ids of the nodes, DevTools' summary groups: objects (and native objects) by constructor
 * name, everything else by type (`(closure)`, `(array)`, `(string)`…). A function of the node
 * arrays and the string table alone, so a file's parse can compute it while the parse worker
 * finishes the edges (see `parseFile.ts`), and the analyses otherwise (`assignClasses`).
 */
import { HeapGraph, type SnapshotMeta } from './graph';
import type { SnapshotStrings } from './stringTable';

/** What the class ids are computed from. */
export interface NodeClassInput {
  nodeCount: number;
  nodeType: Uint8Array;
  nodeName: Uint32Array;
  nodeSelfSize: Uint32Array | Float64Array;
  strings: SnapshotStrings;
  meta: SnapshotMeta;
}

/** Class id per node, the class names, and per class the instance count and self size. */
export interface NodeClasses {
  classOf: Uint32Array;
  names: string[];
  count: number[];
  self: number[];
}

/**
 * Fills `classOf` (nodeCount entries). `spare`, when given, is scratch space of at least the
 * string count (class id by name string, so each name is decoded once).
 */
export function computeClasses(d: NodeClassInput, classOf: Uint32Array, spare: Uint32Array | null = null): NodeClasses {
  const { nodeCount: n, nodeType, nodeName, nodeSelfSize: sizes, strings, meta } = d;
  const nodeObject = meta.nodeTypes.indexOf('object');
  const nodeNative = meta.nodeTypes.indexOf('native');
  const names: string[] = [];
  // per class: count and self size, summed in the same pass (for the summary)
  const count: number[] = [];
  const self: number[] = [];
  const byName = new Map<string, number>();
  const idOf = (name: string) => {
    let id = byName.get(name);
    if (id === undefined) {
      id = names.length;
      names.push(name);
      count.push(0);
      self.push(0);
      byName.set(name, id);
    }
    return id;
  };
  const typeClass = meta.nodeTypes.map((t) => idOf(HeapGraph.typeClassName(t)));
  // class id by name string, -1 = not seen yet
  const ns = strings.length;
  const stringClass = spare && spare.length >= ns ? new Int32Array(spare.buffer, spare.byteOffset, ns) : new Int32Array(ns);
  stringClass.fill(-1);
  for (let o = 0; o < n; o++) {
    const t = nodeType[o];
    let c: number;
    if (t === nodeObject || t === nodeNative) {
      const s = nodeName[o];
      c = stringClass[s];
      if (c < 0) c = stringClass[s] = idOf(strings.get(s)!);
    } else {
      c = typeClass[t];
    }
    classOf[o] = c;
    count[c]++;
    self[c] += sizes[o];
  }
  return { classOf, names, count, self };
}
