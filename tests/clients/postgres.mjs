// The throwaway PostgreSQL cluster CTest starts for the tests
// (scripts/pg_cluster.sh, fixture "postgres"): its URL, why there is none,
// psql, a database per test and `shinrai` itself.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN } from './server.mjs';

export const PG = process.env.SHINRAI_TEST_PG ?? '';
export const PG_URL = PG && existsSync(join(PG, 'url')) ? readFileSync(join(PG, 'url'), 'utf8').trim() : '';
// Non-empty when there is no cluster: the tests skip, printing it.
export const PG_SKIP = PG_URL ? '' : (PG && existsSync(join(PG, 'skip')) ? readFileSync(join(PG, 'skip'), 'utf8').trim()
  : 'no test PostgreSQL cluster (run through CTest, which starts one)');
let counter = 0;

export function psql(url, sql) {
  const r = spawnSync('psql', ['-v', 'ON_ERROR_STOP=1', '-Atq', url, '-c', sql], { encoding: 'utf8', maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

// A database of its own for one test.
export function freshDatabase(tag = 'node') {
  const name = `${tag}_${process.pid}_${counter++}`;
  psql(PG_URL, `CREATE DATABASE ${name}`);
  return PG_URL.replace(/\/[^/]*$/, `/${name}`);
}

export function shinrai(...args) {
  return spawnSync(BIN, args, { encoding: 'utf8' });
}
