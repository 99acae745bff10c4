// The real tracking SDKs, unchanged, pointed at a running shinrai: a visitor
// browses anonymously (sent by Segment's SDK), then logs in and buys (sent by
// RudderStack's SDK, gzip-compressed as it does by default). The profile API
// must show one merged person with all of those events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { startServer, tempDataDir, removeDir, getJson, WRITE_KEY } from './server.mjs';

test('Segment and RudderStack SDKs feed one merged profile', { timeout: 120000 }, async () => {
  const dir = tempDataDir();
  const server = await startServer({ dataDir: dir });
  try {
    const anonymousId = 'anon-sdk-' + Date.now();
    const userId = 'sdk-user-42';

    const segment = new SegmentAnalytics({ writeKey: WRITE_KEY, host: server.url, flushAt: 2, maxRetries: 1 });
    const segmentErrors = [];
    segment.on('error', (e) => segmentErrors.push(e));
    segment.page({ anonymousId, name: 'Home', properties: { path: '/', title: 'Shop', url: 'https://shop.example/' } });
    segment.track({ anonymousId, event: 'Product Viewed', properties: { product_id: 'sku-1001', price: 12.5, latitude: 48.85 } });
    segment.track({ anonymousId, event: 'Products Searched', properties: { query: 'green tea' } });
    await segment.closeAndFlush({ timeout: 20000 });
    assert.deepEqual(segmentErrors, []);

    const rudder = new RudderAnalytics(WRITE_KEY, { dataPlaneUrl: server.url, flushAt: 3, retryCount: 0, logLevel: 'error' });
    await new Promise((resolve) => {
      rudder.identify({ userId, anonymousId, traits: { email: ' SDK.User@Example.com ', first_name: 'Sam', shoe_size: 44 } });
      rudder.track({ userId, event: 'Product Added', properties: { product_id: 'sku-1001', quantity: 1 } });
      rudder.page({ userId, name: 'Checkout', properties: { path: '/checkout' } });
      resolve();
    });
    await new Promise((resolve, reject) => rudder.flush((err) => (err ? reject(err) : resolve())));

    const { status, body } = await getJson(`${server.url}/v1/profiles/${userId}`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.identities.user_id, userId);
    assert.deepEqual(body.identities.anonymous_ids, [anonymousId]);
    assert.deepEqual(body.identities.emails, ['sdk.user@example.com']);
    assert.equal(body.traits.first_name, 'Sam');
    assert.equal(body.traits.shoe_size, undefined, 'undeclared trait must not be kept');
    assert.equal(body.event_count, 6);
    const types = body.recent_events.map((e) => `${e.type}:${e.event ?? e.name ?? ''}`).sort();
    assert.deepEqual(types, [
      'identify:', 'page:Checkout', 'page:Home', 'track:Product Added', 'track:Product Viewed', 'track:Products Searched',
    ]);
    const libraries = new Set(body.recent_events.map((e) => e.context?.library?.name));
    assert.ok(libraries.has('@segment/analytics-node'), [...libraries].join());
    // RudderStack's Node SDK still names itself "analytics-node" (it began as a fork).
    assert.ok(libraries.has('analytics-node'), [...libraries].join());
    assert.equal(body.channels.server.events, 6, JSON.stringify(body.channels));
    const viewed = body.recent_events.find((e) => e.event === 'Product Viewed');
    assert.equal(viewed.properties.latitude, undefined, 'forbidden property must not be kept');
    assert.equal(viewed.properties.product_id, 'sku-1001');

    // The same person is found by any of their identifiers.
    const byEmail = await getJson(`${server.url}/v1/profiles/email:sdk.user%40example.com`);
    assert.equal(byEmail.body.profile_id, body.profile_id);
    const byAnon = await getJson(`${server.url}/v1/profiles/${anonymousId}`);
    assert.equal(byAnon.body.profile_id, body.profile_id);
  } finally {
    await server.stop();
    removeDir(dir);
  }
});
