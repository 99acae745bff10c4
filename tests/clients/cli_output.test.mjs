// Issue 16: logs went to standard output, mixed with a command's result, so
// `shinrai train | jq` failed. Each command's result is now alone on standard
// output, as one JSON document; its logs go to standard error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
  } finally {
    removeDir(dir);
  }
});
