// Bytes that are not UTF-8, sent to every route with every role's key (and
// none), in path segments, query values, bodies and headers (issue 14):
// the server must answer each with a 4xx JSON error and stay up. A request
// that kills the process (an error message that echoes the bytes makes the
// JSON library throw) is a failure of its own case; the harness then starts
// the server again on the same data directory (a bounded number of times) so
// that one crash does not hide the others.
//
// Requests go over raw sockets (node:net): fetch would normalise or refuse
// some of these bytes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { KEYS, startServer, tempDataDir, removeDir } from './server.mjs';

const REQUEST_TIMEOUT_MS = 5000;
const MAX_RESTARTS = 300;           // servers started again after a crash, whole file
const MATRIX_BUDGET_MS = 35000;     // the route × key × bytes matrix stops (and fails) past this

let dir;
let server;
let port;
let restarts = 0;
const deaths = [];                  // every case after which the server was gone

// --- raw HTTP ----------------------------------------------------------------

// Strings are written byte for byte ('\xff' is the byte 0xFF); Buffers as they are.
const bytes = (s) => (Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1'));

function authHeader(role) {
  const key = KEYS[role];
  if (!key) return [];
  // Write keys travel as the SDKs send them (Basic), API keys as Bearer.
  return [['Authorization', role === 'write_key' ? 'Basic ' + Buffer.from(`${key}:`).toString('base64') : `Bearer ${key}`]];
}

// One HTTP/1.1 request as bytes. `body` strings are UTF-8 text; Buffers are sent as they are.
// `host`: the Host header's value (null: none).
function buildRequest({ method, target, headers = [], body, host = '127.0.0.1' }) {
  const b = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const lines = [Buffer.concat([bytes(method), bytes(' '), bytes(target), bytes(' HTTP/1.1\r\n')])];
  if (host !== null) lines.push(Buffer.concat([bytes('Host: '), bytes(host), bytes('\r\n')]));
  lines.push(bytes('Connection: close\r\n'));
  for (const [k, v] of headers) lines.push(Buffer.concat([bytes(k), bytes(': '), bytes(v), bytes('\r\n')]));
  if (b) lines.push(bytes(`Content-Type: application/json\r\nContent-Length: ${b.length}\r\n`));
  lines.push(bytes('\r\n'));
  if (b) lines.push(b);
  return Buffer.concat(lines);
}

// Sends `request` and reads one response. Never rejects: { answered, status,
// headers, body (Buffer) } or { answered: false, error | timedOut }.
function exchange(request, timeoutMs = REQUEST_TIMEOUT_MS) {
  return new Promise((resolve) => {
    const chunks = [];
    let finished = false;
    const sock = net.connect({ host: '127.0.0.1', port });
    const finish = (extra = {}) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ ...parseResponse(Buffer.concat(chunks)), ...extra });
    };
    const timer = setTimeout(() => finish({ timedOut: true }), timeoutMs);
    sock.on('connect', () => sock.end(request));
    sock.on('data', (d) => {
      chunks.push(d);
      if (parseResponse(Buffer.concat(chunks)).complete) finish();
    });
    sock.on('end', () => finish());
    sock.on('close', () => finish());
    sock.on('error', (e) => finish({ error: e.code ?? e.message }));
  });
}

function parseResponse(buf) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return { answered: false, complete: false, raw: buf };
  const head = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = head[0].match(/^HTTP\/1\.[01] (\d{3})/);
  if (!m) return { answered: false, complete: false, raw: buf };
  const headers = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = buf.subarray(end + 4);
  let complete = false;
  if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    complete = body.length >= n;
    body = body.subarray(0, n);
  } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts = [];
    let rest = body;
    for (;;) {
      const eol = rest.indexOf('\r\n');
      if (eol < 0) break;
      const size = parseInt(rest.subarray(0, eol).toString('latin1'), 16);
      if (Number.isNaN(size)) break;
      if (size === 0) { complete = true; break; }
      if (rest.length < eol + 2 + size + 2) break;
      parts.push(rest.subarray(eol + 2, eol + 2 + size));
      rest = rest.subarray(eol + 2 + size + 2);
    }
    body = Buffer.concat(parts);
  }
  return { answered: true, complete, status: Number(m[1]), headers, body };
}

const show = (buf) => JSON.stringify(bytes(buf).toString('latin1')).slice(0, 160);

// Problems with an answer that must be a 4xx JSON error: [] when it is one.
function errorProblems(res) {
  if (!res.answered) return [res.timedOut ? 'no answer within 5 s' : `no answer (${res.error ?? 'connection closed'})`];
  const problems = [];
  if (res.status < 400 || res.status > 499) problems.push(`HTTP ${res.status}, expected a 4xx`);
  let json;
  try {
    // The body must be UTF-8 JSON: decode strictly, then parse.
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(res.body));
  } catch (e) {
    problems.push(`body is not UTF-8 JSON (${e.message}): ${show(res.body)}`);
    return problems;
  }
  if (typeof json?.error?.code !== 'string' || typeof json?.error?.message !== 'string')
    problems.push(`body is not {"error":{"code","message"}}: ${show(res.body)}`);
  return problems;
}

// Problems with an answer that must be a clear success or a clear refusal:
// a 2xx JSON body (a 1x1 GIF from the pixel, nothing with a 204), or a 4xx
// JSON error. [] when it is one.
function clearAnswerProblems(res) {
  if (!res.answered || res.status < 200 || res.status > 299) return errorProblems(res);
  if (res.status === 204) return res.body.length === 0 ? [] : [`HTTP 204 with a body: ${show(res.body)}`];
  if (/^image\/gif/.test(res.headers['content-type'] ?? ''))
    return res.body.subarray(0, 6).toString('latin1') === 'GIF89a' ? [] : [`image/gif that is not a GIF: ${show(res.body)}`];
  try {
    const json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(res.body));
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return [`HTTP ${res.status} body is not a JSON object: ${show(res.body)}`];
  } catch (e) {
    return [`HTTP ${res.status} body is not UTF-8 JSON (${e.message}): ${show(res.body)}`];
  }
  return [];
}

