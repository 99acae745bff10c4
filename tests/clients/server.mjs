// Starts `shinrai serve` as a child process on 127.0.0.1 with a free port and
// a fresh data directory, for tests that talk to it over real HTTP.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = process.env.SHINRAI_BIN ?? 'build/shinrai';
export const CONFIG = process.env.SHINRAI_CONFIG ?? 'examples/shinrai.yaml';
export const ADMIN = { Authorization: 'Bearer demo-admin-key' };
export const WRITE_KEY = 'demo-write-key';
// Every demo key by role (none: no credentials), for tests that try each.
export const KEYS = {
  none: null,
  write_key: 'demo-write-key',
  admin: 'demo-admin-key',
  privacy_officer: 'demo-privacy-officer-key',
  agent: 'demo-agent-key',
  analyst: 'demo-analyst-key',
  service: 'demo-service-key',
};

// With SHINRAI_TEST_LOG_DIR (CTest sets it), every server's standard error
// (its log) is kept there, and so is every personal value the tests send:
// log_privacy.test.mjs then checks that no log line holds one.
const LOG_DIR = process.env.SHINRAI_TEST_LOG_DIR ?? '';
let servers = 0;

// Identifiers and traits a client sends: what must never reach a log.
const PERSONAL_FIELDS = new Set(['userId', 'anonymousId', 'previousId', 'subject', 'email', 'phone', 'ip']);
export function recordSent(body) {
  if (!LOG_DIR) return;
  const values = new Set();
  const walk = (v, personal) => {
    if (typeof v === 'string') {
      if (personal && v.length >= 6) values.add(v);
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, personal);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, personal || k === 'traits' || PERSONAL_FIELDS.has(k));
    }
  };
  walk(body, false);
  if (values.size) appendFileSync(`${LOG_DIR}/sent-${process.pid}.txt`, [...values].map((v) => JSON.stringify(v)).join('\n') + '\n');
}

// A person named in a path (/v1/profiles/<id>, /v1/consent/<id>, ...).
function recordPath(url) {
  const m = String(url).match(/\/v1\/(?:profiles|consent|recommendations)\/([^/?]+)/);
  if (!m) return;
  let id = m[1];
  try {
    id = decodeURIComponent(id);
  } catch {
    // a test of bytes that are not UTF-8: recorded as sent
  }
  recordSent({ subject: id.replace(/^(email|phone|profile):/, '') });
}

// Every request a test makes with fetch() is recorded, whatever helper it
// goes through: its path and its JSON body.
if (LOG_DIR) {
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init = {}) => {
    recordPath(typeof input === 'string' || input instanceof URL ? input : input?.url);
    if (typeof init.body === 'string') {
      try {
        recordSent(JSON.parse(init.body));
      } catch {
        // not JSON: a test of malformed bodies
      }
    }
    return realFetch(input, init);
  };
}

export function tempDataDir() {
  return mkdtempSync(join(tmpdir(), 'shinrai-client-test-'));
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

// Resolves once the server prints its URL; rejects if it exits first or
// takes longer than `timeoutMs`. `nofile`: run it under that open-file limit
// (soft and hard).
export function startServer({ dataDir, config = CONFIG, args = [], timeoutMs = 30000, nofile } = {}) {
  return new Promise((resolve, reject) => {
    const serve = ['serve', '--data', dataDir, '--config', config, '--listen', '127.0.0.1:0', ...args];
    const proc = nofile
      ? spawn('sh', ['-c', `ulimit -n ${Number(nofile)} && exec "$0" "$@"`, BIN, ...serve], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(BIN, serve, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let log = '';
    const logFile = LOG_DIR ? `${LOG_DIR}/server-${process.pid}-${servers++}.log` : '';
    if (logFile) proc.on('close', () => writeFileSync(logFile, log));  // 'exit' listeners are replaced by stop()
    proc.stderr.on('data', (chunk) => { log += chunk; });
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`shinrai did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (chunk) => {
      out += chunk;
      const m = out.match(/listening on (https?:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1],
          port: Number(new URL(m[1]).port),
          proc,
          output: () => out,
          log: () => log,  // standard error alone
          stop: () => stopProcess(proc, 'SIGTERM'),
          kill9: () => stopProcess(proc, 'SIGKILL'),
        });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`shinrai exited with ${code} before listening:\n${out}`));
    });
  });
}

function stopProcess(proc, signal) {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.removeAllListeners('exit');
    proc.on('exit', () => resolve());
    proc.kill(signal);
  });
}

export async function getJson(url, headers = ADMIN) {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.json() };
}

export async function postJson(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64'),
      ...headers,
    },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = { raw: text };
  }
  return { status: res.status, body: json };
}
