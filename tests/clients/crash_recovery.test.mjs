// kill -9 during load: every event acknowledged (HTTP 200) before the kill
// must be there after a restart on the same data directory. Then kills during
// erasures and during the first events of new people (see below).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, CONFIG, startServer, tempDataDir, removeDir, getJson, postJson } from './server.mjs';

const WORKERS = 16;
const PER_USER = 30;          // below the profile's recent-event window (50)
const MAX_REQUESTS = 3000;    // per worker: the load stops by itself

test('no acknowledged event is lost across kill -9', { timeout: 240000 }, async () => {
  const dir = tempDataDir();
  let server = await startServer({ dataDir: dir });
  const acked = new Map();  // userId -> Set(messageId)
  let killed = false;
  let sent = 0;

  const worker = async (w) => {
    for (let i = 0; i < MAX_REQUESTS && !killed; i++) {
      const userId = `crash-w${w}-u${Math.floor(i / PER_USER)}`;
      const useBatch = w % 2 === 1;
      const ids = useBatch ? [0, 1, 2].map((k) => `w${w}-${i}-${k}`) : [`w${w}-${i}`];
      const i0 = i;
      if (useBatch) i += 2;  // the batch carries three of this user's events
      const event = (messageId) => ({ type: 'track', userId, messageId, event: 'Product Viewed', properties: { product_id: `sku-${i0}` } });
      try {
        const res = useBatch
          ? await postJson(`${server.url}/v1/batch`, { batch: ids.map(event) })
          : await postJson(`${server.url}/v1/track`, event(ids[0]));
        sent++;
        if (res.status === 200) {
          if (!acked.has(userId)) acked.set(userId, new Set());
          for (const id of ids) acked.get(userId).add(id);
        }
      } catch {
        // Connection refused or reset by the kill: not acknowledged, fine.
      }
    }
  };

  const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  // Kill in the middle of the load, once plenty has been acknowledged.
  while (sent < 1500) await new Promise((r) => setTimeout(r, 20));
  await server.kill9();
  killed = true;
  await load;

  const total = [...acked.values()].reduce((n, s) => n + s.size, 0);
  assert.ok(total >= 1500, `only ${total} events were acknowledged before the kill`);

  server = await startServer({ dataDir: dir });
  try {
    let missing = 0;
    for (const [userId, ids] of acked) {
      const { status, body } = await getJson(`${server.url}/v1/profiles/${userId}`);
      assert.equal(status, 200, `${userId}: ${JSON.stringify(body)}`);
      const stored = new Set(body.recent_events.map((e) => e.messageId));
      for (const id of ids) if (!stored.has(id)) missing++;
    }
    assert.equal(missing, 0, `${missing} of ${total} acknowledged events were lost`);
    console.log(`# ${total} acknowledged events, all present after kill -9 and restart`);
  } finally {
    await server.stop();
    removeDir(dir);
  }
});

// ---------------------------------------------------------------------------
// kill -9 during erasures and during the first events of new people.
// The kill moments come from a seeded generator; the seed is printed so that
// a failing run can be replayed with SHINRAI_CRASH_SEED=<seed>.

