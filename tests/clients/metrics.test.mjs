// Issue 20, item 1: /metrics in the Prometheus text format, read by Debian's
// own Prometheus. `promtool check metrics` accepts the exposition; a real
// Prometheus scrapes the server on loopback (with an API key, as an operator
// would configure it) and answers shinrai_ series through its query API. No
// label carries a personal value the test sent. server.metrics_listen opens
// a second, loopback listener that answers /metrics alone, without a key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ADMIN, CONFIG, startServer, tempDataDir, removeDir, getJson, postJson } from './server.mjs';

const ANALYST = { Authorization: 'Bearer demo-analyst-key' };
const SECRET = 'metrics-canary-7f3k@example.org';
let server;
let dir;
let metricsUrl;  // the unauthenticated listener

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// The example configuration with its metrics listener turned on.
function configWithMetricsListener(port) {
  const text = readFileSync(CONFIG, 'utf8');
  const changed = text.replace(/^(\s*)# metrics_listen: \S+/m, `$1metrics_listen: 127.0.0.1:${port}`);
  assert.notEqual(changed, text, `no "# metrics_listen:" line in ${CONFIG}`);
  const file = join(dir, 'shinrai-metrics.yaml');
  writeFileSync(file, changed);
  return file;
}

before(async () => {
  dir = tempDataDir();
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  server = await startServer({ dataDir: dir, config: configWithMetricsListener(port), args: ['--demo'] });
  // Some traffic with a personal value that must never become a label.
  const sent = await postJson(`${server.url}/v1/identify`, { userId: SECRET, traits: { email: SECRET, shoe_size: 44 } });
  assert.equal(sent.status, 200);
  await getJson(`${server.url}/v1/profiles/${encodeURIComponent(SECRET)}`, ADMIN);
  await getJson(`${server.url}/v1/recommendations/${encodeURIComponent(SECRET)}`, { Authorization: 'Bearer demo-service-key' });
  const asked = await postJson(`${server.url}/v1/rights/requests`, { type: 'access', subject: SECRET }, ADMIN);
  assert.equal(asked.status, 201);
});

after(async () => {
  await server?.stop();
  removeDir(dir);
});

test('the exposition: operators\' roles only, valid for promtool, and never a personal value', async (t) => {
  for (const [key, status] of [['demo-admin-key', 200], ['demo-analyst-key', 200], ['demo-agent-key', 403],
                               ['demo-service-key', 403], ['demo-privacy-officer-key', 403]]) {
    const r = await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${key}` } });
    assert.equal(r.status, status, key);
  }
  assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
  const res = await fetch(`${server.url}/metrics`, { headers: ANALYST });
  assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  for (const name of ['shinrai_http_requests_total', 'shinrai_http_request_duration_seconds_bucket',
                      'shinrai_collect_events_total', 'shinrai_collect_dropped_total', 'shinrai_store_commit_seconds_count',
                      'shinrai_recommendations_total', 'shinrai_rights_requests', 'shinrai_store_healthy']) {
    assert.ok(new RegExp(`^${name}[{ ]`, 'm').test(text), `${name} is not exposed`);
  }
  assert.ok(text.includes('shinrai_http_requests_total{route="/v1/profiles/{the profile id}",method="GET",status="200"} 1'),
    'the profile read, counted under its route pattern');
  assert.ok(/^shinrai_collect_dropped_total\{reason="undeclared_field"\} [1-9]/m.test(text), 'shoe_size was dropped');
  assert.ok(text.includes('shinrai_rights_requests{type="access",status="completed"} 1'), 'the access request');
  for (const personal of [SECRET, 'metrics-canary', 'shoe_size', '44']) {
    assert.ok(!text.split('\n').some((l) => !l.startsWith('#') && l.split(' ')[0].includes(personal)), personal);
  }
  if (!which('promtool')) return t.skip('promtool missing (Debian\'s prometheus package)');
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
});

test('the metrics listener answers /metrics without a key, and nothing else', async () => {
  const open = await fetch(metricsUrl);
  assert.equal(open.status, 200);
  assert.match(open.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  assert.match(await open.text(), /^shinrai_collect_events_total [1-9]/m);
  const other = await fetch(metricsUrl.replace('/metrics', '/v1/profiles/cust-10035'), { headers: ADMIN });
  assert.equal(other.status, 404, 'no other route, even with a key');
  assert.match((await other.json()).error.message, /GET \/metrics only/);
  const post = await fetch(metricsUrl, { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET');
  assert.equal((await fetch(`${server.url}/metrics`)).status, 401, 'the main listener still wants a key');
});

test('Debian\'s Prometheus scrapes it and answers shinrai_ series', { timeout: 90000 }, async (t) => {
  if (!which('prometheus')) return t.skip('prometheus missing (Debian\'s prometheus package)');
  const port = await freePort();
  const target = new URL(server.url).host;
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, `global: {scrape_interval: 1s}
scrape_configs:
  - job_name: shinrai
    authorization: {type: Bearer, credentials: demo-analyst-key}
    static_configs: [{targets: ['${target}']}]
  - job_name: shinrai_metrics_listener
    static_configs: [{targets: ['${new URL(metricsUrl).host}']}]
`);
  const prom = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  prom.stderr.on('data', (d) => { log += d; });
  try {
    let series = [];
    for (let i = 0; i < 60 && series.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      try {
        const q = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent('shinrai_collect_events_total')}`);
        if (q.ok) series = (await q.json()).data.result;
      } catch {
        // not listening yet
      }
    }
    assert.ok(series.length > 0, `Prometheus never answered the series:\n${log.slice(-2000)}`);
    assert.ok(Number(series[0].value[1]) >= 6000, 'the demo shop\'s events, counted');
    // Both scrapes succeed: with the analyst's key, and without one on the metrics listener.
    let up = [];
    for (let i = 0; i < 30 && !(up.length === 2 && up.every((s) => s.value[1] === '1')); i++) {
      if (i) await new Promise((r) => setTimeout(r, 1000));
      up = (await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=up`)).json()).data.result;
    }
    assert.deepEqual(up.map((s) => [s.metric.job, s.value[1]]).sort(),
      [['shinrai', '1'], ['shinrai_metrics_listener', '1']], JSON.stringify(up));
  } finally {
    prom.kill('SIGTERM');
  }
});
