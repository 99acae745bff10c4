// Issue 20, item 2: with `server.log_format: json` every line the server
// writes to standard error is one JSON object (time and level first), the
// start-up line gives the effective configuration without a secret, the
// access log names route patterns and key ids (never the path, which may
// name a person), and a 5xx answer is logged with its error's code and
// message, so an operator can act on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BIN, CONFIG, ADMIN, WRITE_KEY, startServer, tempDataDir, removeDir } from './server.mjs';

const PERSON = 'structured-logs-person-8d2k';

test('JSON logs: one object a line, the configuration without secrets, access lines, 5xx with context',
  { timeout: 120000 }, async () => {
    const dir = tempDataDir();
    const config = join(dir, 'json-logs.yaml');
    // A write bound of one record makes some writes 503 under concurrency: a 5xx the test can cause.
    writeFileSync(config, `extends: ${resolve(dirname(CONFIG), 'shinrai.yaml')}
server:
  log_format: json
  max_pending_writes: 1
`);
    const server = await startServer({ dataDir: join(dir, 'data'), config });
    const auth = 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64');
    const track = (i) => fetch(`${server.url}/v1/track`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: auth },
      body: JSON.stringify({ userId: PERSON, messageId: `sl-${i}`, event: 'Product Viewed', properties: { product_id: 'sku-1003' } }),
    });
    let refused = 0;
    for (let round = 0; round < 20 && refused === 0; round++) {
      const answers = await Promise.all(Array.from({ length: 64 }, (_, i) => track(round * 64 + i)));
      refused += answers.filter((r) => r.status === 503).length;
    }
    assert.ok(refused > 0, 'no write was refused over a bound of one record');
    assert.equal((await fetch(`${server.url}/v1/profiles/${PERSON}`, { headers: ADMIN })).status, 200);
    assert.equal((await fetch(`${server.url}/v1/profiles/${PERSON}`)).status, 401);
    assert.equal((await fetch(`${server.url}/no/such/${PERSON}`)).status, 404);
    // A second server on the same port cannot start: its last words are JSON too.
    const clash = spawnSync(BIN, ['serve', '--data', join(dir, 'other'), '--config', config, '--listen',
      `127.0.0.1:${server.port}`], { encoding: 'utf8', timeout: 60000 });
    assert.equal(clash.status, 1, clash.stderr);
    const last = JSON.parse(clash.stderr.trim().split('\n').pop());
    assert.equal(last.event, 'fatal');
    assert.equal(last.level, 'error');
    assert.match(last.error, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${server.port}`));
    await server.stop();

    const lines = server.log().split('\n').filter((l) => l.length > 0);
    const events = lines.map((line) => {
      let parsed;
      assert.doesNotThrow(() => { parsed = JSON.parse(line); }, `not JSON: ${line}`);
      assert.deepEqual(Object.keys(parsed).slice(0, 2), ['time', 'level'], line);
      assert.match(parsed.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, line);
      return parsed;
    });

    const configuration = events.find((e) => e.event === 'configuration');
    assert.ok(configuration, 'the effective configuration at start-up');
    assert.equal(configuration.store, 'rocksdb');
    assert.ok(configuration.keys.some((k) => k.role === 'admin' && k.name), 'keys by name and role');
    assert.ok(!server.log().includes('demo-admin-key') && !server.log().includes('demo-write-key'), 'no key in the log');

    const requests = events.filter((e) => e.event === 'request');
    assert.ok(requests.some((e) => e.route === '/v1/profiles/{the profile id}' && e.status === 200 && e.key_id !== '-'),
      'the profile read: its route pattern and the caller\'s key id');
    assert.ok(requests.some((e) => e.route === '/v1/profiles/{the profile id}' && e.status === 401 && e.key_id === '-'));
    assert.ok(requests.some((e) => e.route === 'unmatched' && e.status === 404));
    assert.ok(requests.every((e) => typeof e.ms === 'number' && e.method), 'method and latency on each');

    const failed = events.filter((e) => e.event === 'request_failed');
    assert.equal(failed.length, refused, 'each 5xx answer, logged once');
    for (const e of failed) {
      assert.equal(e.level, 'warning', '503 (overload) is a warning, other 5xx errors');
      assert.equal(e.status, 503);
      assert.equal(e.route, '/v1/track');
      assert.equal(e.code, 'unavailable');
      assert.match(e.message, /overloaded: \d+ records are waiting to be committed/);
    }
    assert.ok(!server.log().includes(PERSON), 'the person the requests named is in no line');
    removeDir(dir);
  });
