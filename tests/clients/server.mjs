// Starts `shinrai serve` as a child process on 127.0.0.1 with a free port and
// a fresh data directory, for tests that talk to it over real HTTP.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
