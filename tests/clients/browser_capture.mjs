// Not a test: records exactly what the two browser SDKs send, by running them
// in Chromium (from a second loopback origin) against a logging HTTP server
// that answers like a permissive collector. Prints one JSON document.
//
//   node tests/clients/browser_capture.mjs [scenario ...] > capture.json
//
// Scenarios: segment, segment-retry, segment-batch-pagehide,
// segment-keepalive-pagehide, rudder, rudder-retry, rudder-beacon-pagehide,
// rudder-defaults (no inline options: shows what it would fetch).
import { createServer } from 'node:http';
import {
  browserMissing, bundleSdks, startPageServer, launchBrowser, tempDir, removeDir,
  segmentLoadInPage, rudderLoadInPage,
} from './browser.mjs';

const WRITE_KEY = 'demo-write-key';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// failFirst: how many POSTs (any path) are answered 500 before 200s.
async function startLogger({ failFirst = 0 } = {}) {
  const log = [];
  let posts = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body = raw;
      try { body = raw ? JSON.parse(raw) : ''; } catch { /* keep text */ }
      const entry = { t: Date.now(), method: req.method, url: req.url, headers: req.headers, body };
      const origin = req.headers.origin;
      const cors = origin ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } : {};
      if (req.method === 'OPTIONS') {
        entry.answer = 204;
        res.writeHead(204, {
          ...cors,
          'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
          'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? '',
          'Access-Control-Max-Age': '0',
        });
        res.end();
      } else if (req.method === 'POST') {
        posts += 1;
        const status = posts <= failFirst ? 500 : 200;
        entry.answer = status;
        res.writeHead(status, { ...cors, 'Content-Type': 'application/json' });
        res.end(status === 200 ? '{"success":true}' : '{"error":"try again"}');
      } else {
        entry.answer = 404;
        res.writeHead(404, { ...cors, 'Content-Type': 'text/plain' });
        res.end('no');
      }
      log.push(entry);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}`,
    hostPort: `127.0.0.1:${port}`,
    log,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

async function segmentCalls(page, userId) {
  await page.evaluate(async (userId) => {
    const a = window.analytics;
    await a.page();
    await a.track('Product Viewed', { product_id: 'sku-1001' });
    await a.identify(userId, { email: `${userId}@example.com`, first_name: 'Sam' });
    await a.track('Product Added', { product_id: 'sku-1001', quantity: 1 });
  }, userId);
}

async function rudderCalls(page, userId) {
  await page.evaluate(async (userId) => {
    const r = window.rudderanalytics;
    const cb = () => new Promise((res) => setTimeout(res, 50));
    r.page();
    await cb();
    r.track('Product Viewed', { product_id: 'sku-1001' });
    await cb();
    r.identify(userId, { email: `${userId}@example.com`, first_name: 'Sam' });
    await cb();
    r.track('Product Added', { product_id: 'sku-1001', quantity: 1 });
  }, userId);
}

const SCENARIOS = {
  async segment(ctx) {
    const { page, logger } = ctx;
    ctx.loaded = await page.evaluate(segmentLoadInPage, { writeKey: WRITE_KEY, apiHost: `${logger.hostPort}/v1` });
    await segmentCalls(page, 'cap-seg-user');
    await sleep(6000);
  },
  async 'segment-retry'(ctx) {
    const { page, logger } = ctx;
    ctx.loaded = await page.evaluate(segmentLoadInPage, { writeKey: WRITE_KEY, apiHost: `${logger.hostPort}/v1` });
    await page.evaluate(() => { window.analytics.track('Product Viewed', { product_id: 'sku-1001' }); });
    await sleep(9000);
  },
  async 'segment-batch-pagehide'(ctx) {
    const { page, logger, pages } = ctx;
    ctx.loaded = await page.evaluate(segmentLoadInPage, {
      writeKey: WRITE_KEY, apiHost: `${logger.hostPort}/v1`,
      deliveryStrategy: { strategy: 'batching', config: { size: 10, timeout: 60000 } },
    });
    await segmentCalls(page, 'cap-seg-batch-user');
    await page.goto(`${pages.origin}/bye.html`);
    await sleep(1500);
  },
  async 'segment-keepalive-pagehide'(ctx) {
    const { page, logger, pages } = ctx;
    ctx.loaded = await page.evaluate(segmentLoadInPage, {
      writeKey: WRITE_KEY, apiHost: `${logger.hostPort}/v1`,
      deliveryStrategy: { strategy: 'standard', config: { keepalive: true } },
    });
    await page.evaluate(() => { window.analytics.track('Product Viewed', { product_id: 'sku-1001' }); });
    await page.goto(`${pages.origin}/bye.html`);
    await sleep(1500);
  },
  async rudder(ctx) {
    const { page, logger } = ctx;
    ctx.loaded = await page.evaluate(rudderLoadInPage, { writeKey: WRITE_KEY, dataPlaneUrl: logger.url });
    await rudderCalls(page, 'cap-rudder-user');
    await sleep(2000);
  },
  async 'rudder-retry'(ctx) {
    const { page, logger } = ctx;
    ctx.loaded = await page.evaluate(rudderLoadInPage, { writeKey: WRITE_KEY, dataPlaneUrl: logger.url });
    await page.evaluate(() => { window.rudderanalytics.track('Product Viewed', { product_id: 'sku-1001' }); });
    await sleep(9000);
  },
  async 'rudder-beacon-pagehide'(ctx) {
    const { page, logger, pages } = ctx;
    ctx.loaded = await page.evaluate(rudderLoadInPage, { writeKey: WRITE_KEY, dataPlaneUrl: logger.url, useBeacon: true });
    await rudderCalls(page, 'cap-rudder-beacon-user');
    await sleep(500);
    await page.goto(`${pages.origin}/bye.html`);
    await sleep(1500);
  },
  async 'rudder-defaults'(ctx) {
    const { page, logger } = ctx;
    ctx.loaded = await page.evaluate(({ writeKey, dataPlaneUrl }) => {
      const rudder = new window.RudderAnalytics();
      window.rudderanalytics = rudder;
      rudder.load(writeKey, dataPlaneUrl, {});
      rudder.track('Product Viewed', { product_id: 'sku-1001' });
      return 'load called with {}';
    }, { writeKey: WRITE_KEY, dataPlaneUrl: logger.url });
    await sleep(4000);
  },
};

async function run(name, bundles, browser) {
  const pages = await startPageServer(bundles);
  const logger = await startLogger({ failFirst: name.endsWith('-retry') ? 2 : 0 });
  const context = await browser.newContext();
  const page = await context.newPage();
  const external = [];
  const console_ = [];
  // Anything not for the two loopback servers is recorded (passively: routing
  // requests through playwright would make it answer CORS preflights itself);
  // the browser cannot resolve any other host (see launchBrowser).
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(pages.origin) && !u.startsWith(logger.url) && !u.startsWith('about:'))
      external.push({ method: r.method(), url: u, type: r.resourceType() });
  });
  page.on('console', (m) => console_.push(`${m.type()}: ${m.text()}`));
  const seen = [];
  page.on('request', (r) => seen.push({ method: r.method(), url: r.url(), type: r.resourceType() }));
  const ctx = { page, logger, pages };
  let error;
  try {
    await page.goto(`${pages.origin}/${name.startsWith('segment') ? 'segment' : 'rudder'}.html`);
    await SCENARIOS[name](ctx);
  } catch (e) {
    error = String(e?.stack ?? e);
  }
  const storage = await page.evaluate(() => ({ ...localStorage })).catch(() => null);
  await context.close();
  await logger.close();
  await pages.close();
  return {
    scenario: name, pageOrigin: pages.origin, collector: logger.url, loaded: ctx.loaded, error,
    requests: logger.log, externalRequestsBlocked: external, browserRequests: seen, console: console_,
    localStorageAfter: storage,
  };
}

const why = browserMissing();
if (why) {
  console.error(`cannot capture: ${why}`);
  process.exit(1);
}
const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(SCENARIOS);
const dir = tempDir();
const browser = await launchBrowser();
try {
  const bundles = await bundleSdks(dir);
  const results = [];
  for (const n of names) results.push(await run(n, bundles, browser));
  process.stdout.write(JSON.stringify(results, null, 2) + '\n');
} finally {
  await browser.close();
  removeDir(dir);
}