// --- the server's life ---------------------------------------------------------

async function start() {
  server = await startServer({ dataDir: dir });
  port = Number(new URL(server.url).port);
}

const exited = () => server.proc.exitCode !== null || server.proc.signalCode !== null;

async function healthy() {
  if (exited()) return false;
  const res = await exchange(buildRequest({ method: 'GET', target: '/healthz' }));
  return res.answered && res.status === 200;
}

// Called after every case: [] when the server is up; otherwise one problem
// naming how it ended, and (budget allowing) a fresh server on the same data.
// `res`: the case's answer; without one, a dying process gets a moment to
// exit first (another thread may still answer /healthz meanwhile).
async function survived(name, res) {
  if (res && !res.answered)
    for (let i = 0; i < 10 && !exited(); i++) await new Promise((r) => setTimeout(r, 50));
  if (await healthy()) return [];
  // Give a dying process a moment to be reaped, so its exit status is known.
  for (let i = 0; i < 20 && !exited(); i++) await new Promise((r) => setTimeout(r, 50));
  const how = exited() ? `exited (code ${server.proc.exitCode}, signal ${server.proc.signalCode})` : 'stopped answering /healthz';
  const last = server.output().trim().split('\n').slice(-2).join(' | ').slice(0, 300);
  deaths.push(name);
  if (!exited()) await server.kill9();
  if (restarts < MAX_RESTARTS) {
    restarts++;
    await start();
  }
  return [`server ${how} after this request; its last output: ${last}`];
}

const serverUp = () => !exited();

// --- set-up ----------------------------------------------------------------------

let rightsRequestId = 'rr_unknown';

async function call(method, target, role, body) {
  return exchange(buildRequest({ method, target, headers: authHeader(role), body: body === undefined ? undefined : JSON.stringify(body) }));
}

before(async () => {
  dir = tempDataDir();
  await start();
  // People with consent and history, a catalogue, a trained model and a rights
  // request, so that reads with a valid id or item go past "not found".
  const must = async (res, status) => assert.equal(res.status, status, res.body?.toString());
  await must(await call('POST', '/v1/identify', 'write_key', { userId: 'm-user', messageId: 'hb-seed', traits: { first_name: 'Hostile' } }), 200);
  await must(await call('POST', '/v1/items', 'admin', { items: ['sku-1000', 'sku-1001', 'sku-1002'].map((id) => ({ id, name: id, category: 'kitchen' })) }), 200);
  for (const user of ['m-user', 'm-user-2', 'm-user-3']) {
    await must(await call('PUT', `/v1/consent/${user}`, 'admin',
      { source: 'privacy_center', changes: [{ purpose: 'personalization', channel: 'web', status: 'granted' }] }), 200);
    for (const sku of ['sku-1000', 'sku-1001', 'sku-1002']) {
      await must(await call('POST', '/v1/track', 'write_key', { userId: user, messageId: `hb-${user}-${sku}`, event: 'Product Viewed',
        properties: { product_id: sku }, context: { channel: 'web' } }), 200);
    }
  }
  await must(await call('POST', '/v1/models/train', 'admin'), 200);
  const filed = await call('POST', '/v1/rights/requests', 'admin', { type: 'access', subject: 'm-user' });
  await must(filed, 201);
  rightsRequestId = JSON.parse(filed.body.toString()).id;
});

after(async () => {
  await server?.stop();
  if (dir) removeDir(dir);
});

// --- 4. an id that is not UTF-8 is never stored ----------------------------------

test('PUT /v1/consent/%C3%28 is refused with 400 and the id stays unreadable without harm', async () => {
  const put = await call('PUT', '/v1/consent/%C3%28', 'service',
    { source: 'privacy_center', changes: [{ purpose: 'personalization', channel: 'web', status: 'granted' }] });
  const problems = [];
  if (put.status !== 400) problems.push(`PUT /v1/consent/%C3%28 as service: HTTP ${put.status ?? 'none'}, expected 400: ${show(put.body ?? '')}`);
  problems.push(...errorProblems(put).map((p) => `PUT /v1/consent/%C3%28 as service: ${p}`));
  problems.push(...(await survived('PUT /v1/consent/%C3%28', put)).map((p) => `PUT /v1/consent/%C3%28 as service: ${p}`));
  for (const target of ['/v1/profiles/%C3%28', '/v1/profiles/%C3%28?reason=check', '/v1/consent/%C3%28', '/v1/consent/%C3%28/history']) {
    const res = await call('GET', target, 'admin');
    problems.push(...errorProblems(res).map((p) => `GET ${target} as admin: ${p}`));
    problems.push(...(await survived(`GET ${target}`, res)).map((p) => `GET ${target} as admin: ${p}`));
  }
  assert.deepEqual(problems, []);
});

// --- 3. raw requests whose bytes are not UTF-8 -----------------------------------

const basic = (s) => 'Basic ' + Buffer.from(s, 'latin1').toString('base64');
const gzip = (b) => gzipSync(bytes(b));
const NOT_UTF8_BODY = Buffer.from([0xff, 0xfe, 0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x80, 0x7d]);  // ÿþ{"Ã(":\x80}
const JSON_WITH_BAD_BYTES = (field) => Buffer.concat([bytes(`{"${field}":"`), Buffer.from([0xc3, 0x28, 0xff]), bytes('"}')]);
const CONSENT_WITH_BAD_BYTES = Buffer.concat([bytes('{"source":"'), Buffer.from([0xff]),
  bytes('","changes":[{"purpose":"personalization","channel":"web","status":"granted"}]}')]);

