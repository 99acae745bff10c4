// The two browser SDKs, unchanged, in a real browser, against Shinrai from
// another origin: @segment/analytics-next (analytics.js 2.0) and
// @rudderstack/analytics-js (v3), bundled from node_modules by esbuild, run
// by Debian's Chromium through playwright-core. The page is served by a second
// loopback origin, so every call is cross-origin and goes through CORS
// preflights exactly as on a brand's site. Nothing comes from a CDN: each SDK
// gets its settings inline and the browser resolves no host but 127.0.0.1.
//
// What Shinrai must do for them (see browser_capture.mjs for the raw traffic):
// - Segment posts each call to /v1/{t,p,i,g,a,s} (batches to /v1/b) as
//   text/plain JSON with the write key in Basic auth and in the body, after a
//   preflight asking for `authorization` (and `x-retry-count` on retries);
// - RudderStack posts to /v1/{page,track,identify,...} as application/json
//   after a preflight asking for `anonymousid, authorization, content-type,
//   sentat` (plus `rsa-retry-*` on retries), puts identify traits in
//   context.traits, and its beacon posts text/plain {batch, sentAt} to
//   /beacon/v1/batch?writeKey=... with no Authorization and no preflight;
// - CORS for the origins the configuration allows (the setting below), and
//   none for any other.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, tempDataDir, removeDir, ADMIN, CONFIG, WRITE_KEY } from './server.mjs';
import {
  browserMissing, bundleSdks, startPageServer, launchBrowser, tempDir,
  segmentLoadInPage, rudderLoadInPage,
} from './browser.mjs';

// The configuration setting that lists the web origins allowed to call the
// collection API from a browser (exact origins, scheme://host:port). The test
// writes a copy of the demo configuration with the page's origin in it.
const ALLOWED_ORIGINS_SETTING = { section: 'server', key: 'allowed_origins' };
const NOT_ALLOWED_ORIGIN = 'http://not-allowed.example:8080';

// Every request header either SDK asks a preflight for (lower case).
const SDK_REQUEST_HEADERS = [
  'authorization', 'content-type', 'x-retry-count', // Segment (content-type only if a page overrides text/plain)
  'anonymousid', 'sentat', 'rsa-retry-attempt', 'rsa-retry-reason', // RudderStack
  'rsa-since-first-attempt', 'rsa-since-last-attempt', 'rsa-recovered',
];

const why = browserMissing();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let work; // temp dir: bundles and the configuration
let dataDir;
let server; // shinrai
let pages; // the brand's site (allowed origin)
let strangers; // another site (origin not allowed)
let browser;

function configAllowing(origins) {
  // The demo configuration allows the demo page's origin: replaced, not repeated.
  const text = readFileSync(CONFIG, 'utf8').replace(new RegExp(`^  ${ALLOWED_ORIGINS_SETTING.key}:.*\\n`, 'm'), '');
  const { section, key } = ALLOWED_ORIGINS_SETTING;
  const line = `  ${key}: [${origins.map((o) => JSON.stringify(o)).join(', ')}]\n`;
  const re = new RegExp(`^${section}:[ \\t]*\\n`, 'm');
  assert.match(text, re, `${CONFIG} has no '${section}:' section`);
  return text.replace(re, (m) => m + line);
}

// GET /v1/profiles/{id} until `ready(body)` or `ms` pass; returns the last answer.
async function profileWhen(id, ready, ms = 15000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    const res = await fetch(`${server.url}/v1/profiles/${encodeURIComponent(id)}`, { headers: ADMIN });
    last = { status: res.status, body: await res.json().catch(() => null) };
    if (last.status === 200 && ready(last.body)) return last;
    if (Date.now() > deadline) return last;
    await sleep(250);
  }
}

const eventNames = (body) => (body?.recent_events ?? []).map((e) => `${e.type}:${e.event ?? ''}`).sort();

