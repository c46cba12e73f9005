/**
 * Keeping V8's allocation stacks true while allocations are tracked. V8 files an object's
 * allocation stack under the object's address (`AllocationTracker::address_to_trace_`) and moves
 * that entry along when the GC moves the object, but only while the object has no heap-profiler
 * id yet (`HeapProfiler::ObjectMoveEvent` skips objects `HeapObjectsMap::MoveObject` knows).
 * Allocation tracking numbers the whole heap every 50 ms (its heap-stats update runs a full GC,
 * which empties the young generation, then gives every object an id), so from then on only
 * compaction moves an object, and a compacted one loses its stack or shows the stale stack of
 * whatever was allocated where it now lies. So compaction is off while allocations are tracked:
 * with it on, 0–100 % of a leaky server's instances kept their stack per run (11–37 % on
 * average); with it off, all of them in every run (bench/trace.mjs).
 */
import type { CdpConnection } from '../../cdp';
import { profilerExpression } from './profilerCode';

const V8_MODULE = `(typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('v8') : require('v8'))`;
/** Node's own options that keep compaction off for good: then it stays off. */
const COMPACTION_OFF_ALREADY = `process.execArgv.some((a) => a === '--no-compact' || a === '--never-compact' || a === '--nocompact')`;

async function setFlag(connection: CdpConnection, expression: string, timeoutMs?: number): Promise<boolean> {
  try {
    const reply = await connection.send(
      'Runtime.evaluate',
      { expression: profilerExpression(expression), includeCommandLineAPI: true, returnByValue: true, silent: true },
      timeoutMs ? { timeoutMs } : {},
    );
    return !reply.exceptionDetails;
  } catch {
    return false;
  }
}

/** Turns the GC's compaction off in the program (V8 flags are process-wide); false when that failed. */
export function stopCompaction(connection: CdpConnection): Promise<boolean> {
  return setFlag(connection, `${V8_MODULE}.setFlagsFromString('--no-compact')`);
}

/** Gives the program its compaction back, unless it was started without it. */
export function restoreCompaction(connection: CdpConnection, timeoutMs = 2_000): Promise<boolean> {
  return setFlag(connection, `${COMPACTION_OFF_ALREADY} || ${V8_MODULE}.setFlagsFromString('--compact')`, timeoutMs);
}