// Each must get a 4xx JSON error, the requests that are not valid HTTP
// (method, version, header name, header size) included: the server answers
// those with 400 "malformed HTTP request" too.
const RAW = [
  { name: 'GET /\\xff HTTP/1.1', request: buildRequest({ method: 'GET', target: '/\xff' }) },
  { name: 'GET /\\xc3\\x28 HTTP/1.1', request: buildRequest({ method: 'GET', target: '/\xc3\x28' }) },
  { name: 'GET /v1/profiles/\\xff as admin', request: buildRequest({ method: 'GET', target: '/v1/profiles/\xff', headers: authHeader('admin') }) },
  { name: 'POST /v1/track, Content-Encoding: \\xff, body {}, no key',
    request: buildRequest({ method: 'POST', target: '/v1/track', headers: [['Content-Encoding', '\xff']], body: '{}' }) },
  { name: 'POST /v1/track, Content-Encoding: \\xc3\\x28 x 200, body {}, write key',
    request: buildRequest({ method: 'POST', target: '/v1/track', headers: [...authHeader('write_key'), ['Content-Encoding', '\xc3\x28'.repeat(200)]], body: '{}' }) },
  { name: 'POST /v1/track, Authorization: Basic \\xff (raw byte)',
    request: buildRequest({ method: 'POST', target: '/v1/track', headers: [['Authorization', 'Basic \xff\xfe']], body: '{"userId":"u","event":"E"}' }) },
  { name: 'POST /v1/track, Authorization: Basic base64("\\xff\\xc3\\x28:")',
    request: buildRequest({ method: 'POST', target: '/v1/track', headers: [['Authorization', basic('\xff\xc3\x28:')]], body: '{"userId":"u","event":"E"}' }) },
  { name: 'GET /v1/profiles/m-user, Authorization: Bearer \\xff (raw byte)',
    request: buildRequest({ method: 'GET', target: '/v1/profiles/m-user', headers: [['Authorization', 'Bearer \xff\xc3\x28']] }) },
  { name: 'GET /v1/profiles/m-user, Authorization: \\xff (no scheme)',
    request: buildRequest({ method: 'GET', target: '/v1/profiles/m-user', headers: [['Authorization', '\xff \xff']] }) },
  { name: 'POST /v1/track, body not UTF-8, no key', request: buildRequest({ method: 'POST', target: '/v1/track', body: NOT_UTF8_BODY }) },
  { name: 'POST /v1/track, body not UTF-8, write key',
    request: buildRequest({ method: 'POST', target: '/v1/track', headers: authHeader('write_key'), body: NOT_UTF8_BODY }) },
  { name: 'POST /v1/track, JSON with bytes not UTF-8 in userId, write key',
    request: buildRequest({ method: 'POST', target: '/v1/track', headers: authHeader('write_key'), body: JSON_WITH_BAD_BYTES('userId') }) },
  { name: 'POST /v1/track, gzip of a body not UTF-8, write key',
    request: buildRequest({ method: 'POST', target: '/v1/track', headers: [...authHeader('write_key'), ['Content-Encoding', 'gzip']], body: gzip(NOT_UTF8_BODY) }) },
  { name: 'PUT /v1/consent/x, body not UTF-8, no key', request: buildRequest({ method: 'PUT', target: '/v1/consent/x', body: NOT_UTF8_BODY }) },
  { name: 'PUT /v1/consent/x, body not UTF-8, service key',
    request: buildRequest({ method: 'PUT', target: '/v1/consent/x', headers: authHeader('service'), body: NOT_UTF8_BODY }) },
  { name: 'PUT /v1/consent/m-user, JSON with bytes not UTF-8 in source, service key',
    request: buildRequest({ method: 'PUT', target: '/v1/consent/m-user', headers: authHeader('service'), body: CONSENT_WITH_BAD_BYTES }) },
  { name: 'POST /v1/rights/requests, body not UTF-8, no key',
    request: buildRequest({ method: 'POST', target: '/v1/rights/requests', body: NOT_UTF8_BODY }) },
  { name: 'POST /v1/rights/requests, body not UTF-8, privacy officer',
    request: buildRequest({ method: 'POST', target: '/v1/rights/requests', headers: authHeader('privacy_officer'), body: NOT_UTF8_BODY }) },
  { name: 'POST /v1/rights/requests, JSON with bytes not UTF-8 in subject, privacy officer',
    request: buildRequest({ method: 'POST', target: '/v1/rights/requests', headers: authHeader('privacy_officer'), body: JSON_WITH_BAD_BYTES('subject') }) },
  { name: 'GET /healthz with a 20 KB header', request: buildRequest({ method: 'GET', target: '/healthz', headers: [['X-Big', 'a'.repeat(20 * 1024)]] }) },
  { name: 'POST /v1/track with a 20 KB header of \\xff', request: buildRequest({ method: 'POST', target: '/v1/track', headers: [['X-Big', '\xff'.repeat(20 * 1024)]], body: '{}' }) },
  { name: 'empty method: " / HTTP/1.1"', request: bytes(' / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n') },
  { name: 'method with \\xff: "G\\xffT / HTTP/1.1"', request: buildRequest({ method: 'G\xffT', target: '/' }) },
  { name: 'header name with \\xff', request: buildRequest({ method: 'GET', target: '/healthz', headers: [['X-\xff', '1']] }) },
  { name: 'HTTP version with \\xff: "GET / HTTP/1.\\xff"', request: bytes('GET / HTTP/1.\xff\r\nHost: x\r\n\r\n') },
];

test('raw requests with bytes that are not UTF-8 get a 4xx JSON error and the server survives', { timeout: 60000 }, async () => {
  const failures = [];
  for (const c of RAW) {
    const res = await exchange(c.request);
    const problems = [...errorProblems(res), ...(await survived(c.name, res))];
    failures.push(...problems.map((p) => `${c.name}: ${p}`));
  }
  assert.deepEqual(failures, []);
});

// --- 2. every route × every key × hostile bytes -----------------------------------

