// Issue 18, item 4: the privacy center in Debian's Chromium against a running
// server. The brand's back end asks for a link; the person opens it, turns
// SMS marketing off and personalization on; the consent API then shows
// exactly that, with source privacy_center. Altered and expired links are
// refused; Global Privacy Control is honoured and shown, and a choice
// against it is asked about. An accessibility scan (axe) finds nothing
// serious. Screenshots (desktop and phone) go to $SHINRAI_SCREENSHOTS or
// build/screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ADMIN, BIN, startServer, tempDataDir, removeDir, postJson } from './server.mjs';
import { browserMissing, launchBrowser } from './browser.mjs';

const SHOTS = process.env.SHINRAI_SCREENSHOTS ?? join(dirname(BIN), 'screenshots');
const SERVICE = { Authorization: 'Bearer demo-service-key' };
const missing = browserMissing();

let server;
let dir;
let browser;

before(async () => {
  dir = tempDataDir();
  server = await startServer({ dataDir: join(dir, 'data') });
  if (!missing) browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  removeDir(dir);
});

async function newPerson(id) {
  const r = await postJson(`${server.url}/v1/identify`, { userId: id, traits: { email: `${id}@example.org` } });
  assert.equal(r.status, 200);
  const grant = await fetch(`${server.url}/v1/consent/${id}`, {
    method: 'PUT', headers: { ...ADMIN, 'Content-Type': 'application/json' },
    body: JSON.stringify({ changes: [{ purpose: 'sms_marketing', status: 'granted' }] }),
  });
  assert.equal(grant.status, 200);
}

// The link the back end gets, pointed at this test's server.
async function linkFor(subject, ttl = 900) {
  const r = await postJson(`${server.url}/v1/privacy-center/links`, { subject, ttl_seconds: ttl }, SERVICE);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const url = new URL(r.body.url);
  return `${server.url}${url.pathname}${url.hash}`;
}

async function state(id) {
  return (await (await fetch(`${server.url}/v1/consent/${id}`, { headers: ADMIN })).json()).purposes;
}

async function open(url, { width = 1280, headers, timezoneId } = {}) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, extraHTTPHeaders: headers, timezoneId });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('404')) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => !document.getElementById('center').hidden || document.getElementById('status').textContent.includes(':'));
  return { page, problems, close: () => context.close() };
}

test('the person turns SMS marketing off and personalization on; the consent API shows exactly that', async (t) => {
  if (missing) return t.skip(missing);
  await newPerson('pc-ana');
  const { page, problems, close } = await open(await linkFor('pc-ana'));
  assert.equal(await page.isChecked('input[name="sms_marketing|email"]'), true, 'granted on every channel before');
  assert.doesNotMatch(page.url(), /#t=/, 'the token leaves the address bar');
  // The short notice: what, for how long, why, who receives it.
  assert.ok((await page.$$('#collect li')).length >= 5);
  assert.match(await page.textContent('#why'), /Share data with advertising partners [^)]*\)\. \(your consent\)/);
  assert.match(await page.textContent('#recipients'), /Example Ads Ltd/);
  for (const box of await page.$$('input[name^="sms_marketing|"]')) await box.uncheck();
  await page.check('input[name="personalization|web"]');
  await page.screenshot({ path: join(SHOTS, 'privacy-center-desktop.png'), fullPage: true });
  await page.click('#save');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Saved'));
  assert.deepEqual(problems, []);
  await close();

  const after = await state('pc-ana');
  for (const [channel, d] of Object.entries(after.sms_marketing.channels)) {
    if (channel === '*') continue;
    assert.equal(d.allowed, false, `sms_marketing on ${channel}`);
    assert.equal(d.source, 'privacy_center');
  }
  assert.equal(after.personalization.channels.web.allowed, true);
  assert.equal(after.personalization.channels.web.source, 'privacy_center');
  assert.equal(after.personalization.channels.app.allowed, false, 'per channel, not all-or-nothing');
  assert.equal(after.email_marketing.channels.email.allowed, false, 'untouched choices stay as they were');
});

test('quiet hours are set in the person\'s own time zone and kept', async (t) => {
  if (missing) return t.skip(missing);
  await newPerson('pc-quinn');
  const link = await linkFor('pc-quinn');
  const { page, problems, close } = await open(link, { timezoneId: 'Asia/Tokyo' });
  assert.equal(await page.isChecked('#quiet-on'), false);
  assert.match(await page.textContent('#quiet-zone'), /Asia\/Tokyo/, 'the browser\'s time zone');
  await page.check('#quiet-on');
  await page.fill('#quiet-from', '22:00');
  await page.fill('#quiet-to', '07:00');
  await page.click('#quiet-save');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Saved'));
  assert.equal(await page.textContent('#status'), 'Saved: no messages from 22:00 until 07:00 (Asia/Tokyo).');
  assert.deepEqual(problems, []);
  await close();
  // Opened again elsewhere, the page shows what was stated, in the zone stated.
  const again = await open(await linkFor('pc-quinn'), { timezoneId: 'Europe/Paris' });
  assert.equal(await again.page.isChecked('#quiet-on'), true);
  assert.equal(await again.page.inputValue('#quiet-from'), '22:00');
  assert.match(await again.page.textContent('#quiet-zone'), /Asia\/Tokyo/);
  await again.close();
  const token = new URL(link).hash.slice(3);
  const bad = await fetch(`${server.url}/v1/privacy-center/me/quiet-hours`, {
    method: 'PUT', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ quiet_hours: { from: '22:00', to: '07:00', time_zone: 'Nowhere/Special' } }),
  });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error.message, /time_zone/);
});