const PO = { Authorization: 'Bearer demo-privacy-officer-key' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SEED = Number(process.env.SHINRAI_CRASH_SEED ?? (Date.now() % 1e9));

function rng(seed) {  // mulberry32
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const erase = (url, subject) => postJson(`${url}/v1/rights/requests`, { type: 'erasure', subject }, PO);
const track = (url, body) => postJson(`${url}/v1/track`, { event: 'Product Viewed', properties: { product_id: 'sku-1001' }, ...body });

// The audit log after a clean stop: `shinrai audit verify` must hold.
function auditVerify(dir) {
  const out = spawnSync(BIN, ['audit', 'verify', '--data', dir, '--config', CONFIG], { encoding: 'utf8', timeout: 30000 });
  assert.equal(out.status, 0, `audit verify: exit ${out.status}\n${out.stdout}${out.stderr}`);
  return out.stdout.trim();
}

function auditEntries(dir) {
  const auditDir = join(dir, 'audit');
  const entries = [];
  for (const f of readdirSync(auditDir).filter((n) => n.endsWith('.jsonl')).sort()) {
    for (const line of readFileSync(join(auditDir, f), 'utf8').split('\n')) if (line.trim()) entries.push(JSON.parse(line));
  }
  return entries;
}

// Every erasure record the server holds (listed by the privacy audit report):
// completed, no key of an erased profile left in the vault, audited once.
async function checkAllErasureRecords(url) {
  const report = await getJson(`${url}/v1/audit/report`, PO);
  assert.equal(report.status, 200, JSON.stringify(report.body));
  const rows = report.body.rights_requests.requests.filter((r) => r.type === 'erasure');
  const records = [];
  for (const row of rows) {
    const { status, body } = await getJson(`${url}/v1/rights/requests/${row.id}`, PO);
    assert.equal(status, 200, `${row.id}: ${JSON.stringify(body)}`);
    assert.equal(body.status, 'completed', `${row.id} is not completed: ${JSON.stringify(body)}`);
    if (body.erased_profiles) assert.equal(body.keys_remaining, 0, `${row.id} left keys in the vault: ${JSON.stringify(body)}`);
    records.push(body);
  }
  return records;
}

function assertAuditedOnce(dir, records) {
  const count = new Map();
  for (const e of auditEntries(dir)) {
    if (e.action === 'rights.erasure') count.set(e.detail?.request, (count.get(e.detail?.request) ?? 0) + 1);
  }
  for (const r of records) {
    assert.equal(count.get(r.id) ?? 0, 1, `erasure ${r.id} audited ${count.get(r.id) ?? 0} times: ${JSON.stringify(r)}`);
  }
}

test('kill -9 during erasures: acknowledged ones are complete, interrupted ones complete on retry', { timeout: 180000 }, async () => {
  const CYCLES = 10;
  const PEOPLE = 6;
  const random = rng(SEED);
  console.log(`# erasure crash cycles, SHINRAI_CRASH_SEED=${SEED}`);
  const dir = tempDataDir();
  let server;
  let pending = null;  // what the last cycle left to check: { acked: [{person, record}], inflight: [person] }
  const totals = { acked: 0, inflight: 0, resumed: 0, notFound: 0, fresh: 0, resumedAtStart: 0 };

  // After a restart: what the previous cycle acknowledged is complete; what
  // was in flight completes on retry; every erased person is gone and their
  // ids accept events again.
  const checkPending = async () => {
    if (!pending) return;
    const m = server.output().match(/completed (\d+) erasure\(s\) that the last run had begun/);
    if (m) totals.resumedAtStart += Number(m[1]);
    for (const { person, record } of pending.acked) {
      const { status, body } = await getJson(`${server.url}/v1/rights/requests/${record.id}`, PO);
      assert.equal(status, 200, `${record.id}: ${JSON.stringify(body)}`);
      assert.equal(body.status, 'completed', `acknowledged erasure of ${person.userId}: ${JSON.stringify(body)}`);
      assert.equal(body.keys_remaining, 0, `acknowledged erasure of ${person.userId}: ${JSON.stringify(body)}`);
    }
    for (const person of pending.inflight) {
      const { status, body } = await erase(server.url, person.userId);
      assert.equal(status, 201, `retry of ${person.userId}: ${JSON.stringify(body)}`);
      assert.equal(body.status, 'completed', `retry of ${person.userId}: ${JSON.stringify(body)}`);
      const o = body.outcome;
      if (o.found === false) totals.notFound++;
      else {
        // Resumed (the first phase had committed) or done afresh (the kill
        // came before it): either way complete, with no key left.
        assert.equal(o.found, true, JSON.stringify(body));
        assert.equal(o.keys_remaining, 0, `retry of ${person.userId}: ${JSON.stringify(body)}`);
        if (o.resumed_after_interruption) totals.resumed++;
        else totals.fresh++;
        const again = await getJson(`${server.url}/v1/rights/requests/${body.id}`, PO);
        assert.equal(again.body.keys_remaining, 0, JSON.stringify(again.body));
      }
    }
    for (const person of [...pending.acked.map((a) => a.person), ...pending.inflight]) {
      for (const id of [person.userId, person.anonymousId]) {
        const { status, body } = await getJson(`${server.url}/v1/profiles/${id}`);
        assert.equal(status, 404, `${id} is still there after its erasure: ${JSON.stringify(body)}`);
      }
      const res = await track(server.url, { userId: person.userId, messageId: `after-${person.userId}` });
      assert.equal(res.status, 200, `${person.userId} after its erasure: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.success, true, JSON.stringify(res.body));
    }
  };

  try {
    for (let c = 0; c < CYCLES; c++) {
      server = await startServer({ dataDir: dir });
      await checkPending();

      const people = Array.from({ length: PEOPLE }, (_, i) => ({
        userId: `er-c${c}-p${i}-${SEED}`,
        anonymousId: `er-anon-c${c}-p${i}-${SEED}`,
      }));
      await Promise.all(people.map(async (p, i) => {
        // Anonymous browsing first, then a login: half of them are two
        // profiles merged, so erasure has more than one key to destroy.
        if (i % 2 === 0) {
          const r0 = await track(server.url, { anonymousId: p.anonymousId, messageId: `${p.anonymousId}-0` });
          assert.equal(r0.status, 200, JSON.stringify(r0.body));
        }
        const r1 = await postJson(`${server.url}/v1/identify`, { userId: p.userId, anonymousId: p.anonymousId, traits: { first_name: `P${i}`, email: `${p.userId}@example.com` } });
        assert.equal(r1.status, 200, JSON.stringify(r1.body));
        const r2 = await track(server.url, { userId: p.userId, messageId: `${p.userId}-1` });
        assert.equal(r2.status, 200, JSON.stringify(r2.body));
      }));

      const acked = [];
      const inflight = [];
      const unexpected = [];
      let killed = false;
      const requests = people.map((p) =>
        erase(server.url, p.userId).then(
          (res) => {
            if (res.status === 201) acked.push({ person: p, record: res.body });
            else if (killed) inflight.push(p);  // e.g. a 5xx from a half-dead process: treat as not acknowledged
            else unexpected.push({ person: p, res });
          },
          () => inflight.push(p),  // reset by the kill
        ));
      // The kill comes once a random number of them (0 to all but one) has
      // been acknowledged, then 0-7 ms later: timed by progress rather than
      // by the clock, so that it lands inside an erasure however fast this
      // machine is (six take 20 to 150 ms here).
      const ackedBeforeKill = Math.floor(random() * PEOPLE);
      const extra = Math.floor(random() * 8);
      const deadline = Date.now() + 10000;
      while (acked.length < ackedBeforeKill && acked.length + inflight.length < PEOPLE && Date.now() < deadline) await sleep(1);
      await sleep(extra);
      const delay = `${ackedBeforeKill} acknowledged + ${extra} ms`;
      killed = true;
      await server.kill9();
      await Promise.all(requests);
      assert.deepEqual(unexpected, [], 'an erasure answered something other than 201 before the kill');
      for (const { person, record } of acked) {
        assert.equal(record.status, 'completed', JSON.stringify(record));
        assert.equal(record.outcome.keys_remaining, 0, `${person.userId}: ${JSON.stringify(record)}`);
        assert.equal(record.outcome.keys_destroyed, record.erased_profiles.length, JSON.stringify(record));
      }
      console.log(`# cycle ${c}: kill after ${delay}: ${acked.length} erasure(s) acknowledged, ${inflight.length} in flight`);
      totals.acked += acked.length;
      totals.inflight += inflight.length;
      pending = { acked, inflight };
    }

    server = await startServer({ dataDir: dir });
    await checkPending();
    const records = await checkAllErasureRecords(server.url);
    await server.stop();
    server = null;
    assertAuditedOnce(dir, records);
    console.log(`# ${auditVerify(dir)}`);
    console.log(`# ${CYCLES} kills: ${totals.acked} erasures acknowledged, ${totals.inflight} in flight ` +
                `(${totals.resumedAtStart} completed at start-up, retries: ${totals.resumed} resumed, ` +
                `${totals.notFound} found:false, ${totals.fresh} done afresh); ${records.length} erasure records all complete`);
    assert.ok(totals.inflight > 0, 'no kill landed during an erasure: the test proved nothing about interruption');
  } finally {
    if (server) await server.kill9();
    removeDir(dir);
  }
});

test('kill -9 during the first events of new people: every id is usable afterwards', { timeout: 180000 }, async () => {
  const CYCLES = 10;
  const PER_CYCLE = 24;
  const random = rng(SEED ^ 0x5bd1e995);
  console.log(`# new-people crash cycles, SHINRAI_CRASH_SEED=${SEED}`);
  const dir = tempDataDir();
  let server;
  let pending = null;  // { ids: [{userId, messageId, acked}] }
  const totals = { acked: 0, unacked: 0, repairs: 0, recordsRemoved: 0, linksRemoved: 0, ackedEventsKept: 0 };

  const checkPending = async () => {
    if (!pending) return;
    const m = server.output().match(/removed (\d+) records whose key was gone and (\d+) identity links/);
    if (m) {
      totals.repairs++;
      totals.recordsRemoved += Number(m[1]);
      totals.linksRemoved += Number(m[2]);
    }
    for (const p of pending.ids) {
      const res = await track(server.url, { userId: p.userId, messageId: `${p.userId}-again` });
      assert.equal(res.status, 200, `${p.userId} (first event ${p.acked ? 'acknowledged' : 'not acknowledged'}) after restart: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.accepted, 1, `${p.userId}: ${JSON.stringify(res.body)}`);
      const prof = await getJson(`${server.url}/v1/profiles/${p.userId}`);
      assert.equal(prof.status, 200, `${p.userId}: ${JSON.stringify(prof.body)}`);
      const seen = new Set(prof.body.recent_events.map((e) => e.messageId));
      assert.ok(seen.has(`${p.userId}-again`), `${p.userId}: ${JSON.stringify(prof.body)}`);
      if (p.acked) {
        assert.ok(seen.has(p.messageId), `${p.userId}: the acknowledged first event is lost: ${JSON.stringify(prof.body)}`);
        totals.ackedEventsKept++;
      }
      const er = await erase(server.url, p.userId);
      assert.equal(er.status, 201, `erasure of ${p.userId}: ${JSON.stringify(er.body)}`);
      assert.equal(er.body.status, 'completed', JSON.stringify(er.body));
      assert.equal(er.body.outcome.found, true, `erasure of ${p.userId}: ${JSON.stringify(er.body)}`);
      assert.equal(er.body.outcome.keys_remaining, 0, `erasure of ${p.userId}: ${JSON.stringify(er.body)}`);
    }
  };

  try {
    for (let c = 0; c < CYCLES; c++) {
      server = await startServer({ dataDir: dir });
      await checkPending();

      // First events of never-seen people, all at once, three ways: track,
      // identify, and a batch carrying several new people.
      const ids = Array.from({ length: PER_CYCLE }, (_, i) => ({
        userId: `new-c${c}-u${i}-${SEED}`, messageId: `first-c${c}-u${i}-${SEED}`, acked: false,
      }));
      const unexpected = [];
      let killed = false;
      const settle = (group) => (res) => {
        if (res.status === 200) for (const p of group) p.acked = true;
        else if (!killed) unexpected.push({ ids: group.map((p) => p.userId), res });
      };
      // One request per new person (track or identify) or per three (a
      // batch), sent in waves a few ms apart, so that a kill finds some
      // committed, some staged and some not yet read.
      const send = (r, group) => {
        const p = group[0];
        if (group.length > 1) {
          return postJson(`${server.url}/v1/batch`, {
            batch: group.map((q) => ({ type: 'track', userId: q.userId, messageId: q.messageId, event: 'Product Viewed', properties: { product_id: 'sku-1002' } })),
          });
        }
        if (r % 2 === 1) {
          return postJson(`${server.url}/v1/identify`, { userId: p.userId, messageId: p.messageId, traits: { first_name: 'New', email: `${p.userId}@example.com` } });
        }
        return track(server.url, { userId: p.userId, messageId: p.messageId });
      };
      const requests = [];
      const sending = (async () => {
        for (let i = 0, r = 0; i < PER_CYCLE; r++) {
          if (r > 0 && r % 4 === 0) await sleep(3);
          const group = ids.slice(i, i + (r % 3 === 2 ? 3 : 1));
          i += group.length;
          requests.push(send(r, group).then(settle(group), () => {}));
        }
      })();
      // Every other cycle the kill comes while the last wave is still to be
      // sent (the waves span at least 9 ms); the others anywhere in 40 ms.
      const delay = Math.floor(random() * (c % 2 === 0 ? 6 : 40));
      await sleep(delay);
      killed = true;
      await server.kill9();
      await sending;
      await Promise.all(requests);
      assert.deepEqual(unexpected, [], 'a first event answered something other than 200 before the kill');
      const acked = ids.filter((p) => p.acked).length;
      console.log(`# cycle ${c}: kill after ${delay} ms, ${acked} of ${PER_CYCLE} first events acknowledged`);
      totals.acked += acked;
      totals.unacked += PER_CYCLE - acked;
      pending = { ids };
    }

    server = await startServer({ dataDir: dir });
    await checkPending();
    await server.stop();
    server = null;
    console.log(`# ${auditVerify(dir)}`);
    console.log(`# ${CYCLES} kills: ${totals.acked} first events acknowledged (all kept), ${totals.unacked} not; ` +
                `${totals.repairs} start-ups repaired an unclean stop (${totals.recordsRemoved} keyless records, ` +
                `${totals.linksRemoved} dangling links removed); every id accepted a new event and was erased with no key left`);
    assert.ok(totals.unacked > 0, 'no kill landed during the first events: the test proved nothing about interruption');
  } finally {
    if (server) await server.kill9();
    removeDir(dir);
  }
});
