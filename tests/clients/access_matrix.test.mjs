// Every endpoint × every role (and no key): only the allowed cells succeed.
// The expected table is written out here, independently of the server's
// role table, so a change to either shows up as a failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS, startServer, tempDataDir, removeDir, postJson } from './server.mjs';


const ADMIN_KEY = { Authorization: 'Bearer demo-admin-key' };
let accessRequestId = 'unset';
let recommendationId = 'unset';
let shownItems = [];

// endpoint -> roles allowed. `refusal` names the error of a refused role
// when it is not permission_denied.
const MATRIX = [
  { name: 'POST /v1/track', method: 'POST', path: '/v1/track', body: { userId: 'm-user', event: 'Product Viewed' }, allowed: ['write_key', 'admin'] },
  { name: 'POST /v1/batch', method: 'POST', path: '/v1/batch', body: { batch: [{ type: 'identify', userId: 'm-user' }] }, allowed: ['write_key', 'admin'] },
  { name: 'GET /v1/profiles/{id}', method: 'GET', path: '/v1/profiles/m-user', allowed: ['admin'],
    refusal: { agent: 'invalid_argument' } },  // agents may read, but only stating a reason
  { name: 'GET /v1/profiles/{id}?reason=', method: 'GET', path: '/v1/profiles/m-user?reason=order_query', allowed: ['admin', 'agent'] },
  { name: 'GET /v1/consent/{id}', method: 'GET', path: '/v1/consent/m-user', allowed: ['admin', 'privacy_officer', 'service'] },
  { name: 'GET /v1/consent/{id}/history', method: 'GET', path: '/v1/consent/m-user/history', allowed: ['admin', 'privacy_officer', 'service'] },
  { name: 'PUT /v1/consent/{id}', method: 'PUT', path: '/v1/consent/m-user',
    body: { changes: [{ purpose: 'personalization', channel: 'web', status: 'granted' }] }, allowed: ['admin', 'privacy_officer', 'service'] },
  { name: 'GET /v1/stats/collection', method: 'GET', path: '/v1/stats/collection', allowed: ['admin', 'privacy_officer'] },
  { name: 'GET /v1/recommendations/{id}', method: 'GET', path: '/v1/recommendations/m-user?n=3', allowed: ['admin', 'service'] },
  { name: 'GET /v1/items/{item}/similar', method: 'GET', path: '/v1/items/sku-1000/similar?n=3',
    allowed: ['admin', 'privacy_officer', 'agent', 'analyst', 'service'] },
  { name: 'POST /v1/items', method: 'POST', path: '/v1/items',
    body: { items: [{ id: 'm-item', name: 'Matrix mug', category: 'kitchen' }] }, allowed: ['admin', 'service'] },
  // The write key reports against a recommendation it was shown (its sealed id).
  { name: 'POST /v1/feedback', method: 'POST', path: '/v1/feedback',
    body: () => ({ type: 'impression', items: shownItems, recommendation_id: recommendationId }), allowed: ['write_key', 'admin', 'service'] },
  { name: 'GET /v1/stats/recommendations', method: 'GET', path: '/v1/stats/recommendations', allowed: ['admin', 'analyst'] },
  { name: 'POST /v1/rights/requests', method: 'POST', path: '/v1/rights/requests',
    body: { type: 'access', subject: 'm-user' }, allowed: ['admin', 'privacy_officer'] },
  { name: 'GET /v1/rights/requests/{id}', method: 'GET', path: () => `/v1/rights/requests/${accessRequestId}`,
    allowed: ['admin', 'privacy_officer'] },
  { name: 'GET /v1/audit/report', method: 'GET', path: '/v1/audit/report', allowed: ['admin', 'privacy_officer'] },
  { name: 'POST /v1/models/train', method: 'POST', path: '/v1/models/train', allowed: ['admin', 'service'] },
  { name: 'GET /healthz', method: 'GET', path: '/healthz', allowed: Object.keys(KEYS) },
];

let server;
let dir;
before(async () => {
  dir = tempDataDir();
  // The demo shop gives the recommender a catalogue and a model to serve.
  server = await startServer({ dataDir: dir, args: ['--demo'] });
  // The person the reads are about.
  assert.equal((await postJson(`${server.url}/v1/identify`, { userId: 'm-user', messageId: 'seed' })).status, 200);
  assert.equal((await postJson(`${server.url}/v1/models/train`, {}, ADMIN_KEY)).status, 200);
  const filed = await postJson(`${server.url}/v1/rights/requests`, { type: 'access', subject: 'm-user' }, ADMIN_KEY);
  assert.equal(filed.status, 201);
  accessRequestId = filed.body.id;
  const rec = await fetch(`${server.url}/v1/recommendations/m-user?n=3`, { headers: { Authorization: 'Bearer demo-service-key' } });
  assert.equal(rec.status, 200);
  const recBody = await rec.json();
  recommendationId = recBody.recommendation_id;
  shownItems = recBody.items.map((i) => i.item);
  assert.ok(shownItems.length > 0);
});
after(async () => {
  await server.stop();
  removeDir(dir);
});

test('role × endpoint matrix', async () => {
  const wrong = [];
  for (const e of MATRIX) {
    for (const [role, key] of Object.entries(KEYS)) {
      const headers = { 'Content-Type': 'application/json' };
      // Write keys travel as the SDKs send them (Basic), API keys as Bearer.
      if (key) headers.Authorization = role === 'write_key' ? 'Basic ' + Buffer.from(`${key}:`).toString('base64') : `Bearer ${key}`;
      const path = typeof e.path === 'function' ? e.path() : e.path;
      const body = typeof e.body === 'function' ? e.body() : e.body;
      const res = await fetch(server.url + path, { method: e.method, headers, body: body ? JSON.stringify(body) : undefined });
      const ok = res.status >= 200 && res.status < 300;
      const expected = e.allowed.includes(role);
      if (ok !== expected) wrong.push(`${e.name} as ${role}: HTTP ${res.status}, expected ${expected ? 'success' : 'refusal'}`);
      if (!ok) {
        const reply = await res.json();
        const code = role === 'none' ? 'unauthenticated' : (e.refusal?.[role] ?? 'permission_denied');
        if (reply.error?.code !== code) wrong.push(`${e.name} as ${role}: error code ${reply.error?.code}, expected ${code}`);
      } else {
        await res.arrayBuffer();
      }
    }
  }
  assert.deepEqual(wrong, []);
});
