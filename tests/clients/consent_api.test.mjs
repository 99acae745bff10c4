// The consent API over real HTTP, and consent sent with tracking calls by
// the Segment SDK and as a TCF string made by the IAB reference encoder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import * as tcf from '@iabtechlabtcf/core';
import { startServer, tempDataDir, removeDir, getJson, postJson, ADMIN, WRITE_KEY } from './server.mjs';

let server;
let dir;

before(async () => {
  dir = tempDataDir();
  server = await startServer({ dataDir: dir });
});

after(async () => {
  await server.stop();
  removeDir(dir);
});

async function put(id, body, headers = ADMIN) {
  const res = await fetch(`${server.url}/v1/consent/${encodeURIComponent(id)}`, {
    method: 'PUT', headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

test('defaults deny every consent-based purpose; contract purposes need none', async () => {
  await postJson(`${server.url}/v1/identify`, { userId: 'fresh', messageId: 'f1' });
  const { status, body } = await getJson(`${server.url}/v1/consent/fresh`);
  assert.equal(status, 200);
  for (const [id, p] of Object.entries(body.purposes)) {
    for (const [channel, c] of Object.entries(p.channels)) {
      if (p.legal_basis === 'consent') assert.deepEqual([c.allowed, c.reason], [false, 'no_consent'], `${id}/${channel}`);
      if (p.legal_basis === 'contract') assert.equal(c.allowed, true);
    }
  }
});

test('PUT applies granular changes atomically, and history keeps every statement', async () => {
  let r = await put('ada', { source: 'privacy_center', changes: [
    { purpose: 'email_marketing', channel: 'email', status: 'granted' },
    { purpose: 'sms_marketing', channel: 'app', status: 'denied' },
    { purpose: 'personalization', channel: 'web', status: 'granted', proof: 'form-7' },
  ] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.recorded, 3);
  const s = (await getJson(`${server.url}/v1/consent/ada`)).body.purposes;
  assert.equal(s.email_marketing.channels.email.allowed, true);
  assert.equal(s.email_marketing.channels.app.allowed, false);
  assert.equal(s.personalization.channels.web.reason, 'consent_granted');
  assert.equal(s.personalization.channels.app.reason, 'no_consent');
  assert.equal(s.personalization.channels.web.source, 'privacy_center');

  // One bad change rejects the whole request: nothing of it is recorded.
  r = await put('ada', { changes: [
    { purpose: 'personalization', channel: 'web', status: 'withdrawn' },
    { purpose: 'personalization', channel: 'fax', status: 'granted' },
  ] });
  assert.equal(r.status, 400);
  assert.match(r.body.error.message, /changes\[1\]\.channel: unknown channel 'fax'/);
  assert.equal((await getJson(`${server.url}/v1/consent/ada`)).body.purposes.personalization.channels.web.allowed, true);

  r = await put('ada', { changes: [{ purpose: 'personalization', channel: '*', status: 'withdrawn' }] });
  assert.equal(r.status, 200);
  assert.equal(r.body.purposes.personalization.channels.web.reason, 'consent_withdrawn');
  const history = (await getJson(`${server.url}/v1/consent/ada/history`)).body.records;
  assert.deepEqual(history.map((h) => `${h.purpose}/${h.channel}/${h.status}`), [
    'email_marketing/email/granted', 'sms_marketing/app/denied', 'personalization/web/granted', 'personalization/*/withdrawn',
  ]);
  assert.equal(history[2].proof, 'form-7');
});

test('bad consent requests are named 4xx errors', async () => {
  const cases = [
    ['{"changes": [', 400, /not valid JSON/],
    [{ changes: [] }, 400, /non-empty list/],
    [{ changes: [{ purpose: 'personalization', status: 'granted' }], extra: 1 }, 400, /unknown field 'extra'/],
    [{ changes: [{ purpose: 'personalization', status: 'maybe' }] }, 400, /granted, denied or withdrawn/],
    [{ changes: [{ purpose: 'telepathy', status: 'granted' }] }, 400, /unknown purpose 'telepathy'/],
    [{ changes: [{ purpose: 'service', status: 'denied' }] }, 400, /rests on contract/],
    [{ changes: [{ purpose: 'personalization', status: 'granted', source: 'rumour' }] }, 400, /unknown source 'rumour'/],
  ];
  for (const [body, status, message] of cases) {
    const r = await put('bob', body);
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.match(r.body.error.message, message);
  }
  const wrongMethod = await postJson(`${server.url}/v1/consent/bob`, {}, ADMIN);
  assert.equal(wrongMethod.status, 405);
  assert.equal((await getJson(`${server.url}/v1/consent/nobody-here`)).status, 404);
});

test('only the allowed roles read and change consent', async () => {
  const write = { Authorization: `Bearer ${WRITE_KEY}` };
  assert.equal((await getJson(`${server.url}/v1/consent/ada`, {})).status, 401);
  assert.equal((await getJson(`${server.url}/v1/consent/ada`, write)).status, 403);
  const r = await put('ada', { changes: [{ purpose: 'personalization', status: 'granted' }] }, write);
  assert.equal(r.status, 403);
  assert.match(r.body.error.message, /may not change a person's consent/);
});

test('consent sent by the Segment SDK and as a TCF string is recorded and enforced', async () => {
  const segment = new SegmentAnalytics({ writeKey: WRITE_KEY, host: server.url, flushAt: 1, maxRetries: 1 });
  segment.identify({ userId: 'sdk-consent', traits: { birthday: '1990-05-17T00:00:00Z' },
    context: { channel: 'web', consent: { categoryPreferences: { Personalization: false } } } });
  await segment.closeAndFlush({ timeout: 20000 });
  let profile = (await getJson(`${server.url}/v1/profiles/sdk-consent`)).body;
  // birthday serves only personalization, which the person declined.
  assert.equal(profile.traits.birthday, undefined);
  const state = (await getJson(`${server.url}/v1/consent/sdk-consent`)).body.purposes.personalization.channels.web;
  assert.deepEqual([state.allowed, state.reason, state.source], [false, 'consent_denied', 'consent_manager']);

  // A CMP's TC string granting TCF purposes 5 and 6 (personalised content).
  const m = new tcf.TCModel();
  m.cmpId = 42; m.cmpVersion = 1; m.consentLanguage = 'EN'; m.publisherCountryCode = 'GB'; m.vendorListVersion = 90;
  m.policyVersion = 5; m.created = new Date(); m.lastUpdated = new Date();
  m.purposeConsents.set([1, 5, 6]);
  const tc = tcf.SegmentEncoder.encode(m, tcf.Segment.CORE);
  const res = await postJson(`${server.url}/v1/identify`, { userId: 'sdk-consent', messageId: 'tcf-1',
    traits: { birthday: '1990-05-17T00:00:00Z' }, context: { channel: 'web', tcf: tc } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  profile = (await getJson(`${server.url}/v1/profiles/sdk-consent`)).body;
  assert.equal(profile.traits.birthday, '1990-05-17T00:00:00Z');
  const after = (await getJson(`${server.url}/v1/consent/sdk-consent`)).body.purposes;
  assert.deepEqual([after.personalization.channels.web.allowed, after.personalization.channels.web.source], [true, 'tcf']);
  assert.equal(after.advertising.channels.web.reason, 'consent_denied');  // TCF purposes 3 and 4 not consented

  const bad = await postJson(`${server.url}/v1/track`, { userId: 'sdk-consent', event: 'Product Viewed', gdpr_consent: 'not-a-tc-string!' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /TC string/);
});