// In a path segment or query value: percent-encoded 0xFF, an invalid 2-byte
// sequence, and the raw byte (which the HTTP parser lets through).
const IN_TARGET = [['%FF', '%FF'], ['%C3%28', '%C3%28'], ['raw \\xff', '\xff']];
// Inside a JSON string of a body: raw bytes, and an escaped lone surrogate.
const IN_BODY = [['\\xff', Buffer.from([0xff])], ['\\xc3\\x28', Buffer.from([0xc3, 0x28])], ['\\udcff', bytes('\\udcff')]];
const H = '@@HOSTILE@@';            // placeholder in body templates
const bodyWith = (template, h) => {
  const parts = JSON.stringify(template).split(H);
  return Buffer.concat(parts.flatMap((p, i) => (i ? [h, bytes(p)] : [bytes(p)])));
};

// Issue 16's query values and path segments also get an empty and a huge one.
const IN_TARGET_WIDE = [...IN_TARGET, ['empty', ''], ['8 KB', 'a'.repeat(8 * 1024)], ['8 KB of %FF', '%FF'.repeat(2700)]];
const COLLECT_ROLES = ['none', 'write_key', 'admin', 'analyst'];
const SHORT_PATHS = { i: 'identify', t: 'track', p: 'page', s: 'screen', g: 'group', a: 'alias', b: 'batch' };
// A pixel's `data`: the call as base64 JSON, percent-encoded as an e-mail's <img src> has it.
const pixelData = (json) => encodeURIComponent(bytes(Buffer.isBuffer(json) ? json : Buffer.from(json, 'utf8')).toString('base64'));
const PIXEL_CALL = { writeKey: 'demo-write-key', event: 'Product Viewed', properties: { product_id: 'sku-1000' } };
// Sent by requests that must be refused, in bodies that would otherwise be
// stored: no profile may exist under these ids afterwards.
const UNSTORED_ID = 'hb-never-stored';
const FOREIGN_ID = 'hb-foreign-origin';

const COLLECT_BODIES = {
  identify: { userId: H, messageId: 'hb-1', traits: { first_name: 'x' } },
  track: { userId: H, messageId: 'hb-2', event: 'Product Viewed' },
  page: { anonymousId: H, messageId: 'hb-3', name: 'Home' },
  screen: { userId: H, messageId: 'hb-4', name: 'Home' },
  group: { userId: 'm-user', messageId: 'hb-5', groupId: H },
  alias: { userId: 'm-user', messageId: 'hb-6', previousId: H },
  batch: { batch: [{ type: 'track', userId: H, messageId: 'hb-7', event: 'Product Viewed' }] },
  import: { batch: [{ type: 'track', userId: H, messageId: 'hb-8', event: 'Product Viewed' }] },
};

