// Connections are a bounded resource: past server.max_connections a new
// connection gets an immediate 503 (Retry-After, JSON) and is closed, and a
// flood of connections under a low file limit leaves collection, the key
// vault and readiness working once it is over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, CONFIG, WRITE_KEY, startServer, tempDataDir, removeDir } from './server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const WRITE = { Authorization: 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64') };
const PO = { Authorization: 'Bearer demo-privacy-officer-key' };
const ADMIN = { Authorization: 'Bearer demo-admin-key' };

// A copy of the example configuration with another max_connections.
function configWith(dir, maxConnections) {
  const text = readFileSync(CONFIG, 'utf8');
  const changed = text.replace(/^(\s*)max_connections: 0\b/m, `$1max_connections: ${maxConnections}`);
  assert.notEqual(changed, text, `no "max_connections: 0" line in ${CONFIG}`);
  const file = join(dir, 'shinrai-test.yaml');
  writeFileSync(file, changed);
  return file;
}

// The process's open-file limit as Linux reports it (null elsewhere).
function openFileLimit(pid) {
  const file = `/proc/${pid}/limits`;
  if (!existsSync(file)) return null;
  const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  return line ? line.split(/\s{2,}/).slice(1, 3).map(Number) : null;
}

// One request on a fresh connection; resolves with { status, headers, body,
// json, ms } or { error } or { timedOut } after `timeoutMs`.
function rawRequest(port, { method = 'GET', path, headers = {}, body, timeoutMs = 5000 }) {
  return new Promise((resolve) => {
    const started = Date.now();
    const payload = body === undefined ? '' : JSON.stringify(body);
    const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    if (body !== undefined) lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(payload)}`);
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    let done = false;
    const finish = (r) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...r, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish({ timedOut: true, raw: data }), timeoutMs);
    socket.on('connect', () => socket.write(lines.join('\r\n') + '\r\n\r\n' + payload));
    socket.on('data', (d) => { data += d; });
    socket.on('error', (e) => finish({ error: e.code ?? String(e), raw: data }));
    socket.on('close', () => {
      const m = data.match(/^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/);
      if (!m) return finish({ error: 'no HTTP response', raw: data });
      const hdrs = {};
      for (const l of m[2].split('\r\n')) {
        const i = l.indexOf(':');
        hdrs[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      let json;
      try { json = JSON.parse(m[3]); } catch { json = undefined; }
      finish({ status: Number(m[1]), headers: hdrs, body: m[3], json, raw: data });
    });
  });
}

// Opens `n` connections at once and holds them without sending anything.
async function holdConnections(port, n, settleMs = 3000) {
  const sockets = [];
  const state = { connected: 0, closed: 0, errors: 0 };
  const settled = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('data', () => {});
    settled.push(new Promise((res) => {
      s.once('connect', () => { state.connected++; res(); });
      s.once('error', () => { state.errors++; res(); });
    }));
    s.on('close', () => { state.closed++; });
    sockets.push(s);
  }
  await Promise.race([Promise.all(settled), sleep(settleMs)]);
  return { sockets, state, release: () => { for (const s of sockets) s.destroy(); } };
}

// Retries until `ok(result)` or `ms` have passed; returns the last result.
async function within(ms, attempt, ok) {
  const deadline = Date.now() + ms;
  let r;
  for (let i = 0; i < 200; i++) {
    r = await attempt();
    if (ok(r) || Date.now() > deadline) return r;
    await sleep(100);
  }
  return r;
}

const show = (r) => JSON.stringify({ status: r.status, body: r.body, error: r.error, timedOut: r.timedOut, ms: r.ms });
const trackBody = (userId, messageId) => ({ userId, messageId, event: 'Product Viewed', properties: { product_id: 'sku-1001' } });

test('past max_connections a new connection gets 503 with Retry-After, and service resumes when they close', { timeout: 60000 }, async () => {
  const dir = tempDataDir();
  const server = await startServer({ dataDir: dir, config: configWith(dir, 8) });
  const port = Number(new URL(server.url).port);
  let held;
  try {
    held = await holdConnections(port, 8);
    assert.equal(held.state.connected, 8, JSON.stringify(held.state));
    await sleep(200);  // let the server accept all eight
    assert.equal(held.state.closed, 0, 'the server closed an idle connection at once');

    const turned = await rawRequest(port, { path: '/healthz' });
    assert.equal(turned.status, 503, show(turned));
    assert.ok(turned.ms < 2000, `the 503 took ${turned.ms} ms`);
    assert.ok(Number(turned.headers['retry-after']) >= 1, `Retry-After: ${turned.headers['retry-after']}`);
    assert.match(turned.headers['content-type'] ?? '', /application\/json/);
    assert.equal(typeof turned.json?.error?.message, 'string', turned.body);
    assert.equal(turned.json.error.code, 'unavailable', turned.body);

    held.release();
    const back = await within(2000, () => rawRequest(port, { path: '/healthz' }), (r) => r.status === 200);
    assert.equal(back.status, 200, show(back));
    const tracked = await rawRequest(port, { method: 'POST', path: '/v1/track', headers: WRITE, body: trackBody('conn-cap-1', 'conn-cap-1') });
    assert.equal(tracked.status, 200, show(tracked));
    assert.equal(server.proc.exitCode, null);
  } finally {
    held?.release();
    await server.stop();
    removeDir(dir);
  }
});

test('under pressure, connections idle for 5 s are closed, those opened before the pressure included', { timeout: 60000 }, async () => {
  const dir = tempDataDir();
  const server = await startServer({ dataDir: dir, config: configWith(dir, 8) });
  const port = Number(new URL(server.url).port);
  let early;
  let late;
  try {
    // Opened while there is no pressure: they start with the long idle timeout.
    early = await holdConnections(port, 3);
    await sleep(1500);
    // Now seven of eight slots are taken: pressure.
    late = await holdConnections(port, 4);
    assert.equal(early.state.connected + late.state.connected, 7);
    // The three opened before the pressure had 60 s; they go after 5 s idle.
    const shed = await within(9000, async () => early.state.closed, (n) => n === 3);
    assert.equal(shed, 3, `only ${shed} of the 3 connections idle since before the pressure were closed`);
    const ok = await rawRequest(port, { path: '/healthz' });
    assert.equal(ok.status, 200, show(ok));
  } finally {
    early?.release();
    late?.release();
    await server.stop();
    removeDir(dir);
  }
});

test('300 connections under a file limit of 128: 200 or 503 meanwhile, everything works afterwards', { timeout: 90000 }, async () => {
  const dir = tempDataDir();
  const server = await startServer({ dataDir: dir, nofile: 128 });
  let held;
  try {
    const limits = openFileLimit(server.proc.pid);
    if (limits) assert.deepEqual(limits, [128, 128], 'the file limit did not apply');
    const before = await rawRequest(server.port, { method: 'POST', path: '/v1/identify', headers: WRITE,
      body: { userId: 'fd-before', traits: { first_name: 'Before' } } });
    assert.equal(before.status, 200, show(before));

    held = await holdConnections(server.port, 300);
    const during = [];
    const answers = {};
    for (let i = 0; i < 12; i++) {
      const r = i % 3 === 2
        ? await rawRequest(server.port, { path: '/readyz' })
        : await rawRequest(server.port, { method: 'POST', path: '/v1/track', headers: WRITE, body: trackBody(i % 3 ? 'fd-before' : `fd-during-${i}`, `fd-during-${i}`) });
      during.push(r);
      const key = r.status ?? (r.timedOut ? 'timeout' : r.error);
      answers[key] = (answers[key] ?? 0) + 1;
    }
    console.log(`# held ${held.state.connected} connected, ${held.state.closed} closed by the server; answers meanwhile: ${JSON.stringify(answers)}`);
    for (const r of during) {
      assert.ok(!r.timedOut, `a request hung past 5 s: ${show(r)}`);
      assert.ok(r.status === 200 || r.status === 503, `meanwhile: ${show(r)}`);
      if (r.status === 503) assert.ok(r.json?.error, show(r));
    }
    assert.equal(server.proc.exitCode, null, 'the server exited');

    held.release();
    const tracked = await within(3000, () => rawRequest(server.port, { method: 'POST', path: '/v1/track', headers: WRITE, body: trackBody('fd-before', 'fd-after') }),
      (r) => r.status === 200);
    assert.equal(tracked.status, 200, show(tracked));
    const ready = await rawRequest(server.port, { path: '/readyz' });
    assert.equal(ready.status, 200, show(ready));
    const fresh = await rawRequest(server.port, { method: 'POST', path: '/v1/identify', headers: WRITE,
      body: { userId: 'fd-after-new', traits: { first_name: 'After' } } });
    assert.equal(fresh.status, 200, show(fresh));
    const profile = await rawRequest(server.port, { path: '/v1/profiles/fd-after-new', headers: ADMIN });
    assert.equal(profile.status, 200, show(profile));
    const erased = await rawRequest(server.port, { method: 'POST', path: '/v1/rights/requests', headers: PO, body: { type: 'erasure', subject: 'fd-before' } });
    assert.equal(erased.status, 201, show(erased));
    assert.equal(erased.json.status, 'completed', erased.body);
    assert.equal(erased.json.outcome.keys_remaining, 0, erased.body);
    assert.equal(server.proc.exitCode, null, 'the server exited');
    assert.doesNotMatch(server.output(), /a request handler threw/);
  } finally {
    held?.release();
    await server.stop();
    removeDir(dir);
  }
});

