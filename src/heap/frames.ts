/**
 * Which frames of an allocation stack are the program's: not Node's own (`node:` scripts and the
 * bootstrap's `internal/…`), not the profiler's own (`memory-profiler:…`), not native or
 * anonymous code without a script.
 */
import type { HeapAllocationFrame } from '../model/heap';

export function isProgramFrame(frame: HeapAllocationFrame): boolean {
  const script = frame.scriptName;
  // (`memory-profiler:…`: code the profiler evaluated in the program, see targets/node/profilerCode.ts)
  return script !== '' && !script.startsWith('node:') && !script.startsWith('internal/') && !script.startsWith('memory-profiler:');
}

/** The innermost frame of the program in a stack given innermost first; undefined when none. */
export function programFrame(stack: HeapAllocationFrame[]): HeapAllocationFrame | undefined {
  return stack.find(isProgramFrame);
}
