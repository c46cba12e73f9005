/**
 * Who made an object of a Node heap snapshot, as far as the snapshot tells:
 * - `node`: Node itself. A closure defined in one of Node's own scripts (`node:internal/timers`…),
 *   an instance of a class defined there (`TimersList`, `Socket`, `Timeout`) or of one of Node's
 *   C++ bindings (`HTTPParser`, `TCP`, `ShutdownWrap`: API classes whose prototype chain holds
 *   `AsyncWrap`);
 * - `program`: a closure of another script, an instance of a class defined in one;
 * - `unknown`: plain objects, arrays, Maps, strings… (built-in constructors say nothing).
 * A closure's script is `closure → shared → script_or_debug_info`, a `code` node named after the
 * script (a bound function's is its target's); an object's class is `object → __proto__ → constructor`.
 *
 * Also: the objects only the code running while the snapshot was taken held (its stack and
 * handle scopes). In a program at rest that code is the profiler's own `writeHeapSnapshot` call
 * (its closure, expression, path string, Node's options array): not the program's objects.
 */
import type { HeapGraph } from './graph';

export type Origin = 'node' | 'program' | 'unknown';

/** How far up a prototype chain `AsyncWrap` is looked for. */
const MAX_PROTO_DEPTH = 8;

/** Root groups whose references last only while the code that made them runs (and V8's string table, which holds no string alive). */
const TRANSIENT_ROOTS = new Set(['(Stack roots)', '(Handle scope)', '(Internalized strings)']);

export class Origins {
  private readonly nameIndex = new Map<string, number>();
  private readonly scripts = new Map<number, Origin | 'api'>();
  private readonly classes = new Map<number, Origin>();
  private readonly asyncWrap = new Map<number, boolean>();

  constructor(private readonly g: HeapGraph) {}

  /** Where `o` comes from (see the file's comment). */
  of(o: number): Origin {
    const g = this.g;
    const t = g.nodeType[o];
    if (t === g.codes.nodeClosure) {
      const s = this.scriptOf(o);
      return s === 'api' ? 'unknown' : s;
    }
    if (t === g.codes.nodeNative) return g.name(o).startsWith('Node / ') ? 'node' : 'unknown';
    if (t !== g.codes.nodeObject) return 'unknown';
    const proto = this.edge(o, '__proto__');
    if (proto < 0) return 'unknown';
    let origin = this.classes.get(proto);
    if (origin === undefined) {
      origin = 'unknown';
      const ctor = this.edge(proto, 'constructor');
      if (ctor >= 0 && g.nodeType[ctor] === g.codes.nodeClosure) {
        const s = this.scriptOf(ctor);
        origin = s !== 'api' ? s : this.hasAsyncWrap(proto, 0) ? 'node' : 'unknown';
      }
      this.classes.set(proto, origin);
    }
    return origin;
  }

  /** The script a closure was defined in: Node's, the program's, unknown (eval, built-ins), or `api` (a C++ FunctionTemplate). */
  private scriptOf(c: number, depth = 0): Origin | 'api' {
    const g = this.g;
    const shared = this.edge(c, 'shared');
    if (shared < 0) {
      // a bound function: the function it binds
      const target = depth < MAX_PROTO_DEPTH ? this.edge(c, 'bound_function') : -1;
      return target >= 0 && g.nodeType[target] === g.codes.nodeClosure ? this.scriptOf(target, depth + 1) : 'unknown';
    }
    let origin = this.scripts.get(shared);
    if (origin === undefined) {
      origin = 'unknown';
      const script = this.edge(shared, 'script_or_debug_info');
      if (script >= 0 && g.typeName(script) === 'code') {
        const name = g.name(script);
        // (the profiler's own evaluated code, named `memory-profiler:…`, counts as Node's: not the program's)
        if (name.startsWith('node:') || name.startsWith('memory-profiler:')) origin = 'node';
        else if (name && !name.startsWith('system / ')) origin = 'program';
      } else {
        const data = this.edge(shared, 'function_data');
        if (data >= 0 && g.name(data) === 'system / FunctionTemplateInfo') origin = 'api';
      }
      this.scripts.set(shared, origin);
    }
    return origin;
  }

  /** Whether a prototype chain from `proto` holds the prototype of Node's `AsyncWrap` binding. */
  private hasAsyncWrap(proto: number, depth: number): boolean {
    const known = this.asyncWrap.get(proto);
    if (known !== undefined) return known;
    const g = this.g;
    const ctor = this.edge(proto, 'constructor');
    let found = ctor >= 0 && g.nodeType[ctor] === g.codes.nodeClosure && g.name(ctor) === 'AsyncWrap' && this.scriptOf(ctor) === 'api';
    if (!found && depth < MAX_PROTO_DEPTH) {
      const up = this.edge(proto, '__proto__');
      found = up >= 0 && up !== proto && this.hasAsyncWrap(up, depth + 1);
    }
    this.asyncWrap.set(proto, found);
    return found;
  }

  /** The node a named property or internal reference of `o` leads to, or -1. */
  private edge(o: number, name: string): number {
    const g = this.g;
    const { edgeProperty, edgeInternal } = g.codes;
    const known = this.nameIndex.get(name);
    for (let e = g.firstEdge[o]; e < g.firstEdge[o + 1]; e++) {
      const t = g.edgeType[e];
      if (t !== edgeProperty && t !== edgeInternal) continue;
      const index = g.edgeNameIndex(e);
      if (known !== undefined) {
        if (index === known) return g.edgeTo[e];
      } else if (g.strings.get(index) === name) {
        this.nameIndex.set(name, index);
        return g.edgeTo[e];
      }
    }
    return -1;
  }
}

/**
 * Marks the nodes that only the stack and handle scopes of the code running during the snapshot
 * reach: reachable from the root, but not once those roots are left out (weak references never
 * count). 1 = held only by that code.
 */
export function heldOnlyWhileRunning(g: HeapGraph): Uint8Array {
  const { edgeWeak, edgeShortcut, nodeSynthetic } = g.codes;
  const reached = new Uint8Array(g.nodeCount);
  const stack = new Uint32Array(g.nodeCount);
  const walk = (skipTransient: boolean, mark: number) => {
    let top = 0;
    stack[top++] = g.rootIndex;
    reached[g.rootIndex] |= mark;
    while (top) {
      const v = stack[--top];
      if (skipTransient && g.nodeType[v] === nodeSynthetic && TRANSIENT_ROOTS.has(g.name(v))) continue;
      for (let e = g.firstEdge[v]; e < g.firstEdge[v + 1]; e++) {
        const t = g.edgeType[e];
        if (t === edgeWeak || (t === edgeShortcut && v !== g.rootIndex)) continue;
        const w = g.edgeTo[e];
        if (reached[w] & mark) continue;
        reached[w] |= mark;
        stack[top++] = w;
      }
    }
  };
  walk(false, 1);
  walk(true, 2);
  for (let o = 0; o < g.nodeCount; o++) reached[o] = reached[o] === 1 ? 1 : 0;
  return reached;
}
