// Issue 20: backpressure. Past server.max_pending_writes records waiting to
// commit, a write request is answered 503 with Retry-After at once, before
// anything of it is read or remembered, so its retry is stored (once).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CONFIG, ADMIN, WRITE_KEY, startServer, tempDataDir, removeDir, getJson } from './server.mjs';

test('over the write bound: 503 with Retry-After at once, and each retry is stored once', { timeout: 120000 }, async () => {
  const dir = tempDataDir();
  const config = join(dir, 'tight.yaml');
  writeFileSync(config, `extends: ${resolve(dirname(CONFIG), 'shinrai.yaml')}\nserver:\n  max_pending_writes: 1\n`);
  const server = await startServer({ dataDir: join(dir, 'data'), config });
  const auth = 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64');
  const send = (messageId, userId) => fetch(`${server.url}/v1/track`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: auth },
    body: JSON.stringify({ userId, messageId, event: 'Product Viewed', properties: { product_id: 'sku-1003' } }),
  });
  let overloaded = 0;
  let slowest503 = 0;
  const users = new Map();
  await Promise.all(Array.from({ length: 64 }, async (_, w) => {
    const userId = `bp-user-${w}`;
    users.set(userId, []);
    for (let i = 0; i < 10; i++) {
      const messageId = `bp-${w}-${i}`;
      for (;;) {
        const began = Date.now();
        const r = await send(messageId, userId);
        if (r.status === 200) break;
        const body = await r.json();
        assert.equal(r.status, 503, JSON.stringify(body));
        assert.equal(r.headers.get('retry-after'), '1');
        assert.match(body.error.message, /overloaded: \d+ records are waiting to be committed/);
        overloaded++;
        slowest503 = Math.max(slowest503, Date.now() - began);
        await new Promise((res) => setTimeout(res, 5 + Math.random() * 20));
      }
      users.get(userId).push(messageId);
    }
  }));
  assert.ok(overloaded > 0, 'the bound of 1 record was never passed under 64 concurrent writers');
  for (const [userId, ids] of users) {
    const { body } = await getJson(`${server.url}/v1/profiles/${userId}`, ADMIN);
    assert.deepEqual(body.recent_events.map((e) => e.messageId).sort(), [...ids].sort(), userId);
  }
  console.log(`# ${overloaded} answers 503 (slowest ${slowest503} ms), every retry stored once`);
  await server.stop();
  removeDir(dir);
});
