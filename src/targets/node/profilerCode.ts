/**
 * The code the profiler evaluates in the program is named by a `sourceURL` of its own, so that a
 * stack read that lands in it (the once-a-second process figures, a census, V8 writing a snapshot)
 * shows it as the profiler's, not as anonymous code of the program's (see threads.ts), and the
 * allocation stacks of what it makes are not the program's (see heap/frames.ts).
 */
export const PROFILER_SCRIPT_URL = 'memory-profiler:internal';

/** `expression`, named as the profiler's code. */
export function profilerExpression(expression: string): string {
  return `${expression}\n//# sourceURL=${PROFILER_SCRIPT_URL}`;
}
