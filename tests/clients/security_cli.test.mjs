// The operator commands against a running server: keys made and revoked with
// `shinrai keys` take effect without a restart; `shinrai audit subjects`
// lists whose data a key read; `shinrai audit verify` holds, then names the
// entry someone altered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, CONFIG, startServer, tempDataDir, removeDir, postJson } from './server.mjs';

let server;
let dir;
const started = new Date(Date.now() - 1000).toISOString();

function shinrai(...args) {
  return spawnSync(BIN, [...args, '--data', dir, '--config', CONFIG], { encoding: 'utf8' });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const keyId = (key) => crypto.createHash('sha256').update(key).digest('hex').slice(0, 16);

before(async () => {
  dir = tempDataDir();
  server = await startServer({ dataDir: dir });
  for (const id of ['cli-anna', 'cli-ben']) {
    assert.equal((await postJson(`${server.url}/v1/identify`, { userId: id, traits: { first_name: id } })).status, 200);
  }
});
after(async () => {
  await server?.stop();
  removeDir(dir);
});

test('keys made with `shinrai keys create` work at once and stop when revoked', async () => {
  const made = shinrai('keys', 'create', '--role', 'agent', '--name', 'desk 7');
  assert.equal(made.status, 0, made.stderr);
  const { id, key } = JSON.parse(made.stdout);
  assert.match(key, /^shk_[0-9a-f]{40}$/);
  assert.ok(!fs.readFileSync(path.join(dir, 'api-keys.json'), 'utf8').includes(key), 'the secret is not stored');
  await sleep(1100);
  const read = await fetch(`${server.url}/v1/profiles/cli-anna?reason=order_query&note=ticket%2042`, { headers: { Authorization: `Bearer ${key}` } });
  assert.equal(read.status, 200);

  const listed = shinrai('keys', 'list');
  assert.equal(listed.status, 0);
  assert.ok(!listed.stdout.includes(key));
  assert.ok(JSON.parse(listed.stdout).some((k) => k.id === id && k.role === 'agent'));

  assert.equal(shinrai('keys', 'revoke', '--id', id).status, 0);
  await sleep(1100);
  const refused = await fetch(`${server.url}/v1/profiles/cli-anna?reason=order_query`, { headers: { Authorization: `Bearer ${key}` } });
  assert.equal(refused.status, 401);
  assert.match((await refused.json()).error.message, /revoked/);
});

test('`shinrai audit subjects` lists whose data a key read', async () => {
  const agent = { Authorization: 'Bearer demo-agent-key' };
  assert.equal((await fetch(`${server.url}/v1/profiles/cli-ben?reason=delivery_issue`, { headers: agent })).status, 200);
  const anna = await (await fetch(`${server.url}/v1/profiles/cli-anna`, { headers: { Authorization: 'Bearer demo-admin-key' } })).json();
  const ben = await (await fetch(`${server.url}/v1/profiles/cli-ben`, { headers: { Authorization: 'Bearer demo-admin-key' } })).json();
  await sleep(300);  // the audit log is synced every 200 ms
  const out = shinrai('audit', 'subjects', '--since', started, '--key', keyId('demo-agent-key'));
  assert.equal(out.status, 0, out.stderr);
  const subjects = JSON.parse(out.stdout).subjects.map((s) => s.subject);
  assert.deepEqual(subjects, [ben.profile_id]);
  assert.ok(!subjects.includes(anna.profile_id));
});

test('`shinrai audit verify` holds, and names the entry that was altered', async () => {
  await sleep(300);
  const ok = shinrai('audit', 'verify');
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /holds/);
  await server.stop();
  server = null;
  const file = path.join(dir, 'audit', 'audit.jsonl');
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const i = lines.findIndex((l) => l.includes('delivery_issue'));
  assert.ok(i >= 0);
  lines[i] = lines[i].replace('delivery_issue', 'order_query');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const bad = shinrai('audit', 'verify');
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, new RegExp(`entry ${i + 1}\\b`));
  assert.match(bad.stdout, /altered/);
});

test('another master key is refused; `shinrai keys rotate-master` moves the vault to a new one', async () => {
  // The server is stopped (previous test). A master key other than the vault's opens nothing.
  const wrong = spawnSync(BIN, ['serve', '--data', dir, '--config', CONFIG, '--listen', '127.0.0.1:0'], {
    encoding: 'utf8', env: { ...process.env, SHINRAI_MASTER_KEY: 'ab'.repeat(32) }, timeout: 20000,
  });
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stderr, /does not open this key vault/);

  const oldKey = fs.readFileSync(path.join(dir, 'keyvault', 'master.key'), 'utf8').trim();
  const newKeyFile = path.join(dir, 'new-master.key');
  const rotated = shinrai('keys', 'rotate-master', '--new-key-file', newKeyFile);
  assert.equal(rotated.status, 0, rotated.stderr);
  const report = JSON.parse(rotated.stdout);
  assert.ok(report.subject_keys >= 2, rotated.stdout);  // cli-anna and cli-ben at least
  const newKey = fs.readFileSync(newKeyFile, 'utf8').trim();
  assert.equal(fs.readFileSync(path.join(dir, 'keyvault', 'master.key'), 'utf8').trim(), newKey);
  assert.notEqual(newKey, oldKey);

  // The old key is refused now; with the new one everyone's data still reads.
  const stale = spawnSync(BIN, ['serve', '--data', dir, '--config', CONFIG, '--listen', '127.0.0.1:0'], {
    encoding: 'utf8', env: { ...process.env, SHINRAI_MASTER_KEY: oldKey }, timeout: 20000,
  });
  assert.notEqual(stale.status, 0);
  assert.match(stale.stderr, /does not open this key vault/);
  server = await startServer({ dataDir: dir });
  const anna = await fetch(`${server.url}/v1/profiles/cli-anna`, { headers: { Authorization: 'Bearer demo-admin-key' } });
  assert.equal(anna.status, 200);
  assert.equal((await anna.json()).traits.first_name, 'cli-anna');
});
