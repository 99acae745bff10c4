// Issue 18, item 1: the privacy notices over HTTP, as a browser and as a
// program read them. Public, generated from the declaration, HTML by default
// and JSON on request, in English and Japanese; the version a consent record
// cites is the version the notice shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ADMIN, startServer, tempDataDir, removeDir } from './server.mjs';
import { browserMissing, launchBrowser } from './browser.mjs';

let server;
let dir;

before(async () => {
  dir = tempDataDir();
  server = await startServer({ dataDir: join(dir, 'data') });
});

after(async () => {
  await server?.stop();
  removeDir(dir);
});

const notice = (query, headers = {}) => fetch(`${server.url}/v1/privacy/notice${query}`, { headers });

test('the short notice is a public HTML page with a strict policy', async () => {
  const res = await notice('');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/html/);
  assert.match(res.headers.get('content-security-policy'), /default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/);
  const html = await res.text();
  assert.match(html, /<html lang="en">/);
  for (const heading of ['What we collect', 'Why', 'For how long', 'Who receives it', 'Your choices'])
    assert.ok(html.includes(`<h2>${heading}</h2>`), heading);
  assert.ok(html.includes('Shinrai Demo Shop Ltd'));
  assert.ok(!html.includes('{{'));
});

test('JSON on request, in Japanese, and the full layer', async () => {
  const res = await notice('?layer=full&lang=ja', { Accept: 'application/json' });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.format, 'shinrai-notice/1');
  assert.equal(body.layer, 'full');
  assert.equal(body.lang, 'ja');
  assert.match(body.version, /^2026-01\+[0-9a-f]{12}$/);
  const personalization = body.purposes.find((p) => p.id === 'personalization');
  assert.equal(personalization.basis, 'お客様の同意');
  assert.match(personalization.description, /おすすめ/);
  const html = await (await notice('?layer=full&lang=ja')).text();
  assert.match(html, /<html lang="ja">/);
  assert.ok(html.includes('プライバシーポリシー'));
});

test('bad parameters are named, bytes that are not UTF-8 included', async () => {
  for (const [query, field] of [['?lang=fr', 'lang'], ['?layer=medium', 'layer'], ['?brand=home', 'brand'],
                                ['?lang=%FF%FE', 'lang']]) {
    const res = await notice(query);
    assert.equal(res.status, 400, query);
    const body = await res.json();
    assert.ok(body.error.message.includes(field), `${query}: ${body.error.message}`);
  }
});

test('a consent record cites the version of the notice shown', async () => {
  const { version } = await (await notice('', { Accept: 'application/json' })).json();
  const put = await fetch(`${server.url}/v1/consent/notice-reader`, {
    method: 'PUT',
    headers: { ...ADMIN, 'Content-Type': 'application/json' },
    body: JSON.stringify({ source: 'privacy_center', changes: [{ purpose: 'email_marketing', status: 'granted' }] }),
  });
  assert.equal(put.status, 200);
  const history = await (await fetch(`${server.url}/v1/consent/notice-reader/history`, { headers: ADMIN })).json();
  assert.equal(history.records.at(-1).notice_version, version);
});

test('in Chromium, the page is styled (its policy allows its own style) and nothing is blocked', async (t) => {
  const missing = browserMissing();
  if (missing) return t.skip(missing);
  const browser = await launchBrowser();
  try {
    for (const width of [1280, 390]) {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      const problems = [];
      page.on('console', (m) => problems.push(m.text()));
      page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
      await page.goto(`${server.url}/v1/privacy/notice?lang=ja`);
      assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('main')).maxWidth), '736px');
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `fits ${width}px`);
      assert.deepEqual(problems, []);
      await page.close();
    }
  } finally {
    await browser.close();
  }
});
