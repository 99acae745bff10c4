// Issue 17, item 7: the README's walk-through of the group's brands, run
// against the two-brand demo (examples/two-brands.yaml, --demo) over HTTP,
// step by step as a reader would: the difference between the brands must be
// visible, and the ids the README names must be the ones the demo loads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CONFIG, startServer, tempDataDir, removeDir } from './server.mjs';

const SHARED = 'cust-10035';   // the README's: allowed the shop to personalize (web), declined at Home
const HOME_ONLY = 'cust-30000';
const bearer = (key) => ({ Authorization: `Bearer ${key}` });

let server;
let dir;

async function call(method, path, key, body) {
  const res = await fetch(server.url + path, {
    method,
    headers: { ...bearer(key), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

before(async () => {
  dir = tempDataDir();
  // The demo serves a declared 5 % of people non-personalized (the holdout,
  // drawn from their random profile id): the README's customer must not be
  // one of them on this run, so this run declares none.
  const config = join(dir, 'two-brands-no-holdout.yaml');
  writeFileSync(config, `extends: ${join(dirname(CONFIG), 'two-brands.yaml')}\nrecommendations:\n  holdout_share: 0\n`);
  server = await startServer({ dataDir: join(dir, 'data'), config, args: ['--demo'], timeoutMs: 120000 });
  // The server trains its first model just after the demo loads.
  for (let i = 0; i < 100; ++i) {
    const r = await call('GET', '/v1/recommendations/nobody?n=1', 'demo-service-key');
    if (r.body?.model_version) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no model was trained within 10 s');
});

after(async () => {
  await server?.stop();
  removeDir(dir);
});

test('the demo loads two brands and names the README\'s customers', () => {
  assert.match(server.output(), /brands shop and home/);
  assert.match(server.output(), new RegExp(`${SHARED} shops at both brands \\(allowed shop to personalize, not home\\)`));
  assert.match(server.output(), new RegExp(`${HOME_ONLY} shops at home only`));
});

test('consent is per brand: allowed at the shop, denied at Home', async () => {
  const shop = await call('GET', `/v1/consent/${SHARED}?brand=shop`, 'demo-admin-key');
  const home = await call('GET', `/v1/consent/${SHARED}?brand=home`, 'demo-admin-key');
  assert.equal(shop.status, 200);
  assert.equal(shop.body.purposes.personalization.channels.web.allowed, true);
  assert.equal(home.body.purposes.personalization.channels.web.reason, 'consent_denied');
  assert.equal(home.body.purposes.advertising.channels.web.reason, 'purpose_not_run_by_brand');
});

test('recommendations follow the brand: its choices, its catalogue, other brands\' history only when allowed', async () => {
  const homeItems = (r) => r.body.items.length > 0 && r.body.items.every((i) => /^sku-5\d{3}$/.test(i.item));
  const shop = await call('GET', `/v1/recommendations/${SHARED}?n=3&brand=shop`, 'demo-service-key');
  assert.equal(shop.body.personalized, true);
  assert.deepEqual(shop.body.data_brands_used, ['shop']);
  assert.ok(shop.body.items.length > 0 && shop.body.items.every((i) => !/^sku-5/.test(i.item)),
            'the shop recommends its own range');
  let home = await call('GET', `/v1/recommendations/${SHARED}?n=3`, 'demo-home-service-key');
  assert.equal(home.body.brand, 'home');
  assert.equal(home.body.personalized, false);
  assert.equal(home.body.reason, 'consent_denied');
  assert.deepEqual(home.body.data_brands_used, []);
  assert.ok(homeItems(home));

  const granted = await call('PUT', `/v1/consent/${SHARED}`, 'demo-home-service-key',
                             { changes: [{ purpose: 'personalization', status: 'granted' }] });
  assert.equal(granted.status, 200);
  assert.equal(granted.body.brand, 'home');
  home = await call('GET', `/v1/recommendations/${SHARED}?n=3`, 'demo-home-service-key');
  assert.equal(home.body.personalized, true);
  assert.deepEqual(home.body.data_brands_used, ['home']);

  const across = await call('PUT', `/v1/consent/${SHARED}`, 'demo-admin-key',
                            { brand: '*', changes: [{ purpose: 'cross_brand_personalization', status: 'granted' }] });
  assert.equal(across.status, 200);
  home = await call('GET', `/v1/recommendations/${SHARED}?n=3`, 'demo-home-service-key');
  assert.deepEqual(home.body.data_brands_used, ['home', 'shop']);
  assert.ok(home.body.history_items > 0);
  assert.ok(homeItems(home), 'still only what Home sells');
  // Home's key may not speak for the shop, nor for the group.
  const refused = await call('PUT', `/v1/consent/${SHARED}`, 'demo-home-service-key',
                             { brand: 'shop', changes: [{ purpose: 'personalization', status: 'denied' }] });
  assert.equal(refused.status, 403);
});

test('Home\'s agent reads Home\'s customers and what Home collected only', async () => {
  const shared = await call('GET', `/v1/profiles/${SHARED}?reason=order_query`, 'demo-home-agent-key');
  assert.equal(shared.status, 200);
  assert.ok(shared.body.recent_events.length > 0);
  assert.ok(shared.body.recent_events.every((e) => e.brand === 'home'));
  const whole = await call('GET', `/v1/profiles/${SHARED}?reason=order_query`, 'demo-agent-key');
  assert.ok(whole.body.event_count > shared.body.event_count, 'the group sees the shop\'s events too');
  assert.equal((await call('GET', `/v1/profiles/cust-10001?reason=order_query`, 'demo-home-agent-key')).status, 404);
  assert.equal((await call('GET', `/v1/profiles/${HOME_ONLY}?reason=order_query`, 'demo-agent-key')).status, 200);
});

test('rights reach one brand or the group: the export lists each brand, Home\'s erasure leaves the shop\'s', async () => {
  const filed = await call('POST', '/v1/rights/requests', 'demo-privacy-officer-key', { type: 'access', subject: SHARED });
  assert.equal(filed.status, 201);
  const record = await call('GET', `/v1/rights/requests/${filed.body.id}`, 'demo-privacy-officer-key');
  const brands = Object.fromEntries(record.body.export.brands.map((b) => [b.brand, b]));
  assert.deepEqual(Object.keys(brands).sort(), ['home', 'shop']);
  assert.equal(brands.home.controller, 'Shinrai Home Ltd');
  assert.ok(brands.home.events > 0 && brands.shop.events > 0);

  const erased = await call('POST', '/v1/rights/requests', 'demo-privacy-officer-key',
                            { type: 'erasure', subject: SHARED, brand: 'home' });
  assert.equal(erased.status, 201);
  assert.equal(erased.body.outcome.events_deleted, brands.home.events);
  assert.deepEqual(erased.body.outcome.still_a_customer_of, ['shop']);
  assert.equal((await call('GET', `/v1/profiles/${SHARED}?reason=order_query`, 'demo-home-agent-key')).status, 404);
  const shop = await call('GET', `/v1/recommendations/${SHARED}?n=3&brand=shop`, 'demo-service-key');
  assert.equal(shop.body.personalized, true);
  assert.deepEqual(shop.body.data_brands_used, ['shop']);
});

test('the privacy audit breaks consent coverage down by brand', async () => {
  const report = await call('GET', '/v1/audit/report', 'demo-privacy-officer-key');
  assert.equal(report.status, 200);
  const byBrand = report.body.consent_coverage_by_brand;
  assert.ok(byBrand.shop.customers > byBrand.home.customers && byBrand.home.customers >= 50);
  assert.notEqual(byBrand.shop.coverage.personalization.web.allowed, byBrand.home.coverage.personalization.web.allowed);
});