// Each route: where hostile bytes can go. `t` builds the target from the bytes.
function routes() {
  const r = [];
  for (const [name, template] of Object.entries(COLLECT_BODIES)) {
    r.push({ route: `POST /v1/${name}`, where: 'extra path segment', method: 'POST', t: (h) => `/v1/${name}/${h}`, body: '{}' });
    r.push({ route: `POST /v1/${name}`, where: 'body', method: 'POST', t: () => `/v1/${name}`, body: template });
  }
  const consentBody = { source: 'privacy_center', changes: [{ purpose: 'personalization', channel: 'web', status: 'granted' }] };
  r.push(
    { route: 'GET /v1/profiles/{id}', where: 'id', method: 'GET', t: (h) => `/v1/profiles/${h}?reason=order+query` },
    { route: 'GET /v1/profiles/{id}', where: 'reason=', method: 'GET', t: (h) => `/v1/profiles/m-user?reason=${h}` },
    { route: 'GET /v1/consent/{id}', where: 'id', method: 'GET', t: (h) => `/v1/consent/${h}` },
    { route: 'GET /v1/consent/{id}/history', where: 'id', method: 'GET', t: (h) => `/v1/consent/${h}/history` },
    { route: 'PUT /v1/consent/{id}', where: 'id', method: 'PUT', t: (h) => `/v1/consent/${h}`, body: consentBody },
    { route: 'PUT /v1/consent/{id}/history', where: 'id', method: 'PUT', t: (h) => `/v1/consent/${h}/history`, body: consentBody },
    { route: 'PUT /v1/consent/{id}', where: 'body', method: 'PUT', t: () => '/v1/consent/m-user',
      body: { source: H, changes: [{ purpose: 'personalization', channel: H, status: 'granted' }] } },
    { route: 'GET /v1/stats/collection', where: 'extra path segment', method: 'GET', t: (h) => `/v1/stats/collection/${h}` },
    { route: 'GET /v1/recommendations/{id}', where: 'id', method: 'GET', t: (h) => `/v1/recommendations/${h}?n=3` },
    { route: 'GET /v1/recommendations/{id}', where: 'n=', method: 'GET', t: (h) => `/v1/recommendations/m-user?n=${h}` },
    { route: 'GET /v1/recommendations/{id}', where: 'context_item=', method: 'GET', t: (h) => `/v1/recommendations/m-user?n=3&context_item=${h}` },
    { route: 'GET /v1/recommendations/{id}', where: 'channel=', method: 'GET', t: (h) => `/v1/recommendations/m-user?n=3&channel=${h}` },
    { route: 'GET /v1/items/{id}/similar', where: 'id', method: 'GET', t: (h) => `/v1/items/${h}/similar?n=3` },
    { route: 'GET /v1/items/{id}/similar', where: 'n=', method: 'GET', t: (h) => `/v1/items/sku-1000/similar?n=${h}` },
    { route: 'POST /v1/items', where: 'extra path segment', method: 'POST', t: (h) => `/v1/items/${h}`, body: { items: [] } },
    { route: 'POST /v1/items', where: 'body', method: 'POST', t: () => '/v1/items', body: { items: [{ id: H, name: H, category: 'kitchen' }] } },
    { route: 'POST /v1/feedback', where: 'extra path segment', method: 'POST', t: (h) => `/v1/feedback/${h}`, body: '{}' },
    { route: 'POST /v1/feedback', where: 'body', method: 'POST', t: () => '/v1/feedback', body: { type: 'impression', subject: H, items: [H] } },
    { route: 'POST /v1/models/train', where: 'extra path segment', method: 'POST', t: (h) => `/v1/models/train/${h}` },
    { route: 'GET /v1/stats/recommendations', where: 'extra path segment', method: 'GET', t: (h) => `/v1/stats/recommendations/${h}` },
    { route: 'GET /v1/audit/report', where: 'extra path segment', method: 'GET', t: (h) => `/v1/audit/report/${h}` },
    { route: 'GET /v1/audit/report', where: 'format=', method: 'GET', t: (h) => `/v1/audit/report?format=${h}` },
    { route: 'POST /v1/rights/requests', where: 'extra path segment', method: 'POST', t: (h) => `/v1/rights/requests/${h}`, body: { type: 'access', subject: 'm-user' } },
    { route: 'POST /v1/rights/requests', where: 'body', method: 'POST', t: () => '/v1/rights/requests', body: { type: 'access', subject: H } },
    { route: 'GET /v1/rights/requests/{id}', where: 'id', method: 'GET', t: (h) => `/v1/rights/requests/${h}` },
    { route: 'GET /v1/rights/requests/{id}', where: 'format=', method: 'GET', t: (h) => `/v1/rights/requests/${rightsRequestId}?format=${h}` },
    { route: 'GET /v1/rights/requests/{id}', where: 'id, format=html', method: 'GET', t: (h) => `/v1/rights/requests/${h}?format=html` },
  );
  // Issue 16. Segment's short paths take the bodies of the long ones, with
  // the keys that take different ways through collection (none: the body's
  // writeKey; an API key that may not collect).
  for (const [short, name] of Object.entries(SHORT_PATHS)) {
    r.push({ route: `POST /v1/${short}`, where: 'extra path segment', method: 'POST', t: (h) => `/v1/${short}/${h}`, body: '{}', roles: COLLECT_ROLES });
    r.push({ route: `POST /v1/${short}`, where: 'body', method: 'POST', t: () => `/v1/${short}`, body: COLLECT_BODIES[name], roles: COLLECT_ROLES });
  }
  r.push(
    { route: 'POST /v1/m', where: 'extra path segment', method: 'POST', t: (h) => `/v1/m/${h}`, body: '{}' },
    { route: 'POST /beacon/v1/batch', where: 'extra path segment', method: 'POST', t: (h) => `/beacon/v1/batch/${h}?writeKey=${KEYS.write_key}`,
      body: COLLECT_BODIES.batch },
    { route: 'POST /beacon/v1/batch', where: 'body', method: 'POST', t: () => `/beacon/v1/batch?writeKey=${KEYS.write_key}`, body: COLLECT_BODIES.batch },
  );
  // The write key in the query (beacons cannot set headers), read when no
  // Authorization header is sent: the body is valid, so only the key decides.
  for (const path of ['/beacon/v1/batch', '/v1/b', '/v1/batch', '/v1/import'])
    r.push({ route: `POST ${path}`, where: 'writeKey=', method: 'POST', t: (h) => `${path}?writeKey=${h}`, roles: ['none'], values: IN_TARGET_WIDE,
      body: { batch: [{ type: 'track', userId: UNSTORED_ID, event: 'Product Viewed', properties: { product_id: 'sku-1000' } }] } });
  for (const path of ['/v1/t', '/v1/track'])
    r.push({ route: `POST ${path}`, where: 'writeKey=', method: 'POST', t: (h) => `${path}?writeKey=${h}`, roles: ['none'], values: IN_TARGET_WIDE,
      body: { userId: UNSTORED_ID, event: 'Product Viewed', properties: { product_id: 'sku-1000' } } });
  // The tracking pixel: bytes in its type, in `data`, and in the JSON that `data` encodes.
  r.push(
    { route: 'GET /v1/pixel/{type}', where: 'type', method: 'GET', values: IN_TARGET_WIDE,
      t: (h) => `/v1/pixel/${h}?data=${pixelData(JSON.stringify({ ...PIXEL_CALL, userId: UNSTORED_ID }))}` },
    { route: 'GET /v1/pixel/{type}', where: 'data=', method: 'GET', values: IN_TARGET_WIDE, t: (h) => `/v1/pixel/track?data=${h}` },
  );
  for (const type of ['track', 'page', 'screen', 'identify', 'group', 'alias'])
    r.push({ route: `GET /v1/pixel/${type}`, where: 'data (base64 JSON)', method: 'GET', t: (data) => `/v1/pixel/${type}?data=${data}`,
      data: { writeKey: KEYS.write_key, ...COLLECT_BODIES[type] }, roles: COLLECT_ROLES });
  return r;
}

function matrixCases() {
  const cases = [];
  for (const r of routes()) {
    const inBody = r.where === 'body';
    const inData = r.data !== undefined;   // the bytes go in the JSON that the target carries as base64
    for (const [label, h] of inBody || inData ? IN_BODY : r.values ?? IN_TARGET) {
      for (const role of r.roles ?? Object.keys(KEYS)) {
        const target = inData ? r.t(pixelData(bodyWith(r.data, h))) : r.t(inBody ? '' : h);
        let body;
        if (inBody) body = bodyWith(r.body, h);
        else if (r.body !== undefined) body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
        cases.push({
          group: `${r.route} [${r.where}: ${label}]`,
          role,
          name: `${r.route} [${r.where}: ${label}] as ${role}`,
          request: buildRequest({ method: r.method, target, headers: authHeader(role), body }),
        });
      }
    }
  }
  return cases;
}

