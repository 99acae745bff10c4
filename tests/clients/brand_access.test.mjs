// Issue 17: the access matrix by brand. The demo declaration with two brands
// (fashion, the default, and home) and a key per role per brand; every role ×
// brand (and the group) × brand-sensitive endpoint × customer of one brand or
// the other. A brand's key reaches only its own customers; what reaches every
// brand's data stays with the group's keys. The expected table is written out
// here, independently of the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG, startServer, tempDataDir, removeDir, postJson } from './server.mjs';

const ROLES = ['admin', 'privacy_officer', 'agent', 'analyst', 'service'];
const BRANDS = ['fashion', 'home'];
const GROUP_KEY = { admin: 'demo-admin-key', privacy_officer: 'demo-privacy-officer-key', agent: 'demo-agent-key',
                    analyst: 'demo-analyst-key', service: 'demo-service-key' };
// customer -> the brand that collected from them
const CUSTOMERS = { 'ba-fashion-only': 'fashion', 'ba-home-only': 'home' };

// endpoint -> roles allowed (as for group keys); groupOnly: refused to every brand's key.
const ENDPOINTS = [
  { name: 'GET profile', method: 'GET', path: (c) => `/v1/profiles/${c}?reason=order_query`, allowed: ['admin', 'agent'] },
  { name: 'GET consent', method: 'GET', path: (c) => `/v1/consent/${c}`, allowed: ['admin', 'privacy_officer', 'service'] },
  { name: 'GET consent history', method: 'GET', path: (c) => `/v1/consent/${c}/history`, allowed: ['admin', 'privacy_officer', 'service'] },
  { name: 'GET recommendations', method: 'GET', path: (c) => `/v1/recommendations/${c}?n=3`, allowed: ['admin', 'service'] },
  { name: 'POST rights request', method: 'POST', path: () => '/v1/rights/requests', body: (c) => ({ type: 'access', subject: c }),
    allowed: ['admin', 'privacy_officer'], groupOnly: true },
  { name: 'GET audit report', method: 'GET', path: () => '/v1/audit/report', allowed: ['admin', 'privacy_officer'], groupOnly: true },
  { name: 'GET recommendation stats', method: 'GET', path: () => '/v1/stats/recommendations', allowed: ['admin', 'analyst'],
    groupOnly: true },
];

let server;
let dir;

function twoBrandConfig() {
  let yaml = readFileSync(CONFIG, 'utf8');
  const keys = ['  - {key: home-write-key-1, kind: write, brand: home, name: home web}'];
  for (const b of BRANDS) for (const r of ROLES) keys.push(`  - {key: ${b}-${r}-key, kind: api, role: ${r}, brand: ${b}, name: ${b} ${r}}`);
  yaml = yaml.replace(/^keys:[ \t]*\n/m, (m) => m + keys.join('\n') + '\n');
  return 'brands:\n' +
    '  - {id: fashion, name: Fashion, controller: Example Fashion Ltd, contact: privacy@fashion.example, default: true}\n' +
    '  - {id: home, name: Home, controller: Example Home Ltd, contact: privacy@home.example}\n' + yaml;
}

before(async () => {
  dir = tempDataDir();
  const config = join(dir, 'shinrai.yaml');
  writeFileSync(config, twoBrandConfig());
  server = await startServer({ dataDir: join(dir, 'data'), config });
  for (const [who, brand] of Object.entries(CUSTOMERS)) {
    const key = brand === 'home' ? 'home-write-key-1' : 'demo-write-key';
    const auth = { Authorization: 'Basic ' + Buffer.from(`${key}:`).toString('base64') };
    const sent = await postJson(`${server.url}/v1/identify`, { userId: who, traits: { first_name: who } }, auth);
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
  }
});
after(async () => {
  await server?.stop();
  removeDir(dir);
});

function expected(endpoint, role, brand, customer) {
  if (!endpoint.allowed.includes(role)) return { status: 403 };
  if (brand === 'group') return { status: endpoint.method === 'POST' && endpoint.name.startsWith('POST rights') ? 201 : 200 };
  if (endpoint.groupOnly) return { status: 403, message: /group key/ };
  if (CUSTOMERS[customer] === brand) return { status: 200 };
  // Someone the brand never collected from is, to its key, nobody.
  if (endpoint.name === 'GET recommendations') return { status: 200, unknownPerson: true };
  return { status: 404 };
}

test('every role × brand × endpoint × customer: a brand reaches only its own customers', async () => {
  const failures = [];
  let cells = 0;
  for (const endpoint of ENDPOINTS) {
    for (const role of ROLES) {
      for (const brand of [...BRANDS, 'group']) {
        const key = brand === 'group' ? GROUP_KEY[role] : `${brand}-${role}-key`;
        for (const customer of Object.keys(CUSTOMERS)) {
          cells += 1;
          const want = expected(endpoint, role, brand, customer);
          const res = await fetch(`${server.url}${endpoint.path(customer)}`, {
            method: endpoint.method,
            headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
            body: endpoint.body ? JSON.stringify(endpoint.body(customer)) : undefined,
          });
          const text = await res.text();
          const where = `${endpoint.name} as ${brand} ${role} about ${customer}`;
          if (res.status !== want.status) failures.push(`${where}: ${res.status}, expected ${want.status}: ${text.slice(0, 160)}`);
          else if (want.message && !want.message.test(text)) failures.push(`${where}: ${text.slice(0, 160)}`);
          else if (want.unknownPerson && JSON.parse(text).profile_id !== null) failures.push(`${where}: named the person`);
          else if (want.status === 404 && text.includes(customer) && !text.includes(`no profile for '${customer}'`))
            failures.push(`${where}: the refusal says more than 'not found': ${text.slice(0, 160)}`);
        }
      }
    }
  }
  assert.equal(cells, ENDPOINTS.length * ROLES.length * 3 * 2);
  assert.deepEqual(failures, []);
});

test("a brand's key asking for another brand is refused; a group key may name either", async () => {
  const other = await fetch(`${server.url}/v1/recommendations/ba-home-only?n=3&brand=fashion`, {
    headers: { Authorization: 'Bearer home-service-key' },
  });
  assert.equal(other.status, 403);
  assert.match((await other.json()).error.message, /serves brand 'home' only/);
  const group = await fetch(`${server.url}/v1/recommendations/ba-home-only?n=3&brand=home`, {
    headers: { Authorization: 'Bearer demo-service-key' },
  });
  assert.equal(group.status, 200);
  assert.equal((await group.json()).brand, 'home');
  const state = await fetch(`${server.url}/v1/consent/ba-home-only?brand=home`, { headers: { Authorization: 'Bearer demo-service-key' } });
  assert.equal((await state.json()).brand, 'home');
});
