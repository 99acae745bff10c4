// Issue 16: logs went to standard output, mixed with a command's result, so
// `shinrai train | jq` failed. Each command's result is now alone on standard
// output, as one JSON document; its logs go to standard error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { BIN, CONFIG, startServer, tempDataDir, removeDir, postJson } from './server.mjs';

test('`shinrai train` writes its report alone on standard output, its logs on standard error', async () => {
  const dir = tempDataDir();
  try {
    const server = await startServer({ dataDir: dir, args: ['--demo'] });
    await server.stop();
    const run = spawnSync(BIN, ['train', '--data', dir, '--config', CONFIG], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout); // throws if anything else shares standard output
    assert.ok(report.interactions > 0, run.stdout);
    assert.ok(report.items > 0);
    assert.match(run.stderr, /train/i, 'the training log is on standard error');
    // Issue 20: progress, one line per phase when standard error is not a
    // terminal (here a pipe), each with its count and time.
    assert.match(run.stderr, /^training: reading consented interactions: \d+ [\d.]+ s done$/m, run.stderr);
    assert.match(run.stderr, /^training: fitting the model: [\d.]+ s done$/m);
    assert.match(run.stderr, /^training: measuring offline quality: [\d.]+ s done$/m);
    assert.doesNotMatch(run.stderr, /\r|\x1b\[/, 'no terminal control characters in a log');
  } finally {
    removeDir(dir);
  }
});

test('`shinrai eval` reports each phase on standard error, its result alone on standard output', () => {
  const dir = tempDataDir();
  try {
    const csv = `${dir}/interactions.csv`;
    const rows = ['user,item,time'];
    for (let u = 0; u < 60; u++) for (let i = 0; i < 8; i++) rows.push(`u${u},i${(u * 3 + i * 7) % 40},${1700000000 + u * 100 + i}`);
    writeFileSync(csv, rows.join('\n') + '\n');
    const run = spawnSync(BIN, ['eval', '--dataset', csv, '--format', 'csv', '--models', 'popular,itemknn', '--no-tune', '--json'],
      { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    JSON.parse(run.stdout);
    assert.match(run.stderr, new RegExp(`^eval: reading ${csv.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: [\\d.]+ s done$`, 'm'), run.stderr);
    assert.match(run.stderr, /^popular: settings searched, then the refit: 2\/2 [\d.]+ s done$/m, run.stderr);
    assert.match(run.stderr, /^itemknn: settings searched, then the refit: 2\/2 [\d.]+ s done$/m, run.stderr);
  } finally {
    removeDir(dir);
  }
});
