// Helpers for tests that run the real browser SDKs in a real browser:
// Debian's Chromium driven by playwright-core, the SDK packages bundled from
// node_modules by esbuild (one IIFE per SDK), and a second loopback origin
// that serves the page, so every call the SDKs make to Shinrai is
// cross-origin. Nothing is fetched from a CDN: each SDK is given its settings
// inline.
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

export const CHROMIUM = process.env.SHINRAI_CHROMIUM ?? '/usr/bin/chromium';

// Why the browser tests cannot run here, or null when they can.
export function browserMissing() {
  if (!existsSync(CHROMIUM))
    return `${CHROMIUM} is absent (apt-get install chromium, or set SHINRAI_CHROMIUM)`;
  for (const pkg of ['playwright-core', 'esbuild', '@segment/analytics-next', '@rudderstack/analytics-js']) {
    if (!existsSync(join(HERE, 'node_modules', pkg, 'package.json')))
      return `npm package ${pkg} is not installed in tests/clients (npm ci there)`;
  }
  return null;
}

// What each bundle puts on `window`.
const ENTRIES = {
  // analytics.js 2.0, the npm package (not the CDN snippet).
  segment: `import { AnalyticsBrowser } from '@segment/analytics-next';
window.AnalyticsBrowser = AnalyticsBrowser;`,
  // The "bundled" build has every plugin (XhrQueue, BeaconQueue, ...) inside;
  // the default build loads them from RudderStack's CDN at run time.
  rudder: `import { RudderAnalytics } from '@rudderstack/analytics-js/bundled';
window.RudderAnalytics = RudderAnalytics;`,
};

// Builds one IIFE per SDK into `dir`; returns {segment, rudder} file paths.
export async function bundleSdks(dir) {
  const esbuild = await import('esbuild');
  const out = {};
  for (const [name, contents] of Object.entries(ENTRIES)) {
    const outfile = join(dir, `${name}.js`);
    await esbuild.build({
      stdin: { contents, resolveDir: HERE, loader: 'js' },
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2020',
      outfile,
      logLevel: 'error',
      define: { 'process.env.NODE_ENV': '"production"' },
    });
    out[name] = outfile;
  }
  return out;
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

// The brand's site: a second origin on loopback serving /{sdk}.html (a page
// that loads /{sdk}.js) and /bye.html (somewhere to navigate to).
export async function startPageServer(bundles) {
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const m = path.match(/^\/(segment|rudder)\.(js|html)$/);
    if (m && m[2] === 'js' && bundles[m[1]]) {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' });
      return res.end(readFileSync(bundles[m[1]]));
    }
    if (m && m[2] === 'html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(`<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>
<script src="/${m[1]}.js"></script></head><body><h1>Shop</h1></body></html>`);
    }
    if (path === '/bye.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end('<!doctype html><title>Bye</title><p>bye</p>');
    }
    if (path === '/favicon.ico') {
      res.writeHead(204);
      return res.end();
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });
  const port = await listen(server);
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium as root (CI, containers) needs --no-sandbox. No host but
    // loopback resolves, so a CDN fetch the SDKs should not make fails at once.
    // (Requests are never routed through playwright: with interception on, it
    // answers CORS preflights itself, and the test must see the server's.)
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
  });
}

export function tempDir() {
  return mkdtempSync(join(tmpdir(), 'shinrai-browser-test-'));
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------
// In the page. Each function below runs inside the browser (page.evaluate), so
// it may only use its argument and what the bundles put on `window`.

// Segment: the inline CDN settings make it fetch nothing from
// cdn.segment.com; `apiHost` is HOST:PORT/v1 (the SDK appends /t, /p, /i ... or
// /b for batches), `protocol` http; metrics (POST {apiHost}/m) are off.
export function segmentLoadInPage({ writeKey, apiHost, deliveryStrategy }) {
  const segmentio = { apiKey: writeKey, apiHost, protocol: 'http' };
  if (deliveryStrategy) segmentio.deliveryStrategy = deliveryStrategy;
  window.analytics = window.AnalyticsBrowser.load(
    {
      writeKey,
      cdnSettings: {
        integrations: { 'Segment.io': segmentio },
        plan: {},
        metrics: { sampleRate: 0 },
        remotePlugins: [],
        enabledMiddleware: {},
      },
    },
    {},
  );
  return window.analytics.then(([a]) => ({ anonymousId: a.user().anonymousId() }));
}

// RudderStack v3: the source configuration is given inline (getSourceConfig),
// so it never calls the control plane; no device-mode destinations, no
// polyfill, no error or metrics reporting to the data plane.
export function rudderLoadInPage({ writeKey, dataPlaneUrl, useBeacon }) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('RudderStack did not load within 15 s')), 15000);
    const rudder = new window.RudderAnalytics();
    window.rudderanalytics = rudder;
    rudder.load(writeKey, dataPlaneUrl, {
      logLevel: 'ERROR',
      getSourceConfig: () => ({
        isHosted: false,
        source: {
          id: 'shinrai-browser-test-source',
          name: 'Shinrai browser test',
          workspaceId: 'shinrai-test-workspace',
          enabled: true,
          config: { statsCollection: { errors: { enabled: false }, metrics: { enabled: false } } },
          destinations: [],
        },
      }),
      loadIntegration: false,
      polyfillIfRequired: false,
      useBeacon: Boolean(useBeacon),
      beaconQueueOptions: { flushQueueInterval: 600000 },
      plugins: useBeacon ? ['BeaconQueue'] : ['XhrQueue'],
      sendAdblockPage: false,
      useServerSideCookies: false,
      onLoaded: (a) => {
        clearTimeout(timer);
        resolve({ anonymousId: a.getAnonymousId() });
      },
    });
  });
}
