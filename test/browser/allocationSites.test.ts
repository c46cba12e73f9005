/**
 * The tracker page's allocation sites, in real Chromium against the real server: a class tracked
 * without creation stacks starts V8's sampling heap profiler, and the page lists the program's
 * functions by live bytes, each a `vscode://file` link to the line (test/fixtures/programs/
 * leakyServer.js: its stdin handler makes the records, the constructor their strings); with
 * creation stacks, the class page's stack points at the line of the `new`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { command, fixture, getJson, json } from '../helpers/programs';
import { startProfiledPages } from './harness';

let pages: Awaited<ReturnType<typeof startProfiledPages>>;
before(async () => {
  // (on this machine, as `run` has it: the profiler reads the program's scripts)
  pages = await startProfiledPages('leakyServer.js', { local: true });
});
after(() => pages?.close());

test('a class tracked without creation stacks: the page lists where live memory was allocated, as links to the lines', async () => {
  const { page } = await pages.session.open('/tracker');
  assert.equal(await page.getByTestId('allocation-sites').isHidden(), true, 'nothing sampled before a class is tracked without stacks');
  assert.equal((await getJson(pages.api + '/tracker/classes', json('POST', { name: 'LeakyRecord' }))).status, 201);
  assert.equal((await command(pages.program, 'leak 5000')).LeakyRecord, 5000);
  // A snapshot reloads the page's state (and so the sites).
  assert.equal((await getJson(pages.api + '/tracker/snapshots', json('POST', { description: 'after the leak' }))).status, 200);

  const path = fixture('leakyServer.js');
  const source = readFileSync(path, 'utf8').split('\n');
  const lineOf = (text: string) => source.findIndex((l) => l.includes(text)) + 1;
  const constructorLine = lineOf('constructor(id) {');
  const site = page.getByTestId('allocation-sites').locator('a', { hasText: `LeakyRecord ${path}:${constructorLine}:` });
  await site.waitFor();
  const href = await site.getAttribute('href');
  assert.match(href ?? '', new RegExp(`^vscode://file${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${constructorLine}:\\d+$`));
  const handler = page.getByTestId('allocation-sites').locator('a', { hasText: `(anonymous) ${path}:${lineOf("process.stdin.on('data', (data) => {")}:` });
  assert.equal(await handler.count(), 1, 'the stdin handler that ran `new`');
  const top = await page.getByTestId('allocation-sites').locator('li').nth(0).textContent();
  assert.ok(top?.includes(path), `the largest site is the program's own: ${top}`);
  assert.match(
    (await page.getByTestId('allocation-sites-note').textContent()) ?? '',
    /^Live bytes by the program function that allocated them, for the whole program, sampled about every 32.0 KiB allocated since /,
  );
});

test('a class tracked with creation stacks: the stack of an instance points at the line of its new', async () => {
  assert.equal((await getJson(pages.api + '/tracker/classes', json('POST', { name: 'ListenerState', trace: true }))).status, 201);
  assert.equal((await command(pages.program, 'listen 3')).ListenerState, 3);
  assert.equal((await getJson(pages.api + '/tracker/snapshots', json('POST', { description: 'after the listeners' }))).status, 200);
  const path = fixture('leakyServer.js');
  const source = readFileSync(path, 'utf8').split('\n');
  const newLine = source.findIndex((l) => l.includes('new ListenerState(')) + 1;
  const newColumn = source[newLine - 1].indexOf('new ListenerState(') + 1;
  const { page } = await pages.session.open('/tracker/class/ListenerState');
  const first = page.locator('[data-testid="class-instances-body"] .vt-row').first();
  await first.waitFor();
  assert.ok((await first.textContent())?.includes(`addListener ${path}:${newLine}:${newColumn}`), (await first.textContent()) ?? '');
  await first.click();
  const frame = page.getByTestId('class-instance-frame-0');
  assert.equal(await frame.textContent(), `addListener ${path}:${newLine}:${newColumn}`);
  assert.equal(await frame.getAttribute('href'), `vscode://file${encodeURI(path)}:${newLine}:${newColumn}`);
  assert.match((await frame.getAttribute('title')) ?? '', /the new that made it; the function begins at line \d+/);
});
