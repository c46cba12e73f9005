/**
 * The words a page uses for the program's runtime: a Node program's snapshots are of the "JS
 * heap" and its object ids are V8's; a Python program's are of the "Python heap" and its ids the
 * agent's. Told from `GET /api/target`'s `runtime` (`node v22.1.0`, `python 3.11.2`; saved data
 * says the runtime it came from, `V8 heap snapshot` for `.heapsnapshot` files).
 */
import type { TargetInfo } from '../src/model';

export type RuntimeFamily = 'v8' | 'python' | 'other';

export interface RuntimeWords {
  family: RuntimeFamily;
  /** The heap a snapshot holds: `JS heap`, `Python heap`. */
  heap: string;
  /** Who gives objects their ids, as the subject of a sentence: `V8`, `the Python agent`. */
  idGiver: string;
  /** The runtime records allocation stacks (creation stacks, sampled allocation sites) at all. */
  allocationStacks: boolean;
  /** The runtime has memory outside its heap owned by its objects (V8's `external`). */
  external: boolean;
  /** What `ProcessInfo.heap.total` is, when it is anything: `JS heap allocated`. */
  heapTotal?: string;
  /** A command line that profiles such a program. */
  runExample: string;
  /** Code that starts the profiler from such a program. */
  programExample: string;
  /** A stack with no frame of the program's code. */
  noCodeOnStack: string;
  /** A thread other than the main one. */
  otherThread: string;
  /** Reading a running thread's stack pauses it for a moment. */
  stackReadPauses: boolean;
}

const V8: RuntimeWords = {
  family: 'v8',
  heap: 'JS heap',
  idGiver: 'V8',
  allocationStacks: true,
  external: true,
  heapTotal: 'JS heap allocated',
  runExample: 'memory-profiler run --track Order --interval 10000 -- node app.js',
  programExample:
    "const { startInBackground } = require('memory-profiler-vscode');\nstartInBackground({ port: 8090 }).then((profiler) => console.log('profiler at', profiler.url));",
  noCodeOnStack: 'No JavaScript on the stack.',
  otherThread: 'worker',
  stackReadPauses: true,
};

const PYTHON: RuntimeWords = {
  family: 'python',
  heap: 'Python heap',
  idGiver: 'the Python agent',
  allocationStacks: false,
  external: false,
  runExample: 'memory-profiler run --track Order --interval 10000 -- python app.py',
  programExample: 'import memory_profiler_agent\nmemory_profiler_agent.start_in_background(port=8090)',
  noCodeOnStack: 'No Python code on the stack.',
  otherThread: 'thread',
  stackReadPauses: false,
};

const OTHER: RuntimeWords = {
  ...V8,
  family: 'other',
  heap: 'heap',
  idGiver: 'the runtime',
  heapTotal: 'Heap allocated',
  noCodeOnStack: 'No code of the program on the stack.',
  otherThread: 'thread',
};

/** The runtime named by `runtime` (`node v22.1.0`, `python 3.11.2`, `pypy 7.3`…). */
export function runtimeFamily(runtime: string | undefined): RuntimeFamily {
  const r = (runtime ?? '').trim().toLowerCase();
  if (/^(node|bun|deno)\b/.test(r) || /\bv8\b/.test(r)) return 'v8';
  if (/^(python|cpython|pypy)/.test(r)) return 'python';
  return 'other';
}

/** The words for `target`'s runtime; V8's until the target is known (Node is the first runtime). */
export function runtimeWords(target: TargetInfo | undefined): RuntimeWords {
  if (!target) return V8;
  const family = runtimeFamily(target.runtime);
  return family === 'v8' ? V8 : family === 'python' ? PYTHON : OTHER;
}
