/** Threads, their stacks and the objects reachable from a stack, as `/api/threads…` and `/api/objects/:ref` return them. */

/** One thread of the profiled program: `GET /api/threads`. */
export interface ThreadInfo {
  /** `main` for the main thread, the worker's thread id otherwise. */
  id: string;
  name: string;
  kind: 'main' | 'worker';
  /** Where the worker's code comes from (a file URL; empty for `eval` workers). */
  url?: string;
}

/** How the stack was obtained. */
export type StackState =
  /** The thread is stopped by a debugger (a breakpoint, a `debugger` statement, VS Code): left paused. */
  | 'paused'
  /** The thread is suspended by `startProfiler` (blocked until the server stops); paused briefly to read the stack. */
  | 'suspended'
  /** The thread was running JavaScript; paused briefly to read the stack and resumed at once. */
  | 'running'
  /**
   * The thread ran none of the program's code: it waited in its event loop. `frames` is empty,
   * or shows only Node's own code where the thread next entered JavaScript.
   */
  | 'idle';

/** `GET /api/threads/:id/stack`. */
export interface ThreadStack {
  thread: ThreadInfo;
  state: StackState;
  /** Milliseconds since the epoch when the stack was read. */
  timestamp: number;
  /** Innermost frame first. */
  frames: StackFrame[];
}

export interface StackFrame {
  /** The function's name, `(anonymous)` when it has none. */
  function: string;
  /** The script's URL (`file:///…`, `node:…`); empty for eval'd code. */
  url: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** A few lines of source around `line`; absent when the source cannot be read. */
  context?: { startLine: number; lines: string[] };
  /** The frame's local and block variables, for `GET /api/objects/:ref`. */
  localsRef: string;
  /** The other scopes the frame sees (closures, module, global), innermost first. */
  scopes: Array<{ type: string; name?: string; ref: string }>;
  /** Node's own code (`node:` URLs) or the profiler's: shown, but not the program's. */
  internal: boolean;
}

/** How `ObjectReferent.size` was obtained. */
export type SizeKind =
  /** An estimate of the object's own (shallow) size from its type and length; not measured. */
  | 'shallow-estimate'
  /** Measured by the runtime (Python's `sys.getsizeof`); `deepSize` adds what the object reaches. */
  | 'measured';

/** `GET /api/objects/:ref`: what one object (or a frame's locals) refers to. */
export interface ObjectReferents {
  ref: string;
  /** Referents in the program's order (own properties, array elements, Map/Set entries, variables). */
  referents: ObjectReferent[];
  /** How many referents there are in all; `referents` holds `offset … offset + limit`. */
  total: number;
  offset: number;
  sizeKind: SizeKind;
  /**
   * The heap snapshot that `retainedSize` comes from (the latest one of the program), when there
   * is one: sizes are as of that snapshot, and only for objects that already existed then.
   */
  retainedFrom?: { snapshot: number; label: string; timestamp: number };
  /** Levels below the frame; expansion stops at `maxDepth`. */
  depth: number;
  maxDepth: number;
}

export interface ObjectReferent {
  /** Property name, `[index]`, a Map key's preview, or a variable name. */
  name: string;
  /** `object`, `array`, `function`, `string`, `number`, `map`, `set`, … or the constructor name for plain objects. */
  type: string;
  /** Bytes, see `ObjectReferents.sizeKind`. */
  size: number;
  /** Bytes of the object and of everything it reaches that no class, module or function owns (Python: like Pympler's `asizeof`). */
  deepSize?: number;
  /** Bytes the object keeps alive, from the snapshot named in `ObjectReferents.retainedFrom`. */
  retainedSize?: number;
  /** A short, untrusted text: render it as text. */
  preview: string;
  /** Present when the referent can be expanded in turn. */
  ref?: string;
}
