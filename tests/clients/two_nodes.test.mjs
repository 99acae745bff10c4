// Issue 19: two `shinrai serve` nodes on one PostgreSQL database behave as one
// system. Each node has its own data directory (audit log, model file); they
// share the records, the key vault (a database of its own) and the master key.
// A request may reach either node, as behind a load balancer, and the answer
// must be the one a single node would give.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CONFIG, ADMIN, startServer, tempDataDir, removeDir, getJson, postJson } from './server.mjs';
import { PG, PG_SKIP as skip, freshDatabase, psql, shinrai } from './postgres.mjs';

const SERVICE = { Authorization: 'Bearer demo-service-key' };
let dir, a, b, dataUrl, vaultUrl, cfg;

function config(vaultUrl) {
  const path = join(dir, 'cluster.yaml');
  writeFileSync(path, [
    `extends: ${resolve(dirname(CONFIG), 'shinrai.yaml')}`,
    'security:',
    `  key_vault: ${vaultUrl}`,
    `  master_key_file: ${join(dir, 'master.key')}`,
    `store: ${dataUrl}`,
    'recommendations:',
    '  holdout_share: 0',
    'keys:',
    '  - key: two-nodes-limited-key',
    '    kind: api',
    '    role: analyst',
    '    name: limited analyst',
    '    rate_limit: 10',
    '',
  ].join('\n'));
  return path;
}

// Every row as hex key and value, to tell which rows an erasure deleted.
function rows(url) {
  const out = psql(url, "SELECT encode(k, 'hex') || ' ' || encode(v, 'hex') FROM shinrai_kv");
  return new Map(out.split('\n').filter(Boolean).map((line) => line.split(' ')));
}

// Every file of the database cluster's data directory, WAL included.
function clusterFiles(root) {
  const files = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(p);
      else if (st?.isFile()) files.push(p);
    }
  };
  walk(root);
  return files;
}

function track(node, body) {
  return postJson(`${node.url}/v1/track`, { event: 'Product Viewed', context: { channel: 'web' }, ...body });
}

async function profile(node, id) {
  return getJson(`${node.url}/v1/profiles/${encodeURIComponent(id)}`, ADMIN);
}

async function putConsent(node, id, changes) {
  const res = await fetch(`${node.url}/v1/consent/${encodeURIComponent(id)}`, {
    method: 'PUT', headers: { 'Content-Type': 'application/json', ...ADMIN }, body: JSON.stringify({ changes }),
  });
  return { status: res.status, body: await res.json() };
}

before(async () => {
  if (skip) return console.log(`skipped: ${skip}`);
  dir = tempDataDir();
  dataUrl = freshDatabase('data');
  vaultUrl = freshDatabase('vault');
  for (const url of [dataUrl, vaultUrl]) assert.equal(shinrai('migrate', '--store', url).status, 0);
  cfg = config(vaultUrl);
  for (const n of ['a', 'b']) mkdirSync(join(dir, n));
  // The demo shop is loaded once, by the first node, which trains the first model.
  a = await startServer({ dataDir: join(dir, 'a'), config: cfg, args: ['--demo'], timeoutMs: 120000 });
  b = await startServer({ dataDir: join(dir, 'b'), config: cfg, args: ['--store', dataUrl], timeoutMs: 60000 });  // the flag or the config's store:
  // The first model: trained by whichever node gets to it, adopted by the other.
  for (let i = 0; i < 600; i++) {
    const [ma, mb] = await Promise.all([a, b].map(async (n) => (await getJson(`${n.url}/v1/stats/recommendations`, ADMIN)).body.model));
    if (ma && mb && ma.version === mb.version) break;
    await new Promise((r) => setTimeout(r, 100));
  }
});

after(async () => {
  if (skip) return;
  await a?.stop();
  await b?.stop();
  removeDir(dir);
});

