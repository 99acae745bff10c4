// The HTTP surface over real sockets: bad input gets a clear 4xx JSON error
// naming the problem, and harms nothing already stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { startServer, tempDataDir, removeDir, getJson, postJson, ADMIN } from './server.mjs';

let server;
let dir;

before(async () => {
  dir = tempDataDir();
  server = await startServer({ dataDir: dir });
  const res = await postJson(`${server.url}/v1/identify`, {
    userId: 'kept-user', messageId: 'seed-1', traits: { first_name: 'Kept', email: 'kept@example.com' },
  });
  assert.equal(res.status, 200);
});

after(async () => {
  await server.stop();
  removeDir(dir);
});

function assertError(res, status, code, messagePart) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error?.code, code, JSON.stringify(res.body));
  assert.match(res.body.error.message, messagePart);
}

test('health and readiness answer without a key', async () => {
  assert.equal((await getJson(`${server.url}/healthz`, {})).status, 200);
  const ready = await getJson(`${server.url}/readyz`, {});
  assert.equal(ready.status, 200);
  assert.equal(ready.body.status, 'ready');
});

test('malformed JSON, invalid UTF-8, missing ids and wrong types are named', async () => {
  assertError(await postJson(`${server.url}/v1/track`, '{"userId": "x", "event": '), 400, 'invalid_argument', /not valid JSON/);
  const badUtf8 = Buffer.concat([Buffer.from('{"userId":"x","event":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
  assertError(await postJson(`${server.url}/v1/track`, badUtf8), 400, 'invalid_argument', /UTF-8/);
  assertError(await postJson(`${server.url}/v1/track`, { event: 'Product Viewed' }), 400, 'invalid_argument', /userId or an anonymousId/);
  assertError(await postJson(`${server.url}/v1/track`, { userId: 'x', event: 42 }), 400, 'invalid_argument', /body\.event: expected a string/);
  assertError(await postJson(`${server.url}/v1/identify`, { userId: ['x'] }), 400, 'invalid_argument', /body\.userId: expected a string/);
  assertError(await postJson(`${server.url}/v1/batch`, { batch: [{ type: 'track', event: 'Product Viewed' }] }),
    400, 'invalid_argument', /every message was refused: batch\[0\]: needs a userId/);
  assertError(await postJson(`${server.url}/v1/batch`, { batch: 'nope' }), 400, 'invalid_argument', /batch: missing or not a list/);
});

test('oversized bodies are refused, compressed or not', async () => {
  const huge = { userId: 'x', event: 'Product Viewed', properties: { product_id: 'a'.repeat(600 * 1024) } };
  assertError(await postJson(`${server.url}/v1/track`, huge), 413, 'payload_too_large', /limit of 524288 bytes/);
  // A small gzip body that inflates past the limit.
  const bomb = gzipSync(Buffer.from(JSON.stringify(huge)));
  assert.ok(bomb.length < 10000);
  assertError(await postJson(`${server.url}/v1/track`, bomb, { 'Content-Encoding': 'gzip' }), 413, 'payload_too_large', /decompressed body/);
  assertError(await postJson(`${server.url}/v1/track`, Buffer.from('not gzip at all'), { 'Content-Encoding': 'gzip' }),
    400, 'invalid_argument', /not valid gzip/);
  assertError(await postJson(`${server.url}/v1/track`, '{}', { 'Content-Encoding': 'br' }), 415, 'unsupported_media_type', /gzip is/);
});

test('gzip bodies and body write keys are accepted as SDKs send them', async () => {
  const body = gzipSync(Buffer.from(JSON.stringify({ userId: 'gz-user', messageId: 'gz-1', event: 'Product Viewed', properties: { product_id: 'sku-9' } })));
  const res = await postJson(`${server.url}/v1/track`, body, { 'Content-Encoding': 'gzip' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.accepted, 1);
  // A browser beacon: text/plain, write key in the body, no Authorization.
  const beacon = await fetch(`${server.url}/v1/page`, {
    method: 'POST', headers: { 'Content-Type': 'text/plain' },
    body: JSON.stringify({ writeKey: 'demo-write-key', anonymousId: 'beacon-1', messageId: 'b-1', name: 'Home' }),
  });
  assert.equal(beacon.status, 200);
  // No Origin (not a browser): no CORS headers; browsers get them per allowed origin (browser_sdks).
  assert.equal(beacon.headers.get('access-control-allow-origin'), null);
});

test('keys and roles: only the allowed combinations succeed', async () => {
  const track = { userId: 'auth-user', event: 'Product Viewed' };
  assertError(await postJson(`${server.url}/v1/track`, track, { Authorization: '' }), 401, 'unauthenticated', /no credentials/);
  assertError(await postJson(`${server.url}/v1/track`, track, { Authorization: 'Basic ' + Buffer.from('wrong-key:').toString('base64') }),
    401, 'unauthenticated', /unknown key/);
  assertError(await getJson(`${server.url}/v1/profiles/kept-user`, {}), 401, 'unauthenticated', /no credentials/);
  assertError(await getJson(`${server.url}/v1/profiles/kept-user`, { Authorization: 'Bearer nope-nope' }), 401, 'unauthenticated', /unknown key/);
  // A write key ships in browsers: it can collect, never read a person.
  assertError(await getJson(`${server.url}/v1/profiles/kept-user`, { Authorization: 'Bearer demo-write-key' }),
    403, 'permission_denied', /write_key/);
  assert.equal((await getJson(`${server.url}/v1/profiles/kept-user`)).status, 200);
});

test('unknown endpoints and wrong methods', async () => {
  assertError(await getJson(`${server.url}/v1/nothing-here`), 404, 'not_found', /no endpoint GET \/v1\/nothing-here/);
  assertError(await getJson(`${server.url}/v1/track`), 405, 'method_not_allowed', /takes POST/);
  assertError(await getJson(`${server.url}/v1/profiles/nobody-at-all`), 404, 'not_found', /no profile for 'nobody-at-all'/);
  assertError(await getJson(`${server.url}/v1/profiles/email:not-an-email`), 400, 'invalid_argument', /not an e-mail/);
});

test('after all the bad input, stored data is unharmed', async () => {
  const { status, body } = await getJson(`${server.url}/v1/profiles/email:kept%40example.com`);
  assert.equal(status, 200);
  assert.equal(body.identities.user_id, 'kept-user');
  assert.equal(body.traits.first_name, 'Kept');
  assert.equal(body.event_count, 1);
  const stats = await getJson(`${server.url}/v1/stats/collection`, ADMIN);
  assert.equal(stats.status, 200);
  assert.ok(stats.body.counters.accepted_events >= 3);
});
