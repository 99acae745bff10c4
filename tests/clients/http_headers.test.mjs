// Issue 16: what a browser or an HTTP client is told besides the body. Pages
// of personal data are never cached, never sniffed, and run under a strict
// Content-Security-Policy; answers to API keys are never cached; 429 and 503
// say when to come back; 405 says which methods are allowed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG, startServer, tempDataDir, removeDir, postJson, ADMIN } from './server.mjs';

const OFFICER = { Authorization: 'Bearer demo-privacy-officer-key' };
const SLOW = { Authorization: 'Bearer slow-analyst-key' };
let server;
let dir;

before(async () => {
  dir = tempDataDir();
  // One more key, limited to 2 requests a second.
  const config = readFileSync(CONFIG, 'utf8').replace(
    /^keys:[ \t]*\n/m,
    (m) => m + '  - key: slow-analyst-key\n    kind: api\n    role: analyst\n    name: slow analyst\n    rate_limit: 2\n',
  );
  const path = join(dir, 'shinrai.yaml');
  writeFileSync(path, config);
  server = await startServer({ dataDir: join(dir, 'data'), config: path });
  assert.equal((await postJson(`${server.url}/v1/identify`, { userId: 'header-hana', traits: { first_name: 'Hana' } })).status, 200);
});
after(async () => {
  await server?.stop();
  removeDir(dir);
});

function assertStrictPage(res, what) {
  assert.equal(res.status, 200, what);
  assert.match(res.headers.get('content-type'), /^text\/html/, what);
  assert.equal(res.headers.get('cache-control'), 'no-store', what);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/, what);
  assert.match(csp, /style-src 'sha256-[A-Za-z0-9+/=]+'/, `${what}: only the page's own style, by hash`);
  assert.match(csp, /frame-ancestors 'none'/, what);
  assert.doesNotMatch(csp, /unsafe-inline|script-src/, what);
}

test('the HTML export and the HTML audit report are served with no-store, nosniff and a strict CSP', async () => {
  const filed = await postJson(`${server.url}/v1/rights/requests`, { type: 'access', subject: 'header-hana' }, OFFICER);
  assert.equal(filed.status, 201);
  const { id } = filed.body;
  const page = await fetch(`${server.url}/v1/rights/requests/${id}?format=html`, { headers: OFFICER });
  assertStrictPage(page, 'the export');
  const html = await page.text();
  // The CSP's hash is the hash of the style the page really has.
  const style = html.match(/<style>([\s\S]*?)<\/style>/)[1];
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256').update(style).digest('base64');
  assert.ok(page.headers.get('content-security-policy').includes(`'sha256-${hash}'`));
  assertStrictPage(await fetch(`${server.url}/v1/audit/report?format=html`, { headers: OFFICER }), 'the audit report');
});

test('answers to API keys are never cached', async () => {
  const res = await fetch(`${server.url}/v1/profiles/header-hana`, { headers: ADMIN });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
});

test('a key over its rate limit gets 429 with Retry-After', async () => {
  let limited;
  for (let i = 0; i < 10 && !limited; i++) {
    const res = await fetch(`${server.url}/v1/stats/recommendations`, { headers: SLOW });
    if (res.status === 429) limited = res;
    else await res.arrayBuffer();
  }
  assert.ok(limited, 'ten requests in a burst at 2 per second: one must be refused');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1, 'Retry-After, in seconds');
  assert.match((await limited.json()).error.message, /rate limit of 2 requests\/s/);
});

test('a method a route does not take gets 405 with Allow', async () => {
  const res = await fetch(`${server.url}/v1/profiles/header-hana`, { method: 'DELETE', headers: ADMIN });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'GET');
});