test('events for one person sent alternately to two nodes make one profile', async (t) => {
  if (skip) return t.skip(skip);
  assert.equal((await track(a, { anonymousId: 'alt-anon-1', messageId: 'alt-1', properties: { product_id: 'sku-1003' } })).status, 200);
  assert.equal((await postJson(`${b.url}/v1/identify`, { anonymousId: 'alt-anon-1', userId: 'alt-user', messageId: 'alt-2',
    traits: { email: 'alt.user@example.com' } })).status, 200);
  assert.equal((await track(a, { userId: 'alt-user', messageId: 'alt-3', properties: { product_id: 'sku-1004' } })).status, 200);
  assert.equal((await track(b, { anonymousId: 'alt-anon-2', userId: 'alt-user', messageId: 'alt-4', properties: { product_id: 'sku-1007' } })).status, 200);
  const fromA = await profile(a, 'alt-user');
  const fromB = await profile(b, 'email:alt.user@example.com');
  assert.equal(fromA.status, 200, JSON.stringify(fromA.body));
  assert.equal(fromB.body.profile_id, fromA.body.profile_id, 'both nodes answer the same person');
  assert.deepEqual(fromA.body.recent_events.map((e) => e.messageId).sort(), ['alt-1', 'alt-2', 'alt-3', 'alt-4']);
  const viaAnon = await profile(b, 'alt-anon-2');
  assert.equal(viaAnon.body.profile_id, fromA.body.profile_id);
});

test('a new person written to both nodes at once is one person, with every event', async (t) => {
  if (skip) return t.skip(skip);
  // 40 events in parallel, half to each node, each naming the same new user
  // and an anonymous id of its own: a node that read before the other wrote
  // would create a second person or lose an event.
  const sends = [];
  for (let i = 0; i < 40; i++) {
    sends.push(track(i % 2 ? b : a, { userId: 'race-user', anonymousId: `race-anon-${i}`, messageId: `race-${i}`,
      properties: { product_id: `sku-10${10 + (i % 20)}` } }));
  }
  for (const r of await Promise.all(sends)) assert.equal(r.status, 200, JSON.stringify(r.body));
  const p = await profile(a, 'race-user');
  assert.equal(p.status, 200);
  assert.equal(p.body.recent_events.length, 40, 'no event lost');
  const ids = new Set();
  for (let i = 0; i < 40; i += 7) ids.add((await profile(i % 2 ? a : b, `race-anon-${i}`)).body.profile_id);
  assert.deepEqual([...ids], [p.body.profile_id], 'every anonymous id leads to the one person');
});

test('retries of one messageId to both nodes are stored once', async (t) => {
  if (skip) return t.skip(skip);
  const before = (await getJson(`${a.url}/v1/stats/collection`, ADMIN)).body;
  const sends = [];
  for (let i = 0; i < 6; i++) {
    sends.push(track(i % 2 ? a : b, { userId: 'retry-user', messageId: 'retried-once', properties: { product_id: 'sku-1003' } }));
  }
  for (const r of await Promise.all(sends)) assert.equal(r.status, 200);
  const p = await profile(b, 'retry-user');
  assert.deepEqual(p.body.recent_events.map((e) => e.messageId), ['retried-once']);
  const after = (await getJson(`${b.url}/v1/stats/collection`, ADMIN)).body;
  const dup = (s) => s.counters?.duplicate_message ?? s.duplicate_message ?? 0;
  assert.equal(dup(after) - dup(before), 5, `counted by either node: ${JSON.stringify(after)}`);
});

test('a consent withdrawal through one node is enforced by the other at once', async (t) => {
  if (skip) return t.skip(skip);
  const consent = { categoryPreferences: { Personalization: true } };
  for (const sku of ['sku-1003', 'sku-1004', 'sku-1007', 'sku-1010']) {
    const r = await track(a, { userId: 'consent-user', properties: { product_id: sku }, context: { channel: 'web', consent } });
    assert.equal(r.status, 200);
  }
  const personal = await getJson(`${b.url}/v1/recommendations/consent-user?n=5&channel=web`, SERVICE);
  assert.equal(personal.status, 200, JSON.stringify(personal.body));
  assert.equal(personal.body.personalized, true, JSON.stringify(personal.body));
  const withdrawn = await putConsent(a, 'consent-user', [{ purpose: 'personalization', channel: '*', status: 'withdrawn' }]);
  assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));
  const after = await getJson(`${b.url}/v1/recommendations/consent-user?n=5&channel=web`, SERVICE);
  assert.equal(after.body.personalized, false, 'the other node no longer personalizes');
  assert.equal(after.body.reason, 'consent_withdrawn');
});