// An operator who sets max_connections above what the file limit allows can
// still run the process out of descriptors: accept() then fails (and backs
// off) and storage meets EMFILE. Once the connections are gone, storage must
// recover by itself: the key vault included, and /readyz must not claim
// "ready" while it is not.
test('descriptors exhausted (max_connections above the file limit): storage and the key vault recover', { timeout: 90000 }, async () => {
  const dir = tempDataDir();
  const config = configWith(dir, 500);
  const server = await startServer({ dataDir: dir, config, nofile: 128 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const call = (method, path, headers, body) => new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method, path, agent, timeout: 8000,
      headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('timeout', () => { req.destroy(); resolve({ timedOut: true }); });
    req.on('error', (e) => resolve({ error: e.code ?? String(e) }));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
  let held;
  try {
    // Four keep-alive connections, opened before the flood, keep working in it.
    const people = [];
    await Promise.all([0, 1, 2, 3].map(async (w) => {
      for (let k = 0; k < 6; k++) {
        const userId = `fdx-w${w}-${k}`;
        const r = await call('POST', '/v1/identify', WRITE, { userId, traits: { first_name: 'X' } });
        assert.equal(r.status, 200, JSON.stringify(r));
        people.push(userId);
      }
    }));
    held = await holdConnections(server.port, 300);
    await sleep(500);
    // Erasures now need files (the key vault flushes the destroyed keys).
    const during = {};
    for (const userId of people.slice(0, 4)) {
      const r = await call('POST', '/v1/rights/requests', PO, { type: 'erasure', subject: userId });
      const key = r.status ?? (r.timedOut ? 'timeout' : r.error);
      during[key] = (during[key] ?? 0) + 1;
      assert.ok(!r.timedOut, 'an erasure on an open connection hung');
    }
    console.log(`# held ${held.state.connected} connected; erasures meanwhile: ${JSON.stringify(during)}`);
    assert.equal(server.proc.exitCode, null, 'the server exited');
    held.release();
    held = null;

    const fresh = await within(6000, () => call('POST', '/v1/identify', WRITE, { userId: 'fdx-after-new', traits: { first_name: 'Y' } }),
      (r) => r.status === 200);
    const ready = await call('GET', '/readyz');
    assert.equal(fresh.status, 200, `a new person, 6 s after the descriptors came back: ${JSON.stringify(fresh)}; /readyz then: ${JSON.stringify(ready)}`);
    assert.equal(ready.status, 200, JSON.stringify(ready));
    for (const userId of people.slice(0, 5)) {
      const r = await call('POST', '/v1/rights/requests', PO, { type: 'erasure', subject: userId });
      assert.equal(r.status, 201, `erasure of ${userId} afterwards: ${JSON.stringify(r)}`);
      const o = JSON.parse(r.body);
      assert.equal(o.status, 'completed', r.body);
      if (o.outcome.found) assert.equal(o.outcome.keys_remaining, 0, r.body);
    }
    await server.stop();
    assert.doesNotMatch(server.output(), /could not commit the last writes/, server.output());
    const verified = spawnSync(BIN, ['audit', 'verify', '--data', dir, '--config', config], { encoding: 'utf8', timeout: 30000 });
    assert.equal(verified.status, 0, verified.stdout + verified.stderr);
  } finally {
    held?.release();
    agent.destroy();
    await server.stop();
    removeDir(dir);
  }
});