// A fresh browser profile (no cookies, no localStorage) on the page of `sdk`.
async function openPage(sdk, site = pages) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Everything the SDK asks for, to name what failed when an assertion does.
  const traffic = [];
  page.on('requestfinished', async (r) => {
    const res = await r.response().catch(() => null);
    traffic.push(`${r.method()} ${r.url()} -> ${res ? res.status() : 'no response'}`);
  });
  page.on('requestfailed', (r) => traffic.push(`${r.method()} ${r.url()} -> failed: ${r.failure()?.errorText}`));
  await page.goto(`${site.origin}/${sdk}.html`);
  return { context, page, errors, traffic };
}

// Asserts what every browser scenario ends with: one person, reachable by user
// id and by the browser's anonymous id, holding the anonymous page and track
// before login, the identify with its traits, and the track after it.
function assertMergedProfile(res, { userId, anonymousId, email, library, traffic }) {
  const info = `${JSON.stringify(res.body)}\nbrowser traffic:\n  ${traffic.join('\n  ')}`;
  assert.equal(res.status, 200, info);
  const body = res.body;
  assert.equal(body.identities.user_id, userId, info);
  assert.deepEqual(body.identities.anonymous_ids, [anonymousId], info);
  assert.deepEqual(body.identities.emails, [email.toLowerCase()], info);
  assert.equal(body.traits.first_name, 'Sam', info);
  assert.deepEqual(eventNames(body), ['identify:', 'page:', 'track:Product Added', 'track:Product Viewed'], info);
  assert.equal(body.event_count, 4, info);
  const viewed = body.recent_events.find((e) => e.event === 'Product Viewed');
  assert.equal(viewed.properties.product_id, 'sku-1001', info);
  const pageView = body.recent_events.find((e) => e.type === 'page');
  assert.match(pageView.properties?.url ?? pageView.context?.page?.url ?? '', /^http:\/\/127\.0\.0\.1:\d+\//, info);
  for (const e of body.recent_events) assert.equal(e.context?.library?.name, library, info);
  assert.equal(body.channels?.web?.events, 4, `browser SDK events are web events: ${JSON.stringify(body.channels)}`);
}

// page(), track() anonymously, identify(), track() again: in the page.
function segmentJourney({ userId, email }) {
  const a = window.analytics;
  const within = (p) => Promise.race([p, new Promise((r) => setTimeout(r, 10000))]);
  return (async () => {
    await within(a.page());
    await within(a.track('Product Viewed', { product_id: 'sku-1001' }));
    await within(a.identify(userId, { email, first_name: 'Sam' }));
    await within(a.track('Product Added', { product_id: 'sku-1001', quantity: 1 }));
  })();
}

function rudderJourney({ userId, email }) {
  const r = window.rudderanalytics;
  const tick = () => new Promise((res) => setTimeout(res, 30));
  return (async () => {
    r.page();
    await tick();
    r.track('Product Viewed', { product_id: 'sku-1001' });
    await tick();
    r.identify(userId, { email, first_name: 'Sam' });
    await tick();
    r.track('Product Added', { product_id: 'sku-1001', quantity: 1 });
  })();
}

// Between the browser and Shinrai: forwards everything, but answers 503 to the
// first POST whose body contains `marker`, after Shinrai has stored it (a lost
// acknowledgement). The SDK then retries the same message.
async function startAckDroppingProxy(marker) {
  const seen = [];
  let dropped = false;
  const proxy = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = new URL(server.url);
      const up = httpRequest({
        host: target.hostname, port: target.port, method: req.method, path: req.url,
        headers: { ...req.headers, host: target.host },
      }, (upRes) => {
        const out = [];
        upRes.on('data', (c) => out.push(c));
        upRes.on('end', () => {
          const marked = req.method === 'POST' && body.includes(marker);
          let status = upRes.statusCode;
          if (marked && !dropped && status === 200) {
            dropped = true;
            status = 503;
          }
          if (marked) seen.push({ status, upstream: upRes.statusCode, headers: req.headers });
          const headers = { ...upRes.headers };
          delete headers['content-length'];
          res.writeHead(status, headers);
          res.end(Buffer.concat(out));
        });
      });
      up.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
      up.end(body);
    });
  });
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
  const port = proxy.address().port;
  return {
    url: `http://127.0.0.1:${port}`,
    hostPort: `127.0.0.1:${port}`,
    seen,
    close: () => new Promise((r) => { proxy.closeAllConnections(); proxy.close(() => r()); }),
  };
}