test('an erasure through one node leaves nothing served by the other', async (t) => {
  if (skip) return t.skip(skip);
  const consent = { categoryPreferences: { Personalization: true } };
  for (const sku of ['sku-1003', 'sku-1004', 'sku-1007']) {
    await track(b, { userId: 'erase-user', properties: { product_id: sku }, context: { channel: 'web', consent },
      traits: { email: 'erase.me@example.com' } });
  }
  await postJson(`${b.url}/v1/identify`, { userId: 'erase-user', traits: { email: 'erase.me@example.com', first_name: 'Ersatz' } });
  // The other node reads and caches the person's history first.
  assert.equal((await getJson(`${b.url}/v1/recommendations/erase-user?n=3&channel=web`, SERVICE)).body.personalized, true);
  const pid = (await profile(a, 'erase-user')).body.profile_id;
  const held = () => [
    psql(dataUrl, `SELECT count(*) FROM shinrai_kv WHERE subject = '${pid}'`),
    psql(dataUrl, `SELECT count(*) FROM shinrai_kv WHERE position(convert_to('${pid}', 'UTF8') in k) > 0`),
    psql(vaultUrl, `SELECT count(*) FROM shinrai_kv WHERE position(convert_to('${pid}', 'UTF8') in k) > 0`),
  ];
  assert.ok(held().every((n) => Number(n) > 0), `the person is in both databases before: ${held()}`);
  const dataBefore = rows(dataUrl);
  const vaultBefore = rows(vaultUrl);
  const filed = await postJson(`${a.url}/v1/rights/requests`, { type: 'erasure', subject: 'erase-user' }, ADMIN);
  assert.equal(filed.status, 201, JSON.stringify(filed.body));
  assert.equal(filed.body.status, 'completed', JSON.stringify(filed.body));
  for (const id of ['erase-user', 'email:erase.me@example.com']) assert.equal((await profile(b, id)).status, 404, id);
  const recs = await getJson(`${b.url}/v1/recommendations/erase-user?n=3&channel=web`, SERVICE);
  assert.equal(recs.body.personalized, false);
  // The other node stops collection for the erased identifiers too.
  await track(b, { userId: 'erase-user', messageId: 'after-erasure', properties: { product_id: 'sku-1003' } });
  assert.equal((await profile(a, 'erase-user')).status, 404, 'an event after the erasure does not rebuild the person');
  // In the databases: no record of the person's, and no key in the vault.
  assert.equal(filed.body.profile_id, pid);
  assert.deepEqual(held(), ['0', '0', '0']);

  // No byte of what was deleted is left in any file of the database cluster
  // (tables, indexes, WAL), once vacuumed and checkpointed: neither the
  // sealed records, the pseudonymized identity keys, nor the wrapped key.
  let forms = [];
  for (const [before, url] of [[dataBefore, dataUrl], [vaultBefore, vaultUrl]]) {
    const now = rows(url);
    for (const [k, v] of before) {
      if (now.has(k)) continue;
      const key = Buffer.from(k, 'hex');
      const value = Buffer.from(v, 'hex');
      forms.push(key.subarray(Math.max(0, key.length - 24)));
      if (value.length >= 24) forms.push(value.subarray(value.length - 24));
    }
  }
  assert.ok(forms.length >= 10, `the erasure deleted the person's rows (${forms.length} forms)`);
  // Key tails that are only the profile id are left out: that random id,
  // which names no one once the links and the key are gone, stays in the
  // append-only audit chain, which records the erasure itself.
  forms = forms.filter((f) => !pid.includes(f.toString('latin1')));
  forms.push(Buffer.from('erase.me@example.com'), Buffer.from('Ersatz'));
  for (const url of [dataUrl, vaultUrl]) psql(url, 'VACUUM FULL shinrai_kv');
  for (let i = 0; i < 2; i++) psql(dataUrl, 'CHECKPOINT; SELECT pg_switch_wal(); CHECKPOINT');
  const root = join(readFileSync(join(PG, 'home'), 'utf8').trim(), 'cluster');
  const found = [];
  for (const file of clusterFiles(root)) {
    let bytes;
    try {
      bytes = readFileSync(file);
    } catch {
      continue;  // a file the server removed meanwhile
    }
    for (const f of forms) if (bytes.includes(f)) found.push(`${file.slice(root.length)}: ${f.toString('hex')}`);
  }
  assert.deepEqual(found, [], 'bytes of the erased person left in the database cluster');
});

test('a model trained on one node is published through the database and served by the other', async (t) => {
  if (skip) return t.skip(skip);
  const trained = await postJson(`${a.url}/v1/models/train`, {}, ADMIN);
  assert.equal(trained.status, 200, JSON.stringify(trained.body));
  const version = trained.body.version;
  let seen = 0;
  for (let i = 0; i < 50 && seen !== version; i++) {
    seen = (await getJson(`${b.url}/v1/stats/recommendations`, ADMIN)).body.model?.version;
    if (seen !== version) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(seen, version, 'the other node adopted the new model');
});

test('a node with a key vault of its own is refused: it would take everyone for erased', async (t) => {
  if (skip) return t.skip(skip);
  const own = join(dir, 'own-vault.yaml');
  writeFileSync(own, `extends: ${resolve(dirname(CONFIG), 'shinrai.yaml')}\nstore: ${dataUrl}\n`);
  mkdirSync(join(dir, 'c'), { recursive: true });
  const r = shinrai('serve', '--data', join(dir, 'c'), '--config', own, '--listen', '127.0.0.1:0');
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /sealed with the keys of another key vault/);
  assert.equal((await profile(a, 'alt-user')).status, 200, 'nothing of the others was touched');
});

