// Oracle test of `shinrai tcf decode` against the IAB reference encoder
// (@iabtechlabtcf/core): random TC models, both vendor encodings, publisher
// restrictions and both optional segments, must decode to exactly the field
// values the encoder was given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as tcf from '@iabtechlabtcf/core';
import { BIN } from './server.mjs';

const { TCModel, SegmentEncoder, Segment, PurposeRestriction, GVL } = tcf;
const COUNT = 400;

// The encoder needs a vendor list to encode publisher restrictions. This one
// declares vendors 1-3000 with every purpose as consent, legitimate interest
// and flexible, so that no restriction the test adds is filtered out.
const ALL_PURPOSES = Array.from({ length: 24 }, (_, i) => i + 1);
const vendors = {};
for (let id = 1; id <= 3000; id++) {
  vendors[id] = { id, name: `vendor ${id}`, purposes: ALL_PURPOSES, legIntPurposes: ALL_PURPOSES,
    flexiblePurposes: ALL_PURPOSES, specialPurposes: [], features: [], specialFeatures: [], policyUrl: '' };
}
const VENDOR_LIST = { gvlSpecificationVersion: 3, vendorListVersion: 100, tcfPolicyVersion: 5,
  lastUpdated: '2026-01-01T00:00:00Z',
  purposes: Object.fromEntries(ALL_PURPOSES.map((id) => [id, { id, name: `purpose ${id}`, description: '' }])),
  specialPurposes: {}, features: {}, specialFeatures: {}, stacks: {}, vendors };

