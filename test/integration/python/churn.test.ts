/**
 * A snapshot of a Python program that changes its heap all the time is the heap of one moment:
 * the agent's pause reads what the program could change, and the walk after it (the program
 * running again) works from that, not from the objects as they are by then.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseHeapSnapshot } from '../../../src/heap';
import { type PythonProgram, pythonFixture, snapshotBytes, startPython } from '../../helpers/python';

let py: PythonProgram;

before(async () => {
  py = await startPython([pythonFixture('churn.py')]);
  await py.program.json('ready');
});
after(() => py?.stop());

test('every Item in a snapshot of a churning program is one the items list held at the pause', async () => {
  for (let round = 0; round < 3; round++) {
    const g = parseHeapSnapshot((await snapshotBytes(py.client)).bytes);
    const items: number[] = [];
    for (let o = 0; o < g.nodeCount; o++) if (g.typeName(o) === 'object' && g.name(o) === 'Item') items.push(o);
    const main = [...Array(g.nodeCount).keys()].find((o) => g.typeName(o) === 'object' && g.name(o) === 'module' && g.referents(o).some((r) => r.name === '__dict__'));
    assert.ok(main !== undefined);
    // The list, found by its name in __main__'s dict, and the Items it holds.
    let list: number | undefined;
    for (let o = 0; o < g.nodeCount && list === undefined; o++) {
      if (g.name(o) !== 'dict') continue;
      for (let e = g.firstEdge[o]; e < g.firstEdge[o + 1]; e++) {
        if (g.edgeNameText(e) === 'items' && g.name(g.edgeTo[e]) === 'list' && g.referents(o).some((r) => r.name === 'churn')) list = g.edgeTo[e];
      }
    }
    assert.ok(list !== undefined, 'the items list is in the snapshot');
    const held = new Set<number>();
    for (let e = g.firstEdge[list]; e < g.firstEdge[list + 1]; e++) {
      assert.equal(g.edgeTypeName(e), 'element');
      assert.equal(g.name(g.edgeTo[e]), 'Item');
      held.add(g.edgeTo[e]);
    }
    // At most one more: the Item made but not yet appended when the pause came (on the churn thread's stack).
    const outside = items.filter((o) => !held.has(o));
    assert.ok(outside.length <= 1, `${items.length} Items, ${held.size} of them in the list`);
  }
});
