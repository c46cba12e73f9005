import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SERVER_EVENT_NAMES } from '../../../src/model';
import { EVENT_USE } from '../../../webview/events';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('the event contract between server and UI', () => {
  test('the UI says what it does with every event the server can send, and nothing else', () => {
    assert.deepEqual(Object.keys(EVENT_USE).sort(), [...SERVER_EVENT_NAMES].sort());
  });

  test('every event the server sends is in the map', () => {
    const sent = new Set<string>();
    for (const file of sources('src')) {
      for (const m of readFileSync(file, 'utf8').matchAll(/events\.send\('([^']+)'/g)) sent.add(m[1]);
    }
    assert.ok(sent.size >= 5, `found the server's sends (${[...sent].join(', ')})`);
    for (const name of sent) assert.ok(SERVER_EVENT_NAMES.includes(name as never), `${name} is sent but not in ServerEventMap`);
  });

  test('every event the UI shows has a subscriber in a page or the shell', () => {
    const subscribed = new Set<string>();
    for (const file of sources('webview')) {
      for (const m of readFileSync(file, 'utf8').matchAll(/events\.on\('([^']+)'/g)) subscribed.add(m[1]);
    }
    for (const [name, use] of Object.entries(EVENT_USE)) {
      if (use === 'shown') assert.ok(subscribed.has(name), `${name} is marked shown but no page subscribes to it`);
    }
  });
});
