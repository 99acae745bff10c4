// Every endpoint × every role (and no key): only the allowed cells succeed.
// The expected table is written out here, independently of the server's
// role table, so a change to either shows up as a failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDataDir, removeDir, postJson } from './server.mjs';

const KEYS = {
  none: null,
  write_key: 'demo-write-key',
  admin: 'demo-admin-key',
  privacy_officer: 'demo-privacy-officer-key',
  agent: 'demo-agent-key',
  analyst: 'demo-analyst-key',
  service: 'demo-service-key',
};

// endpoint -> roles allowed
const MATRIX = [
  { name: 'POST /v1/track', method: 'POST', path: '/v1/track', body: { userId: 'm-user', event: 'Product Viewed' }, allowed: ['write_key', 'admin'] },
  { name: 'POST /v1/batch', method: 'POST', path: '/v1/batch', body: { batch: [{ type: 'identify', userId: 'm-user' }] }, allowed: ['write_key', 'admin'] },
  { name: 'GET /v1/profiles/{id}', method: 'GET', path: '/v1/profiles/m-user', allowed: ['admin'] },
  { name: 'GET /v1/consent/{id}', method: 'GET', path: '/v1/consent/m-user', allowed: ['admin', 'privacy_officer', 'service'] },
  { name: 'GET /v1/consent/{id}/history', method: 'GET', path: '/v1/consent/m-user/history', allowed: ['admin', 'privacy_officer', 'service'] },
  { name: 'PUT /v1/consent/{id}', method: 'PUT', path: '/v1/consent/m-user',
    body: { changes: [{ purpose: 'personalization', channel: 'web', status: 'granted' }] }, allowed: ['admin', 'privacy_officer', 'service'] },
  { name: 'GET /v1/stats/collection', method: 'GET', path: '/v1/stats/collection', allowed: ['admin', 'privacy_officer'] },
  { name: 'GET /healthz', method: 'GET', path: '/healthz', allowed: Object.keys(KEYS) },
];

let server;
let dir;
before(async () => {
  dir = tempDataDir();
  server = await startServer({ dataDir: dir });
  // The person the reads are about.
  assert.equal((await postJson(`${server.url}/v1/identify`, { userId: 'm-user', messageId: 'seed' })).status, 200);
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
      const res = await fetch(server.url + e.path, { method: e.method, headers, body: e.body ? JSON.stringify(e.body) : undefined });
      const ok = res.status >= 200 && res.status < 300;
      const expected = e.allowed.includes(role);
      if (ok !== expected) wrong.push(`${e.name} as ${role}: HTTP ${res.status}, expected ${expected ? 'success' : 'refusal'}`);
      if (!ok) {
        const body = await res.json();
        const code = role === 'none' ? 'unauthenticated' : 'permission_denied';
        if (body.error?.code !== code) wrong.push(`${e.name} as ${role}: error code ${body.error?.code}, expected ${code}`);
      } else {
        await res.arrayBuffer();
      }
    }
  }
  assert.deepEqual(wrong, []);
});
