// Issue 16, over real HTTP: the e-mail channel's tracking pixel, batches
// that store their valid messages and name the refused ones, the browser
// SDKs' paths, and pages of sites that are not allowed, refused server-side
// (a beacon is sent whatever CORS says).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDataDir, removeDir, postJson, getJson, ADMIN, WRITE_KEY } from './server.mjs';

let server;
let dir;

before(async () => {
  dir = tempDataDir();
  server = await startServer({ dataDir: dir });
});
after(async () => {
  await server?.stop();
  removeDir(dir);
});

const pixelUrl = (type, call) =>
  `${server.url}/v1/pixel/${type}?data=${encodeURIComponent(Buffer.from(JSON.stringify({ writeKey: WRITE_KEY, ...call })).toString('base64'))}`;
const events = async (who) => (await getJson(`${server.url}/v1/profiles/${who}`)).body.recent_events?.map((e) => e.event ?? e.type) ?? [];

test('an e-mail open through the tracking pixel answers a 1x1 GIF and is kept only with consent', async () => {
  const open = (messageId) => ({
    userId: 'pixel-pia', event: 'Email Opened', messageId,
    properties: { email_id: 'e-42', campaign_id: 'c-7' }, context: { channel: 'email' },
  });
  assert.equal((await postJson(`${server.url}/v1/identify`, { userId: 'pixel-pia', traits: { first_name: 'Pia' } })).status, 200);

  const before = await fetch(pixelUrl('track', open('open-1')));
  assert.equal(before.status, 200);
  assert.equal(before.headers.get('content-type'), 'image/gif');
  assert.equal(before.headers.get('cache-control'), 'no-store');
  const gif = Buffer.from(await before.arrayBuffer());
  assert.equal(gif.subarray(0, 6).toString(), 'GIF89a');
  assert.deepEqual([gif.readUInt16LE(6), gif.readUInt16LE(8)], [1, 1]);
  assert.ok(!(await events('pixel-pia')).includes('Email Opened'), 'no marketing consent: the open is not kept');

  const granted = await fetch(`${server.url}/v1/consent/pixel-pia`, {
    method: 'PUT',
    headers: { ...ADMIN, 'Content-Type': 'application/json' },
    body: JSON.stringify({ source: 'privacy_center', changes: [{ purpose: 'email_marketing', channel: 'email', status: 'granted' }] }),
  });
  assert.equal(granted.status, 200);
  assert.equal((await fetch(pixelUrl('track', open('open-2')))).status, 200);
  assert.ok((await events('pixel-pia')).includes('Email Opened'), 'with consent the open is kept');
});

test('a pixel that cannot be read is refused with the reason', async () => {
  const noData = await fetch(`${server.url}/v1/pixel/track`);
  assert.equal(noData.status, 400);
  assert.match((await noData.json()).error.message, /data: missing/);
  const garbled = await fetch(`${server.url}/v1/pixel/track?data=%25%25%25`);
  assert.equal(garbled.status, 400);
  assert.match((await garbled.json()).error.message, /data: not base64/);
  const unknown = await fetch(`${server.url}/v1/pixel/teleport?data=e30`);
  assert.equal(unknown.status, 404);
  const noKey = await fetch(pixelUrl('track', { writeKey: undefined, userId: 'x', event: 'Email Opened' }));
  assert.equal(noKey.status, 401);
});

test('a batch with some invalid messages stores the others and names each refused one', async () => {
  const res = await postJson(`${server.url}/v1/batch`, {
    batch: [
      { type: 'identify', userId: 'batch-bo', messageId: 'bb-1', traits: { first_name: 'Bo' } },
      { type: 'track', userId: 'batch-bo', messageId: 'bb-2' },
      { type: 'track', userId: 'batch-bo', messageId: 'bb-3', event: 'Product Viewed', properties: { product_id: 'sku-1001' } },
      { type: 'track', messageId: 'bb-4', event: 'Product Viewed' },
    ],
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.accepted, 2);
  assert.deepEqual(res.body.refused.map((r) => [r.index, r.messageId, r.reason]), [
    [1, 'bb-2', 'invalid_message'],
    [3, 'bb-4', 'invalid_message'],
  ]);
  assert.match(res.body.refused[0].detail, /batch\[1\]\.event: missing/);
  assert.deepEqual((await events('batch-bo')).sort(), ['Product Viewed', 'identify']);
  const stats = await getJson(`${server.url}/v1/stats/collection`);
  assert.equal(stats.body.counters.refused_invalid_message, 2);

  const none = await postJson(`${server.url}/v1/batch`, { batch: [{ type: 'track', userId: 'batch-bo' }] });
  assert.equal(none.status, 400, 'nothing usable: the request is refused');
  assert.match(none.body.error.message, /every message was refused/);
});

test("the browser SDKs' short paths and beacon path collect like the long ones", async () => {
  assert.equal((await postJson(`${server.url}/v1/t`, { anonymousId: 'short-1', event: 'Product Viewed', properties: { product_id: 'sku-1001' } })).status, 200);
  const beacon = await fetch(`${server.url}/beacon/v1/batch?writeKey=${WRITE_KEY}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain' },
    body: JSON.stringify({ batch: [{ type: 'page', anonymousId: 'short-1', messageId: 'beacon-1', properties: { path: '/' } }] }),
  });
  assert.equal(beacon.status, 200);
  assert.deepEqual((await events('short-1')).sort(), ['Product Viewed', 'page']);
});

test('a page of a site that is not allowed is refused, even where the browser sends without asking (beacons)', async () => {
  const res = await fetch(`${server.url}/beacon/v1/batch?writeKey=${WRITE_KEY}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain', Origin: 'https://evil.example' },
    body: JSON.stringify({ batch: [{ type: 'track', anonymousId: 'evil-1', event: 'Product Viewed' }] }),
  });
  assert.equal(res.status, 403);
  assert.equal(res.headers.get('access-control-allow-origin'), null);
  assert.match((await res.json()).error.message, /server\.allowed_origins/);
  assert.equal((await getJson(`${server.url}/v1/profiles/evil-1`)).status, 404);

  const demo = await fetch(`${server.url}/v1/t`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain', Origin: 'http://localhost:8089', Authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` },
    body: JSON.stringify({ anonymousId: 'demo-page-1', event: 'Product Viewed', properties: { product_id: 'sku-1001' } }),
  });
  assert.equal(demo.status, 200, 'the demo configuration allows the demo page');
  assert.equal(demo.headers.get('access-control-allow-origin'), 'http://localhost:8089');
  assert.equal(demo.headers.get('vary'), 'Origin');
});