// A small deterministic PRNG (mulberry32), so a failure can be replayed.
function rng(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomCase(r) {
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = (a) => a[int(0, a.length - 1)];
  const ids = (max, density) => {
    const out = [];
    for (let i = 1; i <= max; i++) if (r() < density) out.push(i);
    return out;
  };
  // Dense sets come out bit-field encoded, sparse sets over many ids as ranges.
  const vendors = () => (r() < 0.5 ? ids(int(1, 400), 0.5) : ids(int(100, 3000), 0.01 + r() * 0.02));
  const letters = () => String.fromCharCode(65 + int(0, 25), 65 + int(0, 25));
  const created = new Date(Date.UTC(2020, 0, 1) + int(0, 6 * 365 * 86400) * 1000 + int(0, 9) * 100);
  const restrictions = [];
  for (let i = int(0, 4); i > 0; i--) {
    restrictions.push({ purpose: int(2, 10), type: int(0, 2), vendors: ids(int(5, 600), 0.03 + r() * 0.3) });
  }
  const numCustom = r() < 0.5 ? 0 : int(1, 20);
  return {
    cmpId: int(2, 4000), cmpVersion: int(1, 4095), consentScreen: int(0, 63),
    consentLanguage: pick(['EN', 'FR', 'DE', 'ES', 'IT', 'NL', 'PL', 'JA']),
    publisherCountryCode: letters(), vendorListVersion: int(1, 4095), policyVersion: pick([4, 5]),
    isServiceSpecific: r() < 0.5, useNonStandardTexts: r() < 0.5, purposeOneTreatment: r() < 0.5,
    purposeConsents: ids(11, 0.5), purposeLegitimateInterests: ids(11, 0.4), specialFeatureOptins: ids(12, 0.5),
    vendorConsents: vendors(), vendorLegitimateInterests: vendors(), restrictions,
    vendorsDisclosed: r() < 0.7 ? vendors() : null,
    publisherTc: r() < 0.6 ? {
      publisherConsents: ids(11, 0.5), publisherLegitimateInterests: ids(11, 0.5), numCustomPurposes: numCustom,
      publisherCustomConsents: ids(numCustom, 0.5), publisherCustomLegitimateInterests: ids(numCustom, 0.5),
    } : null,
    created, lastUpdated: new Date(created.getTime() + int(0, 86400) * 1000),
  };
}

function encode(c) {
  const m = new TCModel();
  m.publisherRestrictions.gvl = new GVL(VENDOR_LIST);
  for (const k of ['cmpId', 'cmpVersion', 'consentScreen', 'consentLanguage', 'publisherCountryCode', 'vendorListVersion',
    'policyVersion', 'isServiceSpecific', 'useNonStandardTexts', 'purposeOneTreatment', 'created', 'lastUpdated']) m[k] = c[k];
  for (const k of ['purposeConsents', 'purposeLegitimateInterests', 'specialFeatureOptins', 'vendorConsents', 'vendorLegitimateInterests']) m[k].set(c[k]);
  for (const pr of c.restrictions) for (const v of pr.vendors) m.publisherRestrictions.add(v, new PurposeRestriction(pr.purpose, pr.type));
  const segments = [SegmentEncoder.encode(m, Segment.CORE)];
  if (c.vendorsDisclosed) {
    m.vendorsDisclosed.set(c.vendorsDisclosed);
    segments.push(SegmentEncoder.encode(m, Segment.VENDORS_DISCLOSED));
  }
  if (c.publisherTc) {
    const p = c.publisherTc;
    m.publisherConsents.set(p.publisherConsents);
    m.publisherLegitimateInterests.set(p.publisherLegitimateInterests);
    m.numCustomPurposes = p.numCustomPurposes;
    m.publisherCustomConsents.set(p.publisherCustomConsents);
    m.publisherCustomLegitimateInterests.set(p.publisherCustomLegitimateInterests);
    segments.push(SegmentEncoder.encode(m, Segment.PUBLISHER_TC));
  }
  return segments.join('.');
}

function expected(c) {
  // Restrictions as the decoder groups them: one entry per (purpose, type).
  const groups = new Map();
  for (const pr of c.restrictions) {
    if (pr.vendors.length === 0) continue;
    const key = `${pr.purpose}/${pr.type}`;
    if (!groups.has(key)) groups.set(key, { purpose: pr.purpose, type: pr.type, vendors: new Set() });
    for (const v of pr.vendors) groups.get(key).vendors.add(v);
  }
  const restrictions = [...groups.values()]
    .map((g) => ({ purpose: g.purpose, type: g.type, vendors: [...g.vendors].sort((a, b) => a - b) }))
    .sort((a, b) => a.purpose - b.purpose || a.type - b.type);
  const p = c.publisherTc ?? { publisherConsents: [], publisherLegitimateInterests: [], numCustomPurposes: 0,
    publisherCustomConsents: [], publisherCustomLegitimateInterests: [] };
  return {
    version: 2, cmpId: c.cmpId, cmpVersion: c.cmpVersion, consentScreen: c.consentScreen, consentLanguage: c.consentLanguage,
    publisherCountryCode: c.publisherCountryCode, vendorListVersion: c.vendorListVersion, policyVersion: c.policyVersion,
    isServiceSpecific: c.isServiceSpecific, useNonStandardTexts: c.useNonStandardTexts, purposeOneTreatment: c.purposeOneTreatment,
    purposeConsents: c.purposeConsents, purposeLegitimateInterests: c.purposeLegitimateInterests,
    specialFeatureOptins: c.specialFeatureOptins, vendorConsents: c.vendorConsents,
    vendorLegitimateInterests: c.vendorLegitimateInterests, publisherRestrictions: restrictions,
    vendorsDisclosed: c.vendorsDisclosed ?? [], ...p,
    created: c.created.toISOString(), lastUpdated: c.lastUpdated.toISOString(),
  };
}

test(`shinrai tcf decode matches the reference encoder on ${COUNT} random strings`, { timeout: 120000 }, () => {
  const r = rng(20261124);
  const cases = Array.from({ length: COUNT }, () => randomCase(r));
  const strings = cases.map(encode);
  const run = spawnSync(BIN, ['tcf', 'decode'], { input: strings.join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(run.status, 0, run.stderr + run.stdout.slice(0, 2000));
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, COUNT);
  let ranges = 0, bitfields = 0, withRestrictions = 0, withDisclosed = 0, withPublisher = 0;
  lines.forEach((line, i) => {
    const got = JSON.parse(line);
    delete got.warnings;
    assert.deepEqual(got, expected(cases[i]), `case ${i}: ${strings[i]}`);
    // Bit 17 after the 213 fixed core bits (and the vendor section's 16-bit max id) says "range".
    const bits = [...Buffer.from(strings[i].split('.')[0].replace(/-/g, '+').replace(/_/g, '/'), 'base64')]
      .map((b) => b.toString(2).padStart(8, '0')).join('');
    if (bits[213 + 16] === '1') ranges++; else bitfields++;
    if (got.publisherRestrictions.length) withRestrictions++;
    if (cases[i].vendorsDisclosed) withDisclosed++;
    if (cases[i].publisherTc) withPublisher++;
  });
  // The random cases really exercised every form.
  assert.ok(ranges > 50 && bitfields > 50, `ranges ${ranges}, bit fields ${bitfields}`);
  assert.ok(withRestrictions > 50 && withDisclosed > 50 && withPublisher > 50);
});

test('invalid strings get a JSON error and exit status 1, never a crash', () => {
  const good = encode(randomCase(rng(7)));
  const bad = ['', 'not*base64', 'AAAA', good.slice(0, 20), good + '.', good + '.IA', 'BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA'];
  for (const s of bad.filter((x) => x)) {
    const run = spawnSync(BIN, ['tcf', 'decode', s], { encoding: 'utf8' });
    assert.equal(run.status, 1, `${s}: ${run.stdout}`);
    const out = JSON.parse(run.stdout);
    assert.equal(out.error.code, 'invalid_argument', s);
    assert.ok(out.error.message.length > 10);
  }
  // Mixed input on stdin: every line answered, exit 1 for the bad one.
  const run = spawnSync(BIN, ['tcf', 'decode'], { input: `${good}\nnot*valid\n${good}\n`, encoding: 'utf8' });
  assert.equal(run.status, 1);
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  assert.equal(lines[0].version, 2);
  assert.ok(lines[1].error);
  assert.equal(lines[2].version, 2);
});

test('a string without the disclosed-vendors segment decodes with a TCF v2.3 warning', () => {
  const c = randomCase(rng(11));
  c.vendorsDisclosed = null;
  const run = spawnSync(BIN, ['tcf', 'decode', encode(c)], { encoding: 'utf8' });
  assert.equal(run.status, 0);
  assert.match(JSON.parse(run.stdout).warnings.join(' '), /disclosed-vendors segment missing/);
});
