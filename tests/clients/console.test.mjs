// Issue 18, item 5: the operator console in Debian's Chromium against the
// demo shop. The page asks for an API key and keeps it for the tab only;
// with it, its charts render the shop's own figures: consent coverage per
// purpose and channel over time, collection volume and minimization drops,
// rights requests with their deadlines, the audit chain, and recommendation
// quality (offline metrics, click-through against the holdout). Each role
// sees what it may read. Nothing is fetched from another site. Screenshots
// (desktop and phone) go to $SHINRAI_SCREENSHOTS or build/screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ADMIN, BIN, startServer, tempDataDir, removeDir, getJson, postJson } from './server.mjs';
import { browserMissing, launchBrowser } from './browser.mjs';

const SHOTS = process.env.SHINRAI_SCREENSHOTS ?? join(dirname(BIN), 'screenshots');
const SERVICE = { Authorization: 'Bearer demo-service-key' };
const missing = browserMissing();
let server;
let dir;
let browser;

before(async () => {
  dir = tempDataDir();
  server = await startServer({ dataDir: dir, args: ['--demo'] });
  assert.equal((await postJson(`${server.url}/v1/models/train`, {}, ADMIN)).status, 200);
  // Shoppers see recommendations and click some; one asks for their data.
  for (const who of ['cust-10001', 'cust-10002', 'cust-10003', 'cust-10004', 'cust-10005', 'cust-10006']) {
    const rec = (await getJson(`${server.url}/v1/recommendations/${who}?n=4`, SERVICE)).body;
    const shown = rec.items.map((i) => i.item);
    for (const [type, items] of [['impression', shown], ['click', shown.slice(0, 1)]]) {
      const fb = await postJson(`${server.url}/v1/feedback`, { type, items, recommendation_id: rec.recommendation_id });
      assert.equal(fb.status, 200, JSON.stringify(fb.body));
    }
  }
  const asked = await postJson(`${server.url}/v1/rights/requests`, { type: 'access', subject: 'cust-10007' }, ADMIN);
  assert.equal(asked.status, 201, JSON.stringify(asked.body));
  if (!missing) browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  removeDir(dir);
});

async function open(width = 1280) {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  const foreign = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('40')) problems.push(m.text()); });
  page.on('request', (r) => { if (!r.url().startsWith(server.url)) foreign.push(r.url()); });
  await page.goto(`${server.url}/console/`);
  return { page, context, problems, foreign };
}

async function signIn(page, key) {
  await page.fill('#key', key);
  await page.click('#key-form button[type=submit]');
  await page.waitForFunction(() => /Updated|Cannot/.test(document.getElementById('status').textContent));
}

// What a chart drew: its datasets' labels and the sum of their values.
function chartOf(page, id) {
  return page.evaluate((id) => {
    const chart = Chart.getChart(id);
    if (!chart) return null;
    return {
      labels: chart.data.labels,
      series: chart.data.datasets.map((d) => ({ label: d.label, sum: d.data.reduce((a, b) => a + b, 0) })),
      aria: document.getElementById(id).getAttribute('aria-label'),
      drawn: document.getElementById(id).width > 0,
    };
  }, id);
}