test('every route × every key × bytes not UTF-8 in path, query and body: a 4xx JSON error, and the server survives',
  { timeout: 60000 }, async () => {
    const cases = matrixCases();
    const failed = new Map();        // case group -> { roles, problems }
    const deadline = Date.now() + MATRIX_BUDGET_MS;
    let ran = 0;
    let failedCases = 0;
    for (const c of cases) {
      if (Date.now() > deadline || !serverUp()) break;
      ran++;
      const res = await exchange(c.request);
      const problems = [...errorProblems(res), ...(await survived(c.name, res))];
      if (problems.length === 0) continue;
      failedCases++;
      const g = failed.get(c.group) ?? { roles: [], problems: new Set() };
      g.roles.push(c.role);
      for (const p of problems) g.problems.add(p.replace(/index \d+/, 'index N'));
      failed.set(c.group, g);
    }
    // One line per route × place × bytes, naming the roles that failed.
    const lines = [...failed].map(([group, g]) => `${group} as ${g.roles.join(', ')}: ${[...g.problems].join('; ')}`);
    if (ran < cases.length)
      lines.push(`${cases.length - ran} of ${cases.length} cases not run (${Date.now() > deadline ? 'time budget spent' : 'server gone, restart budget spent'})`);
    assert.ok(lines.length === 0,
      `${failedCases} of ${ran} cases run (of ${cases.length}) failed; the server was started again ${restarts} times in all:\n` +
      lines.slice(0, 150).join('\n') + (lines.length > 150 ? `\n... and ${lines.length - 150} more` : ''));
  });

// --- 5. issue 16: /v1/m, the pixel's JSON, Origin and Host ---------------------

async function acceptedEvents() {
  const res = await call('GET', '/v1/stats/collection', 'admin');
  assert.equal(res.status, 200, res.body?.toString());
  return JSON.parse(res.body.toString()).counters.accepted_events ?? 0;
}

// Runs `cases` ({ name, request, check? }) one by one: each answer must be a
// clear success or a 4xx JSON error (plus what `check` says), and the server
// must survive it. Returns the failures, one line each (`structured`: as
// { c, problem }).
async function runCases(cases, { structured = false } = {}) {
  const failures = [];
  for (const c of cases) {
    let problems;
    if (!serverUp()) {
      problems = ['not run, the server is gone'];
    } else {
      const res = await exchange(c.request);
      problems = [...clearAnswerProblems(res), ...(res.answered && c.check ? c.check(res) : []), ...(await survived(c.name, res))];
    }
    failures.push(...problems.map((problem) => (structured ? { c, problem } : `${c.name}: ${problem}`)));
  }
  return failures;
}

const BIG = 512 * 1024;  // server.max_body_bytes in examples/shinrai.yaml

test("POST /v1/m (Segment's own metrics) takes any body up to the limit, answers clearly and stores nothing", { timeout: 30000 }, async () => {
  const before = await acceptedEvents();
  const bodies = [
    ['not UTF-8', NOT_UTF8_BODY],
    ['JSON with bytes not UTF-8', JSON_WITH_BAD_BYTES('series')],
    ['an escaped lone surrogate', bytes('{"series":["\\udcff"]}')],
    ['a track call (not kept here)', Buffer.from(JSON.stringify({ userId: UNSTORED_ID, event: 'Product Viewed', writeKey: KEYS.write_key }))],
    ['empty', Buffer.alloc(0)],
    ['the limit, of \\xff', Buffer.alloc(BIG, 0xff)],
  ];
  const cases = [];
  for (const [label, body] of bodies)
    for (const role of ['none', 'write_key', 'analyst'])
      cases.push({ name: `POST /v1/m, body ${label}, as ${role}`, request: buildRequest({ method: 'POST', target: '/v1/m', headers: authHeader(role), body }) });
  cases.push(
    { name: 'POST /v1/m, gzip of a body not UTF-8', request: buildRequest({ method: 'POST', target: '/v1/m', headers: [['Content-Encoding', 'gzip']], body: gzip(NOT_UTF8_BODY) }) },
    { name: 'POST /v1/m, no body', request: buildRequest({ method: 'POST', target: '/v1/m' }) },
    { name: 'POST /v1/m, one byte past the limit', request: buildRequest({ method: 'POST', target: '/v1/m', body: Buffer.alloc(BIG + 1, 0x61) }),
      check: (res) => (res.status === 413 ? [] : [`HTTP ${res.status}, expected 413`]) },
    { name: 'POST /v1/m?writeKey=\\xff', request: buildRequest({ method: 'POST', target: '/v1/m?writeKey=\xff', body: '{}' }) },
    { name: 'POST /v1/m from a page of another site', request: buildRequest({ method: 'POST', target: '/v1/m', headers: [['Origin', 'http://evil.example']], body: '{}' }),
      check: (res) => (res.status === 403 ? [] : [`HTTP ${res.status}, expected 403`]) },
  );
  const failures = await runCases(cases);
  const after = await acceptedEvents();
  if (after !== before) failures.push(`accepted_events went from ${before} to ${after}: /v1/m stored something`);
  assert.deepEqual(failures, []);
});

