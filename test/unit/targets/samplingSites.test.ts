import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Protocol } from 'devtools-protocol';
import { allocationSites } from '../../../src/targets/node/samplingSites';

let nextId = 1;
function node(
  functionName: string,
  url: string,
  lineNumber: number,
  selfSize: number,
  children: Protocol.HeapProfiler.SamplingHeapProfileNode[] = [],
): Protocol.HeapProfiler.SamplingHeapProfileNode {
  return { callFrame: { functionName, url, scriptId: '7', lineNumber, columnNumber: 4 }, selfSize, id: nextId++, children };
}

test("live bytes at the program's innermost function: Node's frames fold into their caller, code without one is left out", () => {
  const head = node('(root)', '', -1, 0, [
    node('handle', '/app/server.js', 9, 100, [node('Buffer.from', 'node:buffer', 300, 50, [node('onChunk', '/app/server.js', 40, 10)])]),
    node('processTicksAndRejections', 'node:internal/process/task_queues', 60, 30),
    node('handle', '/app/server.js', 9, 5),
    node('idle', '/app/server.js', 70, 0),
  ]);
  assert.deepEqual(allocationSites({ head, samples: [] }), [
    { functionName: 'handle', scriptName: '/app/server.js', scriptId: 7, line: 10, column: 5, liveBytes: 155 },
    { functionName: 'onChunk', scriptName: '/app/server.js', scriptId: 7, line: 41, column: 5, liveBytes: 10 },
  ]);
});
