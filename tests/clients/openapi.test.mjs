// Issue 20, item 5: docs/openapi.yaml is the API's reference, so it must be
// valid OpenAPI 3.1 and say what the server really does:
// - every route the server answers (`shinrai routes`) is in it, and nothing else;
// - each operation's roles (x-shinrai-roles) are the ones the server admits:
//   a listed role is never refused with 403, an unlisted one always is;
// - every status the server answers is one the operation documents, and a
//   JSON answer fits the documented schema.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import SwaggerParser from '@apidevtools/swagger-parser';
import { BIN, KEYS, startServer, tempDataDir, removeDir } from './server.mjs';

const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020').default;

const SPEC = new URL('../../docs/openapi.yaml', import.meta.url).pathname;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const API_ROLES = ['admin', 'privacy_officer', 'agent', 'analyst', 'service'];
// Path parameters: a demo customer who allowed personalization, a demo item, a demo page file.
const FILL = { profileId: 'cust-10010', subject: 'cust-10010', itemId: 'sku-1001', requestId: 'rr_none',
               callType: 'track', file: 'index.html' };
// A body that passes validation, so the role decides the answer (not a 400).
const BODIES = {
  '/v1/items': { items: [{ id: 'openapi-item', name: 'A test item', category: 'test' }] },
  '/v1/feedback': { type: 'click', items: ['sku-1001'], subject: 'cust-10010' },
  '/v1/consent/{subject}': { changes: [{ purpose: 'personalization', channel: 'web', status: 'granted' }] },
  '/v1/rights/requests': { type: 'access', subject: 'cust-10010' },
  '/v1/privacy-center/links': { subject: 'cust-10010' },
};

let server;
let dir;
let api;  // dereferenced
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });

const shape = (path) => path.replace(/\{[^}]*\}/g, '{}');
function* operations() {
  for (const [path, item] of Object.entries(api.paths)) {
    for (const method of METHODS) if (item[method]) yield { path, method, op: item[method] };
  }
}

function bodyFor(path, method, op) {
  if (method !== 'post' && method !== 'put') return undefined;
  if (BODIES[path]) return BODIES[path];
  const content = op.requestBody?.content?.['application/json'];
  if (!content) return undefined;
  if (content.schema?.properties?.batch) return { batch: [{ type: 'track', userId: 'cust-10010', event: 'Product Viewed' }] };
  return { userId: 'cust-10010', event: 'Product Viewed', previousId: 'openapi-previous', groupId: 'openapi-group' };
}

// Calls one operation with a role's key; checks the status and body against the document.
async function call({ path, method, op }, role) {
  let url = server.url + path.replace(/\{(\w+)\}/g, (_, name) => FILL[name]);
  if (path === '/v1/pixel/{callType}')
    url += '?data=' + Buffer.from(JSON.stringify({ userId: 'cust-10010', event: 'Email Opened' })).toString('base64');
  const body = bodyFor(path, method, op);
  const res = await fetch(url, {
    method: method.toUpperCase(),
    headers: { 'Content-Type': 'application/json', ...(role ? { Authorization: `Bearer ${KEYS[role]}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'manual',
  });
  const text = await res.text();
  const where = `${method.toUpperCase()} ${path} as ${role ?? 'nobody'}: ${res.status} ${text.slice(0, 200)}`;
  const documented = op.responses[String(res.status)] ?? op.responses.default;
  assert.ok(documented, `undocumented status: ${where}`);
  const type = (res.headers.get('content-type') ?? '').split(';')[0];
  if (documented.content && text) {
    const media = documented.content[type];
    assert.ok(media, `undocumented content type ${type}: ${where}`);
    if (type === 'application/json' && media.schema) {
      const validate = ajv.compile(media.schema);
      assert.ok(validate(JSON.parse(text)), `the answer does not fit its schema: ${where}\n${JSON.stringify(validate.errors)}`);
    }
  }
  return res.status;
}

before(async () => {
  api = await SwaggerParser.validate(SPEC);  // throws, naming the problem, on an invalid document
  dir = tempDataDir();
  server = await startServer({ dataDir: dir, args: ['--demo'], timeoutMs: 120000 });
});

after(async () => {
  await server?.stop();
  removeDir(dir);
});

test('the document is OpenAPI 3.1, every operation named once, with its roles', () => {
  assert.match(api.openapi, /^3\.1\./);
  const ids = [...operations()].map(({ op }) => op.operationId);
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  for (const { path, method, op } of operations()) {
    assert.ok(Array.isArray(op['x-shinrai-roles']) && op['x-shinrai-roles'].length > 0, `${method} ${path}: x-shinrai-roles`);
    assert.ok(op.summary && op.responses, `${method} ${path}: summary and responses`);
  }
});

test('every route the server answers is in the document, and nothing else', () => {
  const run = spawnSync(BIN, ['routes'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const served = new Set(run.stdout.trim().split('\n').map((line) => {
    const space = line.indexOf(' ');  // "GET /v1/profiles/{the profile id}"
    return `${line.slice(0, space)} ${shape(line.slice(space + 1))}`;
  }));
  const documented = new Set([...operations()].map(({ path, method }) => `${method.toUpperCase()} ${shape(path)}`));
  assert.ok(served.size > 40, `shinrai routes printed ${served.size} routes`);
  assert.deepEqual([...served].filter((r) => !documented.has(r)), [], 'served but not documented');
  assert.deepEqual([...documented].filter((r) => !served.has(r)), [], 'documented but not served');
});

test('each operation admits the roles it lists and refuses the others; every answer is documented',
  { timeout: 300000 }, async () => {
    const wrong = [];
    for (const operation of operations()) {
      const roles = operation.op['x-shinrai-roles'];
      // Routes open to anyone, to a link's or a recommendation's holder, check no role.
      const open = roles.some((r) => ['public', 'link', 'recommendation'].includes(r));
      const withKey = operation.op.security?.some((s) => 'apiKey' in s);
      for (const role of API_ROLES) {
        const status = await call(operation, role);
        const where = `${operation.method.toUpperCase()} ${operation.path} as ${role}: ${status}`;
        if ((roles.includes(role) || open) && status === 403) wrong.push(`${where}, but the role is listed`);
        if (!roles.includes(role) && !open && withKey && status !== 403) wrong.push(`${where}, but the role is not listed`);
      }
      await call(operation, null);
    }
    assert.deepEqual(wrong, []);
  });
