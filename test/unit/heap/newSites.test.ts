/**
 * The line of the `new` on allocation stacks, on stacks V8 recorded: test/fixtures/heap/newSites.js
 * makes objects in a function declaration, an arrow, a method, an async function, through a
 * derived class's constructor and a class's implicit one, and twice in one function, each `new`
 * on a line marked by a comment; the heap worker parses the script.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { analyse, HeapWorkerClient, parseHeapSnapshotFile } from '../../../src/heap';
import { findNewExpressions } from '../../../src/heap/newExpressions';
import { NewSites } from '../../../src/heap/newSites';
import { allocationStack } from '../../../src/heap/queries';
import type { HeapAllocationFrame } from '../../../src/model/heap';

const script = join(__dirname, '..', '..', 'fixtures', 'heap', 'newSites.js');
const source = readFileSync(script, 'utf8');
const lines = source.split('\n');
/** The 1-based line whose comment says `// <mark>`. */
const lineOf = (mark: string) => {
  const i = lines.findIndex((l) => l.endsWith(`// ${mark}`));
  assert.ok(i >= 0, mark);
  return i + 1;
};

let dir = '';
let client: HeapWorkerClient;
/** Per class, each object's stack (innermost first), as V8 recorded it. */
const stacksOf = new Map<string, HeapAllocationFrame[][]>();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'new-sites-'));
  const file = join(dir, 'traced.heapsnapshot');
  // (compaction off, as the tracker has it while it traces: V8 keeps every object's stack)
  execFileSync(process.execPath, ['--no-compact', script, file]);
  const g = await parseHeapSnapshotFile(file);
  analyse(g);
  for (let o = 0; o < g.nodeCount; o++) {
    const name = g.className(o);
    if (!['Plain', 'Derived', 'Implicit', 'Twice'].includes(name)) continue;
    if (!stacksOf.has(name)) stacksOf.set(name, []);
    stacksOf.get(name)!.push(allocationStack(g, o));
  }
  client = new HeapWorkerClient();
});
after(async () => {
  await client.terminate();
  rmSync(dir, { recursive: true, force: true });
});

const newLines = (stacks: HeapAllocationFrame[][]) =>
  stacks.map((s) => {
    const f = s.find((x) => x.newAt);
    return f && `${f.functionName}:${f.newAt!.line}${f.newAt!.others ? `+${f.newAt!.others}` : ''}`;
  });

test('every object gets the line of its `new`, past the constructors of derived and implicit classes', async () => {
  const sites = new NewSites(
    () => client,
    async (frame) => (frame.scriptName === script ? source : undefined),
  );
  for (const [name, stacks] of stacksOf) await sites.mark(name, stacks);
  const count = (list: Array<string | undefined>) => Object.fromEntries([...new Set(list)].map((k) => [String(k), list.filter((x) => x === k).length]));
  assert.deepEqual(count(newLines(stacksOf.get('Plain')!)), { [`declared:${lineOf('Plain: declared')}`]: 30, [`later:${lineOf('Plain: later')}`]: 5 });
  assert.deepEqual(count(newLines(stacksOf.get('Derived')!)), { [`arrow:${lineOf('Derived: arrow')}`]: 20 });
  assert.deepEqual(count(newLines(stacksOf.get('Implicit')!)), { [`method:${lineOf('Implicit: method')}`]: 10 });
  // two `new Twice` in one function: V8 cannot tell them apart, the first is given with one other
  assert.deepEqual(count(newLines(stacksOf.get('Twice')!)), { [`twice:${lineOf('Twice: first')}+1`]: 8 });
  // the function's own start stays where V8 put it
  const declared = stacksOf
    .get('Plain')!
    .flat()
    .find((f) => f.functionName === 'declared')!;
  assert.equal(lines[declared.line - 1].indexOf('('), declared.column - 1);
});

test('a source that is not the one that ran, or no source, leaves the stacks as they were', async () => {
  const copies = () => structuredClone(stacksOf.get('Plain')!);
  // two lines more at the top: no function starts where V8 said
  const shifted = copies();
  await new NewSites(
    () => client,
    async () => `// edited\n// since\n${source}`,
  ).mark('Plain', shifted);
  assert.deepEqual(shifted, stacksOf.get('Plain'));
  const unread = copies();
  await new NewSites(
    () => client,
    async () => undefined,
  ).mark('Plain', unread);
  assert.deepEqual(unread, stacksOf.get('Plain'));
});

test('the parser: modules and sloppy scripts, `new a.b.C`, nested functions apart, no parse', () => {
  const text = ['#!/usr/bin/env node', 'with (x) {}', 'function outer(a) {', '  const inner = () => new C();', '  return new lib.models.C(a);', '}'].join('\n');
  // outer's parenthesis: line 3, column 15; inner's: line 4, column 17
  assert.deepEqual(
    findNewExpressions(text, [
      { line: 3, column: 15, className: 'C' },
      { line: 4, column: 17, className: 'C' },
      { line: 3, column: 15, className: 'D' },
      { line: 3, column: 1, className: 'C' },
      { line: 99, column: 1, className: 'C' },
    ]),
    [{ constructor: false, news: [{ line: 5, column: 10 }] }, { constructor: false, news: [{ line: 4, column: 23 }] }, { constructor: false, news: [] }, null, null],
  );
  assert.deepEqual(findNewExpressions('function (', [{ line: 1, column: 10, className: 'C' }]), [null]);
});
