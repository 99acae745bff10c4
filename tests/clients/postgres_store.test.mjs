// Issue 19, first slice: `shinrai serve --store postgres://...` against the
// throwaway cluster CTest starts (scripts/pg_cluster.sh). The schema is made
// by `shinrai migrate`; a server refuses a database that has none, or an
// older or newer one, naming what to run. Events sent over HTTP are in the
// database, and every one acknowledged survives a kill -9 of the node.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG, ADMIN, startServer, tempDataDir, removeDir, getJson, postJson } from './server.mjs';
import { PG_SKIP as skip, psql, freshDatabase, shinrai } from './postgres.mjs';

before(() => {
  if (skip) console.log(`skipped: ${skip}`);
});

test('migrate makes the schema; serve refuses none, an older or a newer one, naming what to run', (t) => {
  if (skip) return t.skip(skip);
  const url = freshDatabase();
  const dir = tempDataDir();
  const refused = shinrai('serve', '--data', dir, '--config', CONFIG, '--listen', '127.0.0.1:0', '--store', url);
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /no Shinrai tables yet: run `shinrai migrate --store URL` first/);
  assert.doesNotMatch(refused.stderr + refused.stdout, /postgres:\/\//, 'the URL (it may hold a password) is never echoed');

  const first = shinrai('migrate', '--store', url);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(first.stdout.trim(), 'schema version 0 -> 2');
  assert.equal(shinrai('migrate', '--store', url).stdout.trim(), 'the schema is already at version 2');

  // A database of version 1 (one node's layout) is refused, then upgraded in place.
  psql(url, "DROP TABLE shinrai_lease, shinrai_published, shinrai_rate, shinrai_audit, shinrai_audit_head; UPDATE shinrai_schema SET version = 1; " +
    "INSERT INTO shinrai_kv VALUES ('\\x6b6565706d65', '', '\\x6b657074')");
  const older = shinrai('serve', '--data', dir, '--config', CONFIG, '--listen', '127.0.0.1:0', '--store', url);
  assert.equal(older.status, 2);
  assert.match(older.stderr, /schema is version 1, older than this build's 2: run `shinrai migrate --store URL`/);
  assert.equal(shinrai('migrate', '--store', url).stdout.trim(), 'schema version 1 -> 2');
  assert.equal(psql(url, "SELECT encode(v, 'escape') FROM shinrai_kv WHERE k = 'keepme'::bytea"), 'kept');

  psql(url, 'UPDATE shinrai_schema SET version = 3');
  const newer = shinrai('serve', '--data', dir, '--config', CONFIG, '--listen', '127.0.0.1:0', '--store', url);
  assert.equal(newer.status, 2);
  assert.match(newer.stderr, /schema is version 3, newer than this build's 2/);
  assert.equal(shinrai('migrate', '--store', url).status, 2, 'migrate never downgrades');

  // libpq quotes a URL it cannot read, password and all: not through us.
  for (const broken of ['postgres://u:s3cretPW@[::1/db', 'postgres://u:s3c%zzretPW@127.0.0.1:1/db']) {
    const r = shinrai('migrate', '--store', broken);
    assert.notEqual(r.status, 0);
    assert.doesNotMatch(r.stdout + r.stderr, /s3c/, broken);
  }
  const bad = shinrai('migrate', '--store', 'shinrai-data');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /expected postgres:\/\/USER@HOST:PORT\/DB/);
  removeDir(dir);
});

test('a node on PostgreSQL keeps every event it acknowledged across kill -9', { timeout: 120000 }, async (t) => {
  if (skip) return t.skip(skip);
  const url = freshDatabase();
  assert.equal(shinrai('migrate', '--store', url).status, 0);
  const dir = tempDataDir();
  let server = await startServer({ dataDir: dir, args: ['--store', url] });
  assert.match(server.output(), /store: postgres at the shared database/);
  const acked = new Map();  // userId -> Set(messageId); 30 per person, under the profile's window of 50
  let killed = false;
  const worker = async (w) => {
    for (let i = 0; i < 600 && !killed; i++) {
      const userId = `pg-w${w}-u${Math.floor(i / 30)}`;
      const messageId = `pg-w${w}-${i}`;
      try {
        const r = await postJson(`${server.url}/v1/track`, {
          userId, messageId, event: 'Product Viewed', properties: { product_id: `sku-${i}` },
        });
        if (r.status === 200) {
          if (!acked.has(userId)) acked.set(userId, new Set());
          acked.get(userId).add(messageId);
        }
      } catch {
        // refused or reset by the kill: not acknowledged
      }
    }
  };
  const load = Promise.all([0, 1, 2, 3].map(worker));
  await new Promise((r) => setTimeout(r, 1500));
  await server.kill9();
  killed = true;
  await load;
  const total = [...acked.values()].reduce((n, ids) => n + ids.size, 0);
  assert.ok(total > 20, `only ${total} events were acknowledged before the kill`);

  server = await startServer({ dataDir: dir, args: ['--store', url] });
  let missing = 0;
  for (const [userId, ids] of acked) {
    const { status, body } = await getJson(`${server.url}/v1/profiles/${userId}`, ADMIN);
    assert.equal(status, 200, `${userId}: ${JSON.stringify(body)}`);
    const stored = new Set(body.recent_events.map((e) => e.messageId));
    for (const id of ids) if (!stored.has(id)) missing++;
  }
  assert.equal(missing, 0, `${missing} of ${total} acknowledged events were lost`);
  console.log(`# ${total} acknowledged events, all present after kill -9 and restart on PostgreSQL`);
  await server.stop();
  removeDir(dir);
});

test('a node rides out a restart of the database: requests fail while it is down, then recover', { timeout: 120000 }, async (t) => {
  if (skip) return t.skip(skip);
  // A cluster of its own: restarting the shared one would fail the tests
  // that run beside this one.
  const script = fileURLToPath(new URL('../../scripts/pg_cluster.sh', import.meta.url));
  const own = mkdtempSync(join(tmpdir(), 'shinrai-pg-restart-'));
  const started = spawnSync(script, ['start', own], { encoding: 'utf8' });
  assert.equal(started.status, 0, started.stdout + started.stderr);
  t.after(() => spawnSync(script, ['stop', own]));
  const url = readFileSync(join(own, 'url'), 'utf8').trim();
  assert.equal(shinrai('migrate', '--store', url).status, 0);
  const dir = tempDataDir();
  const server = await startServer({ dataDir: dir, args: ['--store', url] });
  const identify = (i) => postJson(`${server.url}/v1/identify`, { userId: `restart-${i}`, traits: { first_name: 'Ada' } });
  assert.equal((await identify(0)).status, 200);
  // Every connection of the pool is dropped by the restart.
  const restarted = spawnSync(script, ['restart', own], { encoding: 'utf8' });
  assert.equal(restarted.status, 0, restarted.stderr);
  let ok = 0;
  for (let i = 1; i <= 40 && ok < 5; i++) {
    const r = await identify(i);
    if (r.status === 200) ok++;
    else assert.equal(r.status, 503, JSON.stringify(r.body));
    await new Promise((res) => setTimeout(res, 250));
  }
  assert.equal(ok, 5, 'writes recover once the database is back');
  const read = await getJson(`${server.url}/v1/profiles/restart-0`, ADMIN);
  assert.equal(read.status, 200, 'reads recover too');
  await server.stop();
  removeDir(dir);
});