test('over HTTP: the person\'s answers are never cached, the scheme is any case, the bare path redirects', async () => {
  await newPerson('pc-fay');
  const token = new URL(await linkFor('pc-fay')).hash.slice('#t='.length);
  for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
    const res = await fetch(`${server.url}/v1/privacy-center/me`, { headers: { Authorization: `${scheme} ${token}` } });
    assert.equal(res.status, 200, scheme);
    assert.equal(res.headers.get('cache-control'), 'no-store');
  }
  const bare = await fetch(`${server.url}/privacy-center`, { redirect: 'manual' });
  assert.equal(bare.status, 308);
  assert.equal(bare.headers.get('location'), '/privacy-center/');
  const page = await fetch(`${server.url}/privacy-center/`);
  assert.match(page.headers.get('content-security-policy'), /script-src 'self'; style-src 'self'; connect-src 'self'/);
  assert.equal((await fetch(`${server.url}/privacy-center/..%2F..%2Fetc%2Fpasswd`)).status, 404);
});

test('an altered or expired link opens nothing', async (t) => {
  if (missing) return t.skip(missing);
  await newPerson('pc-ben');
  const good = await linkFor('pc-ben');
  const altered = good.slice(0, -6) + (good.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
  let view = await open(altered);
  assert.match(await view.page.textContent('#status'), /cannot be used: .*altered/);
  assert.equal(await view.page.isHidden('#center'), true);
  await view.close();
  const short = await linkFor('pc-ben', 1);
  await new Promise((r) => setTimeout(r, 1100));
  view = await open(short);
  assert.match(await view.page.textContent('#status'), /expired/);
  await view.close();
});

test('Global Privacy Control is honoured and shown; a choice against it is asked about', async (t) => {
  if (missing) return t.skip(missing);
  await newPerson('pc-cho');
  const { page, close } = await open(await linkFor('pc-cho'), { headers: { 'Sec-GPC': '1' } });
  assert.equal(await page.isVisible('#gpc'), true);
  assert.match(await page.textContent('#gpc-text'), /advertising partners/);
  const honoured = await state('pc-cho');
  assert.equal(honoured.advertising.channels.web.allowed, false);
  assert.equal(honoured.advertising.channels.web.source, 'gpc');

  await page.check('input[name="advertising|web"]');
  await page.click('#save');
  await page.waitForSelector('#confirm:not([hidden])');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'confirm-yes', 'focus moves to the question');
  await page.click('#confirm-yes');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Saved'));
  const chosen = await state('pc-cho');
  assert.equal(chosen.advertising.channels.web.allowed, true);
  assert.equal(chosen.advertising.channels.web.source, 'privacy_center');
  await close();
  // Opened again with the signal, the person's own choice stands.
  const again = await open(await linkFor('pc-cho'), { headers: { 'Sec-GPC': '1' } });
  assert.equal((await state('pc-cho')).advertising.channels.web.allowed, true);
  await again.close();
});

test('the data report shows what is held; the export downloads and parses; erasure, once confirmed, leaves nothing', async (t) => {
  if (missing) return t.skip(missing);
  await newPerson('pc-eve');
  for (const id of ['sku-1', 'sku-2']) {
    const r = await postJson(`${server.url}/v1/track`, { userId: 'pc-eve', event: 'Product Viewed', properties: { product_id: id },
                                                          context: { channel: 'web' } });
    assert.equal(r.status, 200);
  }
  const { page, problems, close } = await open(await linkFor('pc-eve'));
  const rows = await page.$$eval('#held tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  const viewed = rows.find((r) => r[0] === 'Product Viewed');
  assert.ok(viewed, JSON.stringify(rows));
  assert.equal(viewed[1], 'our website');
  assert.equal(viewed[2], '2');
  assert.match(viewed[4], /Understand, in aggregate/);

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const data = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.equal(data.format, 'shinrai-export/1');
  assert.equal(data.identities.user_id, 'pc-eve');
  assert.equal(data.events.filter((e) => e.event === 'Product Viewed').length, 2);

  await page.click('#erase');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'erase-no', 'the safe answer has the focus');
  await page.click('#erase-yes');
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('erased'));
  assert.deepEqual(problems, []);
  await close();
  assert.equal((await fetch(`${server.url}/v1/profiles/pc-eve`, { headers: ADMIN })).status, 404, 'the person is gone');
  const requests = await (await fetch(`${server.url}/v1/audit/report`, { headers: ADMIN })).json();
  assert.ok(JSON.stringify(requests).includes('erasure'));
});

test('the page and the notice pass an accessibility scan, on a phone too, in Japanese', async (t) => {
  if (missing) return t.skip(missing);
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  await newPerson('pc-dai');
  const link = (await linkFor('pc-dai')).replace('/#', '/?lang=ja#');
  for (const [url, width, shot] of [[link, 390, 'privacy-center-phone.png'], [await linkFor('pc-dai'), 1280, null],
                                     [`${server.url}/v1/privacy/notice?lang=ja`, 390, null]]) {
    const { page, close } = await open(url, { width }).catch(async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const p = await context.newPage();
      await p.goto(url);
      return { page: p, close: () => context.close() };
    });
    if (shot) await page.screenshot({ path: join(SHOTS, shot), fullPage: true });
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(serious.map((v) => `${v.id}: ${v.help}`), [], url);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `fits ${width}px`);
    await close();
  }
});
