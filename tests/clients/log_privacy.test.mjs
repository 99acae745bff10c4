// Issue 20: no log line of a full client-test run holds a personal value the
// tests sent. CTest runs it after every other client test (fixture
// client_logs), over what server.mjs kept in SHINRAI_TEST_LOG_DIR: each
// server's standard error, and the identifiers and traits sent to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = process.env.SHINRAI_TEST_LOG_DIR ?? '';

test('no log line holds an identifier or trait the client tests sent', (t) => {
  const files = DIR && existsSync(DIR) ? readdirSync(DIR) : [];
  const logs = files.filter((f) => f.endsWith('.log'));
  if (logs.length < 10) return t.skip(`${logs.length} server logs kept: the check needs the whole client-test run (ctest -L clients)`);
  const sent = new Set();
  for (const f of files.filter((f) => f.startsWith('sent-'))) {
    for (const line of readFileSync(join(DIR, f), 'utf8').split('\n')) if (line) sent.add(JSON.parse(line));
  }
  const values = [...sent];
  let lines = 0;
  const found = [];
  for (const f of logs) {
    for (const line of readFileSync(join(DIR, f), 'utf8').split('\n')) {
      if (!line) continue;
      lines++;
      for (const v of values) if (line.includes(v)) found.push(`${f}: ${JSON.stringify(v)} in ${line.slice(0, 300)}`);
    }
  }
  console.log(`# ${values.length} personal values sent, ${lines} log lines of ${logs.length} servers checked`);
  assert.ok(values.length >= 20 && lines >= 100, 'too little was sent or logged for the check to mean anything');
  assert.deepEqual(found.slice(0, 20), [], `${found.length} log lines hold a personal value`);
});