// A raw preflight as a browser on `origin` would send it.
function preflight(path, origin, headers) {
  return new Promise((resolve, reject) => {
    const u = new URL(server.url);
    const req = httpRequest({
      host: u.hostname, port: u.port, method: 'OPTIONS', path,
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': headers },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

// Without Chromium or the npm packages: one skipped test that says why.
if (why) test('browser SDKs against Shinrai from another origin', { skip: `browser tests skipped: ${why}` }, () => {});
else describe('browser SDKs against Shinrai from another origin', { timeout: 240000 }, () => {
  before(async () => {
    work = tempDir();
    const bundles = await bundleSdks(work);
    pages = await startPageServer(bundles);
    strangers = await startPageServer(bundles);
    const config = join(work, 'shinrai.yaml');
    writeFileSync(config, configAllowing([pages.origin]));
    dataDir = tempDataDir();
    server = await startServer({ dataDir, config });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await pages?.close();
    await strangers?.close();
    if (dataDir) removeDir(dataDir);
    if (work) removeDir(work);
  });

  test('CORS: the allowed origin gets its preflights answered, any other origin does not', async () => {
    const paths = ['/v1/t', '/v1/p', '/v1/i', '/v1/b', '/v1/track', '/v1/page', '/v1/identify', '/v1/batch'];
    for (const path of paths) {
      const ok = await preflight(path, pages.origin, SDK_REQUEST_HEADERS.join(','));
      const info = `${path}: ${JSON.stringify(ok)}`;
      assert.ok(ok.status >= 200 && ok.status < 300, info);
      assert.equal(ok.headers['access-control-allow-origin'], pages.origin, info);
      assert.match(ok.headers.vary ?? '', /origin/i, `an answer that depends on Origin says so: ${info}`);
      assert.match(ok.headers['access-control-allow-methods'] ?? '', /\bPOST\b/, info);
      const allowed = (ok.headers['access-control-allow-headers'] ?? '').toLowerCase().split(',').map((h) => h.trim());
      for (const h of SDK_REQUEST_HEADERS) assert.ok(allowed.includes(h), `${path} must allow request header ${h}: ${info}`);

      const refused = await preflight(path, NOT_ALLOWED_ORIGIN, 'authorization');
      const acao = refused.headers['access-control-allow-origin'];
      assert.ok(acao !== NOT_ALLOWED_ORIGIN && acao !== '*', `${path} from ${NOT_ALLOWED_ORIGIN}: ${JSON.stringify(refused)}`);
    }

    // In the browser, from the allowed origin, the answers are readable: a
    // fetch as Segment sends it and an XHR as RudderStack sends it both see
    // Shinrai's 200 and its JSON (one Access-Control-Allow-Origin, the page's
    // origin; a second one, or '*' next to it, makes the browser refuse it,
    // and the SDK then resends what was already stored).
    {
      const { context, page } = await openPage('segment');
      try {
        const seen = await page.evaluate(async ({ url, writeKey }) => {
          const auth = `Basic ${btoa(writeKey + ':')}`;
          const message = { anonymousId: 'cors-reader-1', event: 'Product Viewed', properties: { product_id: 'sku-1001' } };
          const out = {};
          try {
            const res = await fetch(`${url}/v1/track`, {
              method: 'POST', headers: { 'Content-Type': 'text/plain', Authorization: auth },
              body: JSON.stringify({ ...message, messageId: 'cors-reader-fetch', writeKey }),
            });
            out.fetch = { status: res.status, body: await res.json() };
          } catch (e) {
            out.fetch = `refused: ${e}`;
          }
          out.xhr = await new Promise((resolve) => {
            const xhr = new XMLHttpRequest();
            xhr.open('POST', `${url}/v1/track`, true);
            xhr.setRequestHeader('Content-Type', 'application/json;charset=UTF-8');
            xhr.setRequestHeader('Authorization', auth);
            xhr.setRequestHeader('AnonymousId', btoa(message.anonymousId));
            xhr.setRequestHeader('SentAt', new Date().toISOString());
            xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
            xhr.onerror = () => resolve(`refused (status ${xhr.status})`);
            xhr.send(JSON.stringify({ ...message, messageId: 'cors-reader-xhr' }));
          });
          return out;
        }, { url: server.url, writeKey: WRITE_KEY });
        assert.equal(seen.fetch?.status, 200, JSON.stringify(seen));
        assert.equal(seen.fetch.body.accepted, 1, JSON.stringify(seen));
        assert.equal(seen.xhr?.status, 200, JSON.stringify(seen));
        assert.equal(JSON.parse(seen.xhr.body).accepted, 1, JSON.stringify(seen));
      } finally {
        await context.close();
      }
    }

    // And in the browser: a page on an origin that is not allowed cannot post.
    const { context, page } = await openPage('segment', strangers);
    try {
      const outcome = await page.evaluate(async ({ url, writeKey }) => {
        try {
          const res = await fetch(`${url}/v1/track`, {
            method: 'POST',
            headers: { 'Content-Type': 'text/plain', Authorization: `Basic ${btoa(writeKey + ':')}` },
            body: JSON.stringify({ anonymousId: 'stranger-1', event: 'Product Viewed', properties: { product_id: 'sku-1001' } }),
          });
          return `answered ${res.status}`;
        } catch (e) {
          return `refused: ${e}`;
        }
      }, { url: server.url, writeKey: WRITE_KEY });
      assert.match(outcome, /^refused: TypeError/);
      const stranger = await fetch(`${server.url}/v1/profiles/stranger-1`, { headers: ADMIN });
      assert.equal(stranger.status, 404, 'a refused preflight means the POST was never sent');
    } finally {
      await context.close();
    }
  });

  test('Segment analytics-next: anonymous browsing, then identify, make one profile', async () => {
    const userId = `seg-browser-${Date.now()}`;
    const email = `Seg.Browser.${Date.now()}@Example.com`;
    const { context, page, errors, traffic } = await openPage('segment');
    try {
      const { anonymousId } = await page.evaluate(segmentLoadInPage, { writeKey: WRITE_KEY, apiHost: `${server.url.replace(/^http:\/\//, '')}/v1` });
      await page.evaluate(segmentJourney, { userId, email });
      const res = await profileWhen(userId, (b) => b.event_count >= 4);
      assertMergedProfile(res, { userId, anonymousId, email, library: 'analytics.js', traffic });
      const byAnon = await profileWhen(anonymousId, () => true);
      assert.equal(byAnon.body.profile_id, res.body.profile_id);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('RudderStack analytics-js v3: anonymous browsing, then identify, make one profile', async () => {
    const userId = `rudder-browser-${Date.now()}`;
    const email = `Rudder.Browser.${Date.now()}@Example.com`;
    const { context, page, errors, traffic } = await openPage('rudder');
    try {
      const { anonymousId } = await page.evaluate(rudderLoadInPage, { writeKey: WRITE_KEY, dataPlaneUrl: server.url });
      await page.evaluate(rudderJourney, { userId, email });
      const res = await profileWhen(userId, (b) => b.event_count >= 4);
      assertMergedProfile(res, { userId, anonymousId, email, library: 'RudderLabs JavaScript SDK', traffic });
      const byAnon = await profileWhen(anonymousId, () => true);
      assert.equal(byAnon.body.profile_id, res.body.profile_id);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('Segment: events still buffered when the page is hidden go out with keepalive (/v1/b)', async () => {
    const userId = `seg-hide-${Date.now()}`;
    const email = `seg.hide.${Date.now()}@example.com`;
    const { context, page, traffic } = await openPage('segment');
    try {
      const { anonymousId } = await page.evaluate(segmentLoadInPage, {
        writeKey: WRITE_KEY,
        apiHost: `${server.url.replace(/^http:\/\//, '')}/v1`,
        // Batches of up to 100, sent after a minute: only leaving the page sends these.
        deliveryStrategy: { strategy: 'batching', config: { size: 100, timeout: 60000 } },
      });
      await page.evaluate(segmentJourney, { userId, email });
      await sleep(300);
      assert.equal(traffic.filter((t) => t.includes(server.url)).length, 0, `nothing sent before leaving: ${traffic}`);
      await page.goto(`${pages.origin}/bye.html`); // pagehide: one keepalive POST {apiHost}/b
      const res = await profileWhen(userId, (b) => b.event_count >= 4);
      assertMergedProfile(res, { userId, anonymousId, email, library: 'analytics.js', traffic });
    } finally {
      await context.close();
    }
  });

  test('RudderStack: useBeacon delivers the queue when the page is hidden (/beacon/v1/batch)', async () => {
    const userId = `rudder-hide-${Date.now()}`;
    const email = `rudder.hide.${Date.now()}@example.com`;
    const { context, page, traffic } = await openPage('rudder');
    try {
      const { anonymousId } = await page.evaluate(rudderLoadInPage, { writeKey: WRITE_KEY, dataPlaneUrl: server.url, useBeacon: true });
      await page.evaluate(rudderJourney, { userId, email });
      await sleep(300);
      await page.goto(`${pages.origin}/bye.html`); // pagehide: navigator.sendBeacon(/beacon/v1/batch?writeKey=...)
      const res = await profileWhen(userId, (b) => b.event_count >= 4);
      assertMergedProfile(res, { userId, anonymousId, email, library: 'RudderLabs JavaScript SDK', traffic });
    } finally {
      await context.close();
    }
  });

  test('Segment: a retry after a lost acknowledgement is stored once', async () => {
    const proxy = await startAckDroppingProxy('Products Searched');
    const { context, page, traffic } = await openPage('segment');
    try {
      const { anonymousId } = await page.evaluate(segmentLoadInPage, { writeKey: WRITE_KEY, apiHost: `${proxy.hostPort}/v1` });
      await page.evaluate(() => { window.analytics.track('Products Searched', { query: 'green tea' }); });
      const deadline = Date.now() + 20000;
      while (!(proxy.seen.length >= 2 && proxy.seen.at(-1).status === 200) && Date.now() < deadline) await sleep(100);
      const info = `proxy saw ${JSON.stringify(proxy.seen)}\nbrowser traffic:\n  ${traffic.join('\n  ')}`;
      assert.ok(proxy.seen.length >= 2, `the SDK retried: ${info}`);
      assert.equal(proxy.seen[0].upstream, 200, info);
      assert.equal(proxy.seen[1].headers['x-retry-count'], '1', info);
      assert.equal(proxy.seen.at(-1).status, 200, info);
      const res = await profileWhen(anonymousId, () => true);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(eventNames(res.body), ['track:Products Searched'], JSON.stringify(res.body));
      assert.equal(res.body.event_count, 1);
    } finally {
      await context.close();
      await proxy.close();
    }
  });

  test('RudderStack: a retry after a lost acknowledgement is stored once', async () => {
    const proxy = await startAckDroppingProxy('Products Searched');
    const { context, page, traffic } = await openPage('rudder');
    try {
      const { anonymousId } = await page.evaluate(rudderLoadInPage, { writeKey: WRITE_KEY, dataPlaneUrl: proxy.url });
      await page.evaluate(() => { window.rudderanalytics.track('Products Searched', { query: 'green tea' }); });
      const deadline = Date.now() + 20000; // the first retry comes after about 2 s
      while (!(proxy.seen.length >= 2 && proxy.seen.at(-1).status === 200) && Date.now() < deadline) await sleep(100);
      const info = `proxy saw ${JSON.stringify(proxy.seen)}\nbrowser traffic:\n  ${traffic.join('\n  ')}`;
      assert.ok(proxy.seen.length >= 2, `the SDK retried: ${info}`);
      assert.equal(proxy.seen[0].upstream, 200, info);
      assert.equal(proxy.seen[1].headers['rsa-retry-attempt'], '1', info);
      assert.equal(proxy.seen.at(-1).status, 200, info);
      const res = await profileWhen(anonymousId, () => true);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(eventNames(res.body), ['track:Products Searched'], JSON.stringify(res.body));
      assert.equal(res.body.event_count, 1);
    } finally {
      await context.close();
      await proxy.close();
    }
  });
});
