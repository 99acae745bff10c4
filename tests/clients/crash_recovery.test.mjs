// kill -9 during load: every event acknowledged (HTTP 200) before the kill
// must be there after a restart on the same data directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDataDir, removeDir, getJson, postJson } from './server.mjs';

const WORKERS = 16;
const PER_USER = 30;          // below the profile's recent-event window (50)
const MAX_REQUESTS = 3000;    // per worker: the load stops by itself

test('no acknowledged event is lost across kill -9', { timeout: 240000 }, async () => {
  const dir = tempDataDir();
  let server = await startServer({ dataDir: dir });
  const acked = new Map();  // userId -> Set(messageId)
  let killed = false;
  let sent = 0;

  const worker = async (w) => {
    for (let i = 0; i < MAX_REQUESTS && !killed; i++) {
      const userId = `crash-w${w}-u${Math.floor(i / PER_USER)}`;
      const useBatch = w % 2 === 1;
      const ids = useBatch ? [0, 1, 2].map((k) => `w${w}-${i}-${k}`) : [`w${w}-${i}`];
      const i0 = i;
      if (useBatch) i += 2;  // the batch carries three of this user's events
      const event = (messageId) => ({ type: 'track', userId, messageId, event: 'Product Viewed', properties: { product_id: `sku-${i0}` } });
      try {
        const res = useBatch
          ? await postJson(`${server.url}/v1/batch`, { batch: ids.map(event) })
          : await postJson(`${server.url}/v1/track`, event(ids[0]));
        sent++;
        if (res.status === 200) {
          if (!acked.has(userId)) acked.set(userId, new Set());
          for (const id of ids) acked.get(userId).add(id);
        }
      } catch {
        // Connection refused or reset by the kill: not acknowledged, fine.
      }
    }
  };

  const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  // Kill in the middle of the load, once plenty has been acknowledged.
  while (sent < 1500) await new Promise((r) => setTimeout(r, 20));
  await server.kill9();
  killed = true;
  await load;

  const total = [...acked.values()].reduce((n, s) => n + s.size, 0);
  assert.ok(total >= 1500, `only ${total} events were acknowledged before the kill`);

  server = await startServer({ dataDir: dir });
  try {
    let missing = 0;
    for (const [userId, ids] of acked) {
      const { status, body } = await getJson(`${server.url}/v1/profiles/${userId}`);
      assert.equal(status, 200, `${userId}: ${JSON.stringify(body)}`);
      const stored = new Set(body.recent_events.map((e) => e.messageId));
      for (const id of ids) if (!stored.has(id)) missing++;
    }
    assert.equal(missing, 0, `${missing} of ${total} acknowledged events were lost`);
    console.log(`# ${total} acknowledged events, all present after kill -9 and restart`);
  } finally {
    await server.stop();
    removeDir(dir);
  }
});