test('the tracking pixel: base64 of JSON that is not UTF-8, huge, deep or not JSON gets a GIF or a 4xx JSON error', { timeout: 30000 }, async () => {
  const pixel = (name, data, type = 'track', check) => ({ name, request: buildRequest({ method: 'GET', target: `/v1/pixel/${type}?data=${data}` }), check });
  const refused = (res) => (res.status >= 400 && res.status <= 499 ? [] : [`HTTP ${res.status}, expected a 4xx`]);
  const gif = (res) => (res.status === 200 && /^image\/gif/.test(res.headers['content-type'] ?? '') ? [] : [`HTTP ${res.status} ${res.headers['content-type']}, expected the GIF`]);
  const refusedCall = (extra) => JSON.stringify({ ...PIXEL_CALL, userId: UNSTORED_ID, ...extra });
  const keptCall = (extra) => JSON.stringify({ ...PIXEL_CALL, userId: 'hb-pixel-kept', ...extra });
  const bad = (n) => Buffer.concat([bytes(`{"writeKey":"demo-write-key","userId":"${UNSTORED_ID}","event":"Product Viewed","properties":{"name":"`),
    Buffer.alloc(n, 0xff), bytes('"}}')]);
  const cases = [
    pixel('base64 of a body not UTF-8', pixelData(NOT_UTF8_BODY), 'track', refused),
    pixel('base64 of gzip of a call', pixelData(gzip(refusedCall())), 'track', refused),
    pixel('base64 of 10 KB of \\xff in a property', pixelData(bad(10 * 1024)), 'track', refused),
    pixel('base64 of 20 KB of \\xff in a property (past the header limit)', pixelData(bad(20 * 1024)), 'track', refused),
    pixel('base64 of a 10 KB valid call', pixelData(keptCall({ properties: { product_id: 'sku-1000', name: 'n'.repeat(10 * 1024) } })), 'track', gif),
    pixel('base64 of a 20 KB valid call (past the header limit)', pixelData(refusedCall({ properties: { name: 'n'.repeat(20 * 1024) } })), 'track', refused),
    pixel('base64 of JSON nested 5000 deep', pixelData(`{"writeKey":"demo-write-key","userId":"${UNSTORED_ID}","event":"E","properties":{"a":${'['.repeat(5000)}${']'.repeat(5000)}}}`), 'track', refused),
    pixel('base64 of an escaped lone surrogate', pixelData(`{"writeKey":"demo-write-key","userId":"\\udcff","event":"E"}`), 'track', refused),
    pixel('base64 of a JSON list', pixelData('[1,2,3]'), 'track', refused),
    pixel('base64 of a batch', pixelData(JSON.stringify({ writeKey: KEYS.write_key, batch: [JSON.parse(refusedCall())] })), 'track', refused),
    pixel('base64 with a writeKey of \\xff', pixelData(Buffer.concat([bytes('{"writeKey":"'), Buffer.from([0xff]), bytes(`","userId":"${UNSTORED_ID}","event":"E"}`)])), 'track', refused),
    pixel('base64 with no writeKey', pixelData(JSON.stringify({ userId: UNSTORED_ID, event: 'E' })), 'track', refused),
    pixel('base64 with a writeKey that is a number', pixelData(JSON.stringify({ writeKey: 7, userId: UNSTORED_ID, event: 'E' })), 'track', refused),
    pixel('base64 that decodes to nothing', 'A', 'track', refused),
    pixel('data given twice, the first not base64', `%25%25&data=${pixelData(refusedCall())}`, 'track', refused),
    pixel('base64 with + and / unescaped', Buffer.from(keptCall({ properties: { name: '???>>>' } })).toString('base64'), 'track', gif),
    pixel('base64url', Buffer.from(keptCall({ properties: { name: '???>>>' } })).toString('base64url'), 'track', gif),
    pixel('8 KB of "="', '='.repeat(8192), 'track', refused),
    // Segment's unencoded form (?writeKey=&userId=&event=) is not supported: refused, not stored.
    { name: 'GET /v1/pixel/track?writeKey=&userId=&event= (unencoded)', check: refused,
      request: buildRequest({ method: 'GET', target: `/v1/pixel/track?writeKey=${KEYS.write_key}&userId=${UNSTORED_ID}&event=Product%20Viewed` }) },
    // An Authorization header that cannot be read is ignored (as on every collection route): the data's writeKey decides.
    { name: 'GET /v1/pixel/track with Authorization: Basic \\xff and a good writeKey in data',
      request: buildRequest({ method: 'GET', target: `/v1/pixel/track?data=${pixelData(keptCall())}`, headers: [['Authorization', 'Basic \xff\xfe']] }) },
    { name: 'GET /v1/pixel/track with Authorization: Bearer \\xff and a good writeKey in data', check: refused,
      request: buildRequest({ method: 'GET', target: `/v1/pixel/track?data=${pixelData(refusedCall())}`, headers: [['Authorization', 'Bearer \xff\xfe']] }) },
  ].map((c) => ({ ...c, name: c.name.startsWith('GET ') ? c.name : `GET /v1/pixel/track, ${c.name}` }));
  assert.deepEqual(await runCases(cases), []);
});

// What a page may send: allowed origins (and the server's own) get CORS
// headers naming them; any other Origin header on a browser route is refused
// (4xx) before anything is stored, and gets no CORS header. An origin is
// scheme://host[:port] in ASCII: raw bytes are never anybody's origin.
const ALLOWED_ORIGINS = ['http://127.0.0.1:8089', 'http://localhost:8089'];
const WEB_ORIGIN = /^https?:\/\/[A-Za-z0-9.\-\[\]:]+$/;
function originAllowed(origin, host) {
  if (!WEB_ORIGIN.test(origin)) return false;
  const o = origin.toLowerCase();
  const h = (host ?? '').toLowerCase();
  return ALLOWED_ORIGINS.includes(o) || (h !== '' && (o === `http://${h}` || o === `https://${h}`));
}

const browserRoutes = (userId) => [
  { name: 'POST /v1/t', method: 'POST', target: '/v1/t', role: 'write_key', body: { userId, event: 'Product Viewed', properties: { product_id: 'sku-1000' } } },
  { name: 'POST /v1/b', method: 'POST', target: '/v1/b', role: 'write_key', body: { batch: [{ type: 'page', userId, name: 'Home' }] } },
  { name: 'POST /beacon/v1/batch?writeKey=', method: 'POST', target: `/beacon/v1/batch?writeKey=${KEYS.write_key}`, role: 'none',
    body: { batch: [{ type: 'track', userId, event: 'Product Viewed' }] } },
  { name: 'POST /v1/m', method: 'POST', target: '/v1/m', role: 'none', body: { series: [] } },
  { name: 'GET /v1/recommendations/{id}', method: 'GET', target: '/v1/recommendations/m-user?n=3', role: 'service' },
];
// Routes no page may call: a preflight gets no CORS header whatever the Origin.
const SERVER_ROUTES = ['/v1/profiles/m-user', '/v1/pixel/track', '/v1/rights/requests'];