test("an API key's rate limit holds for the two nodes together", async (t) => {
  if (skip) return t.skip(skip);
  const limited = { Authorization: 'Bearer two-nodes-limited-key' };
  // 30 requests within a second, alternating: one node alone would admit 10
  // of its 15, and the pair 20, if each counted for itself.
  const answers = await Promise.all(Array.from({ length: 30 }, (_, i) =>
    fetch(`${(i % 2 ? a : b).url}/v1/stats/recommendations`, { headers: limited }).then((r) => r.status)));
  const admitted = answers.filter((s) => s === 200).length;
  assert.ok(admitted >= 10 && admitted <= 12, `admitted ${admitted} of 30 (rate 10/s): ${answers}`);
  assert.equal(admitted + answers.filter((s) => s === 429).length, 30);
});

test('both nodes append to one audit chain, which holds', async (t) => {
  if (skip) return t.skip(skip);
  // Reads through each node are audited in the one chain in the database.
  assert.equal((await profile(a, 'alt-user')).status, 200);
  assert.equal((await profile(b, 'alt-user')).status, 200);
  const verified = shinrai('audit', 'verify', '--data', join(dir, 'b'), '--config', cfg);
  assert.equal(verified.status, 0, verified.stdout + verified.stderr);
  assert.match(verified.stdout, /audit chain holds: \d+ entries/);
  const loads = Number(psql(dataUrl, "SELECT count(*) FROM shinrai_audit WHERE entry::jsonb->>'action' = 'config.load'"));
  assert.equal(loads, 2, 'each node recorded its start in the same chain');
  // An entry altered in the database breaks the chain, and verify says where.
  psql(dataUrl, "UPDATE shinrai_audit SET entry = replace(entry, 'profile.read', 'profile.ream') WHERE seq = (SELECT max(seq) FROM shinrai_audit WHERE entry LIKE '%profile.read%')");
  const broken = shinrai('audit', 'verify', '--data', join(dir, 'b'), '--config', cfg);
  assert.equal(broken.status, 1, broken.stdout + broken.stderr);
  assert.match(broken.stdout, /audit chain BROKEN at entry \d+: .*was altered/);
});

test('kill -9 of one node under load: the other goes on, and nothing either acknowledged is lost', { timeout: 120000 }, async (t) => {
  if (skip) return t.skip(skip);
  const acked = [];  // [userId, messageId]
  let killed = false;
  const worker = async (w) => {
    for (let i = 0; i < 400; i++) {
      const node = (w + i) % 2 ? a : b;
      if (node === a && killed) continue;
      const userId = `kill-w${w}-u${Math.floor(i / 20)}`;
      const messageId = `kill-w${w}-${i}`;
      try {
        const r = await track(node, { userId, messageId, properties: { product_id: `sku-10${10 + (i % 30)}` } });
        if (r.status === 200) acked.push([userId, messageId]);
        else assert.ok(node === a, `the surviving node answered ${r.status}: ${JSON.stringify(r.body)}`);
      } catch (e) {
        if (node !== a) throw e;  // only the killed node may drop a connection
      }
    }
  };
  const load = Promise.all([0, 1, 2, 3].map(worker));
  await new Promise((r) => setTimeout(r, 1000));
  await a.kill9();
  killed = true;
  await load;
  assert.ok(acked.length > 100, `only ${acked.length} events acknowledged`);
  const byUser = new Map();
  for (const [u, m] of acked) byUser.set(u, [...(byUser.get(u) ?? []), m]);
  let missing = 0;
  for (const [userId, ids] of byUser) {
    const p = await profile(b, userId);
    assert.equal(p.status, 200, userId);
    const stored = new Set(p.body.recent_events.map((e) => e.messageId));
    missing += ids.filter((id) => !stored.has(id)).length;
  }
  assert.equal(missing, 0, `${missing} of ${acked.length} acknowledged events were lost`);
  console.log(`# ${acked.length} acknowledged events through two nodes, one killed: all present`);
});
