/**
 * Server events reach the pages: a snapshot dropped to stay within maxSnapshots is said on the
 * tracker page and marked in the heap page's picker the moment it happens (the tracker page does
 * not poll outside periodic mode, and the heap page never does).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { FIXTURES, startProfiledPages, watchedPage } from './harness';

describe('snapshot-dropped reaches the pages', () => {
  let pages: Awaited<ReturnType<typeof startProfiledPages>>;
  let server: Awaited<ReturnType<typeof startProfiledPages>>['server'];
  let session: Awaited<ReturnType<typeof startProfiledPages>>['session'];

  before(async () => {
    pages = await startProfiledPages(join(FIXTURES, 'tracked.js'), { maxSnapshots: 1 });
    ({ server, session } = pages);
  });

  after(() => pages?.close());

  test('the tracker page says which heap was dropped, the heap page marks it', async () => {
    const tracker = (await session.open('/tracker')).page;
    await tracker.getByTestId('page-tracker').waitFor();
    // Both pages stay open (session.open would close the first).
    const heapWatch = await watchedPage(session.context, session.origin);
    session.watches.push(heapWatch);
    const heap = heapWatch.page;
    await heap.goto(`${session.origin}/heap`);
    const snap = (description: string) =>
      fetch(`${server.url}api/tracker/snapshots`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ description }) });
    assert.equal((await snap('first')).status, 200);
    await heap.waitForFunction(() => document.querySelectorAll('[data-testid="heap-snapshot"] option').length === 1);
    assert.equal((await snap('second')).status, 200);
    const note = tracker.getByTestId('tracker-dropped');
    await note.waitFor();
    assert.equal(await note.textContent(), 'Snapshot 0 was dropped to keep at most 1 heap snapshot (maxSnapshots); its summary stays, its objects are gone.');
    await heap.waitForFunction(() => document.querySelector('[data-testid="heap-snapshot"] option[value="0"]')?.hasAttribute('disabled') === true);
    assert.equal(await heap.textContent('[data-testid="heap-snapshot"] option[value="0"]'), '#0 first · dropped');
  });
});