test('with the admin key the charts render the demo shop\'s figures', async (t) => {
  if (missing) return t.skip(missing);
  const { page, context, problems, foreign } = await open();
  assert.equal(await page.isVisible('#key'), true, 'the page asks for a key first');
  await signIn(page, 'demo-admin-key');
  assert.match(await page.textContent('#role'), /admin/);

  const consent = await chartOf(page, 'consent-chart');
  assert.ok(consent?.drawn, 'the consent chart is drawn');
  assert.equal(consent.labels.length, 30, 'one point per day');
  assert.ok(consent.series.length >= 4, 'one line per channel');
  assert.ok(consent.series.some((s) => s.sum > 0), JSON.stringify(consent));
  assert.match(consent.aria, /Share of people allowing \w+ per channel/);
  const total = (chart) => chart.series.reduce((a, s) => a + s.sum, 0);
  const month = total(await chartOf(page, 'volume-chart'));
  assert.ok(month > 100, 'the demo shop\'s last 30 days');
  assert.match(await page.textContent('#accepted'), /^[6-9],?\d{3} events accepted in all/);
  const drops = await chartOf(page, 'drops-chart');
  assert.ok(drops.labels.length > 0 && drops.series[0].sum > 0, 'the demo drops undeclared fields');
  const offline = await chartOf(page, 'offline-chart');
  assert.deepEqual(offline.series.map((s) => s.label).sort(), ['ease', 'popular']);
  assert.ok(offline.series.every((s) => s.sum > 0), JSON.stringify(offline));
  const online = await chartOf(page, 'online-chart');
  assert.ok(online.series.find((s) => s.label === 'personalized').sum > 0, 'the clicks are counted');
  assert.ok((await page.$$('#rights-table tbody tr')).length >= 1);
  assert.match(await page.textContent('#rights-table tbody'), /access.*completed.*answered in time/);
  assert.match(await page.textContent('#chain'), /The chain holds: \d+ entries/);

  // A longer span reaches further back; another purpose redraws the coverage.
  await page.selectOption('#days', '90');
  await page.waitForFunction(() => Chart.getChart('consent-chart').data.labels.length === 90);
  assert.ok(total(await chartOf(page, 'volume-chart')) > month);
  await page.selectOption('#purpose', 'analytics');
  assert.match((await chartOf(page, 'consent-chart')).aria, /allowing analytics/);
  await page.screenshot({ path: join(SHOTS, 'console-desktop.png'), fullPage: true });

  // The key stays in this tab only: not in the address, not in local storage.
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  assert.doesNotMatch(page.url(), /demo-admin-key/);
  const other = await context.newPage();
  await other.goto(`${server.url}/console/`);
  assert.equal(await other.isVisible('#key'), true, 'a new tab asks again');
  await page.click('#forget');
  assert.equal(await page.isVisible('#key'), true);
  assert.deepEqual(foreign, [], 'no request leaves the server');
  assert.deepEqual(problems, []);
  await context.close();
});

test('each role sees what it may read; a key that opens nothing is refused', async (t) => {
  if (missing) return t.skip(missing);
  const { page, context } = await open();
  await signIn(page, 'demo-analyst-key');
  assert.match(await page.textContent('#consent .hidden-note'), /Not shown: .*analyst/);
  assert.equal(await page.isHidden('#consent .body'), true);
  assert.ok((await chartOf(page, 'offline-chart'))?.drawn, 'the analyst sees recommendation quality');
  await page.click('#forget');
  await signIn(page, 'demo-write-key');
  assert.match(await page.textContent('#status'), /Cannot open the console/);
  assert.equal(await page.isVisible('#key'), true);
  await signIn(page, 'not-a-key');
  assert.match(await page.textContent('#status'), /Cannot open the console/);
  await context.close();
  const overview = await getJson(`${server.url}/v1/console/overview?days=0`, ADMIN);
  assert.equal(overview.status, 400);
  assert.match(overview.body.error.message, /days/);
});

test('the console passes an accessibility scan, on a phone too', async (t) => {
  if (missing) return t.skip(missing);
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  for (const [width, shot] of [[390, 'console-phone.png'], [1280, null]]) {
    const { page, context } = await open(width);
    const before = await new AxeBuilder({ page }).analyze();
    await signIn(page, 'demo-admin-key');
    if (shot) await page.screenshot({ path: join(SHOTS, shot), fullPage: true });
    const after = await new AxeBuilder({ page }).analyze();
    const serious = [...before.violations, ...after.violations].filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(serious.map((v) => `${v.id}: ${v.help}`), [], `${width}px`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `fits ${width}px`);
    await context.close();
  }
});
