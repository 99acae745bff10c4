// TLS: with a certificate configured the server speaks HTTPS only (TLS 1.2+),
// and a client that trusts the certificate gets the same API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import path from 'node:path';
import { startServer, tempDataDir, removeDir, CONFIG } from './server.mjs';

let server;
let dir;
let cert;

function get(url, options = {}) {
  const lib = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.get(url, { agent: false, ...options }, (res) => {
      const protocol = res.socket?.getProtocol?.();
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body, protocol }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  });
}

before(async () => {
  dir = tempDataDir();
  const keyFile = path.join(dir, 'tls.key');
  const certFile = path.join(dir, 'tls.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  cert = fs.readFileSync(certFile);
  const yaml = fs.readFileSync(CONFIG, 'utf8').replace(
    /^security:\n/m, `security:\n  tls_cert_file: ${certFile}\n  tls_key_file: ${keyFile}\n`);
  const config = path.join(dir, 'shinrai-tls.yaml');
  fs.writeFileSync(config, yaml);
  server = await startServer({ dataDir: path.join(dir, 'data'), config });
});

after(async () => {
  await server?.stop();
  removeDir(dir);
});

test('the server announces and serves HTTPS', async () => {
  assert.match(server.url, /^https:\/\//);
  const res = await get(`${server.url}/v1/profiles/nobody`, { ca: cert, headers: { Authorization: 'Bearer demo-admin-key' } });
  assert.equal(res.status, 404);
  assert.match(res.body, /no profile/);
  assert.ok(['TLSv1.2', 'TLSv1.3'].includes(res.protocol), res.protocol);
});

test('a client that does not trust the certificate is refused by its own TLS check', async () => {
  await assert.rejects(get(`${server.url}/healthz`), /self[- ]signed|certificate/i);
});

test('plain HTTP on the TLS port gets no answer', async () => {
  const plain = server.url.replace('https:', 'http:');
  await assert.rejects(get(`${plain}/healthz`));
});