const HOSTILE_ORIGINS = [
  ['\\xff', '\xff'], ['\\xc3\\x28', '\xc3\x28'], ['http://\\xff', 'http://\xff'], ['http://localhost:8089\\xff', 'http://localhost:8089\xff'],
  ['8 KB', `http://${'a'.repeat(8192)}`], ['8 KB of \\xff', '\xff'.repeat(8192)], ['empty', ''], ['null', 'null'], ['*', '*'],
  ['http://evil.example', 'http://evil.example'], ['an allowed one with a path', 'http://localhost:8089/x'],
  ['an allowed one as a suffix', 'http://evil.example.http://localhost:8089'], ['<script>', 'http://x<script>alert(1)</script>'],
];
const HOSTILE_HOSTS = [['\\xff', '\xff'], ['\\xc3\\x28', '\xc3\x28'], ['8 KB', 'h'.repeat(8192)], ['empty', ''], ['null', 'null'], ['none', null]];

// Requests with these Origin (one or several) and Host headers, to every browser route and its preflight.
function originCases(label, origins, host = '127.0.0.1') {
  const first = origins[0];
  // An empty Origin header is no origin (the server treats it as absent): such a call may be kept.
  const mayStore = first === '' || originAllowed(first, host);
  const cases = [];
  for (const r of browserRoutes(mayStore ? 'hb-origin-ok' : FOREIGN_ID)) {
    const headers = origins.map((o) => ['Origin', o]);
    const check = (res) => {
      const problems = [];
      const acao = res.headers['access-control-allow-origin'];
      if (first !== '' && !originAllowed(first, host) && res.status < 400)
        problems.push(`HTTP ${res.status}: a page of an origin that is not allowed was served`);
      if (acao !== undefined) {
        if (!originAllowed(acao, host)) problems.push(`Access-Control-Allow-Origin ${show(acao)} names an origin that is not allowed`);
        if (acao !== first) problems.push(`Access-Control-Allow-Origin ${show(acao)} is not the request's Origin ${show(first)}`);
        if (!/\borigin\b/i.test(res.headers.vary ?? '')) problems.push('Access-Control-Allow-Origin without Vary: Origin');
      }
      return problems;
    };
    cases.push(
      { name: `${r.name}, ${label}`, route: r.name, label, check,
        request: buildRequest({ method: r.method, target: r.target, host, headers: [...authHeader(r.role), ...headers], body: r.body && JSON.stringify(r.body) }) },
      { name: `OPTIONS ${r.target} (preflight), ${label}`, route: `OPTIONS ${r.target}`, label, check,
        request: buildRequest({ method: 'OPTIONS', target: r.target, host, headers: [...headers, ['Access-Control-Request-Method', r.method],
          ['Access-Control-Request-Headers', 'authorization, content-type']] }) },
    );
  }
  for (const target of SERVER_ROUTES)
    cases.push({ name: `OPTIONS ${target} (not a browser route), ${label}`, route: `OPTIONS ${target}`, label, request: buildRequest({ method: 'OPTIONS', target, host, headers: origins.map((o) => ['Origin', o]) }),
      check: (res) => (res.headers['access-control-allow-origin'] === undefined ? [] : [`Access-Control-Allow-Origin ${show(res.headers['access-control-allow-origin'])} on a route no page may call`]) });
  return cases;
}

test('hostile Origin and Host headers on browser routes and preflights: a clear answer, no CORS grant and no write for a foreign or broken origin',
  { timeout: 60000 }, async () => {
    const cases = [];
    for (const [label, origin] of HOSTILE_ORIGINS) cases.push(...originCases(`Origin: ${label}`, [origin]));
    cases.push(...originCases('Origin: an allowed one (control)', ['http://localhost:8089']));
    cases.push(...originCases('two Origin headers, a foreign one first', ['http://evil.example', 'http://localhost:8089']));
    cases.push(...originCases('two Origin headers, an allowed one first', ['http://localhost:8089', 'http://evil.example']));
    for (const [label, host] of HOSTILE_HOSTS) {
      // The server's own origin is allowed: Origin http://<Host> with a Host that is not a host name must not pass for it.
      if (host !== null) cases.push(...originCases(`Host: ${label}, Origin: http://<that Host>`, [`http://${host}`], host));
      cases.push(...originCases(`Host: ${label}, Origin: http://evil.example`, ['http://evil.example'], host));
    }
    cases.push(...originCases('no Host, Origin: an allowed one', ['http://localhost:8089'], null));
    const failures = await runCases(cases, { structured: true });
    // One line per origin case and problem, naming the routes it hit.
    const grouped = new Map();
    for (const { c, problem } of failures) {
      const key = `${c.label}: ${problem.replace(/"[^"]{60,}"/g, (m) => m.slice(0, 60) + '…"')}`;
      grouped.set(key, [...(grouped.get(key) ?? []), c.route]);
    }
    const lines = [...grouped].map(([k, routesHit]) => `${k}  [${routesHit.join('; ')}]`);
    assert.ok(lines.length === 0, `${failures.length} of ${cases.length} cases failed:\n${lines.join('\n')}`);
  });

test('nothing was stored for requests that were refused', async () => {
  const problems = [];
  for (const id of [UNSTORED_ID, FOREIGN_ID]) {
    const res = await call('GET', `/v1/profiles/${id}`, 'admin');
    if (res.status !== 404) problems.push(`GET /v1/profiles/${id}: HTTP ${res.status}, expected 404: a request that should have been refused stored data (${id === FOREIGN_ID ? 'from an origin that is not allowed, see the Origin and Host test' : 'a bad write key or pixel'}): ${show(res.body ?? '')}`);
  }
  assert.deepEqual(problems, []);
});

test('the server process never exited', async () => {
  assert.deepEqual(deaths, [], `the server died ${deaths.length} times and was started again ${restarts} times`);
  assert.equal(server.proc.exitCode, null);
  assert.equal(server.proc.signalCode, null);
  assert.ok(await healthy());
});
