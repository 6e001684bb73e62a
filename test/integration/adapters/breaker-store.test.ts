// The breaker store against dynalite: the conditional updates that make a transition happen once, bound the
// half-open probes across instances, and add window counts from many writers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBreakerStore } from '../../../lambdas/adapters/dynamodb/breaker-store';
import { DynamoProviderHealthStore } from '../../../lambdas/adapters/dynamodb/provider-health';
import { validateGatewayConfig } from '../../../lambdas/core/config/load';
import type { Alert } from '../../../lambdas/core/ports';
import { Resilience } from '../../../lambdas/core/resilience/resilience';
import { startTestDynamo, type TestDynamo } from '../../helpers/dynalite';
import { MemoryLogger } from '../../helpers/logs';

let db: TestDynamo;
let seq = 0;
beforeAll(async () => {
  db = await startTestDynamo();
});
afterAll(async () => {
  await db?.stop();
});

/** a store on its own region, so tests do not see each other's breakers */
const freshStore = () => new DynamoBreakerStore(db.client, db.tables.breakerState, `test-${++seq}`);

describe('DynamoBreakerStore', () => {
  it('reads a breaker nobody wrote as absent', async () => {
    const { breakers, health } = await freshStore().read(['p'], ['p']);
    expect(breakers.size).toBe(0);
    expect(health.size).toBe(0);
  });

  it('lets exactly one of many racing instances make a transition', async () => {
    const store = freshStore();
    const open = { state: 'open' as const, version: 1, since: 1_000, openUntil: 2_000, reason: '5 consecutive failures' };
    const results = await Promise.all(Array.from({ length: 8 }, () => store.transition('p', 0, open, 1_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const closed = { state: 'closed' as const, version: 2, since: 3_000 };
    expect(await store.transition('p', 0, closed, 3_000)).toBe(false); // stale version
    expect(await store.transition('p', 1, closed, 3_000)).toBe(true);
    const { breakers } = await store.read(['p'], []);
    expect(breakers.get('p')).toMatchObject({ state: 'closed', version: 2, since: 3_000, openUntil: undefined });
  });

  it('grants at most halfOpenProbes leases per open state, only after the cooldown, and again once a lease lapses', async () => {
    const store = freshStore();
    await store.transition('p', 0, { state: 'open', version: 1, since: 0, openUntil: 1_000, reason: 'x' }, 0);
    expect(await store.acquireProbeLease('p', 1, 2, 500, 5_000)).toBe(false); // still cooling down
    const racing = await Promise.all(Array.from({ length: 6 }, () => store.acquireProbeLease('p', 1, 2, 1_000, 5_000)));
    expect(racing.filter(Boolean)).toHaveLength(2);
    expect(await store.acquireProbeLease('p', 1, 2, 4_999, 9_000)).toBe(false);
    expect(await store.acquireProbeLease('p', 1, 2, 5_000, 9_000)).toBe(true); // the leases lapsed
    expect(await store.acquireProbeLease('p', 7, 2, 5_000, 9_000)).toBe(false); // not the open state it holds
  });

  it('adds window counts from many writers into the slot of their bucket, and reuses a slot for a newer bucket', async () => {
    const store = freshStore();
    await Promise.all(Array.from({ length: 5 }, () => store.addOutcomes('p', [{ start: 3_000, total: 2, failures: 1 }], 1_000, 3_500)));
    let shared = await store.addOutcomes('p', [{ start: 4_000, total: 1, failures: 0 }], 1_000, 4_100);
    expect(shared.buckets).toEqual([
      { start: 3_000, total: 10, failures: 5 },
      { start: 4_000, total: 1, failures: 0 },
    ]);
    // 13_000 falls in the slot 3_000 used (10 slots of 1 s): the old counts are replaced, not added to
    shared = await store.addOutcomes('p', [{ start: 13_000, total: 3, failures: 3 }], 1_000, 13_100);
    expect(shared.buckets).toEqual([
      { start: 4_000, total: 1, failures: 0 },
      { start: 13_000, total: 3, failures: 3 },
    ]);
    // a late writer's counts for the replaced bucket are dropped
    shared = await store.addOutcomes('p', [{ start: 3_000, total: 9, failures: 9 }], 1_000, 13_200);
    expect(shared.buckets.find((b) => b.start === 3_000)).toBeUndefined();
  });

  it('reads the health check\'s last probe in the same round trip as the breakers', async () => {
    const store = freshStore();
    const region = `test-${seq}`;
    await new DynamoProviderHealthStore(db.client, db.tables.breakerState).record(region, [
      { providerId: 'p', configured: true, healthy: false, latencyMs: 42, checkedAt: 1_000, error: 'HTTP 503' },
    ]);
    const { health } = await store.read([], ['p', 'q']);
    expect(health.get('p')).toEqual({ providerId: 'p', configured: true, healthy: false, latencyMs: 42, checkedAt: 1_000, error: 'HTTP 503' });
    expect(health.has('q')).toBe(false);
  });
});

describe('breakers shared by two instances through the store', () => {
  const config = validateGatewayConfig({
    providers: [{ id: 'p', type: 'openai', breaker: { consecutiveFailures: 3, cooldownMs: 60_000 } }],
  });

  function instance(store: DynamoBreakerStore, alerts: Alert[]) {
    const logger = new MemoryLogger();
    const resilience = new Resilience(config, { store, clock: { now: () => Date.now() }, logger, metrics: { add: () => {}, flush: () => {} }, alerts: { publish: async (a) => void alerts.push(a) } });
    return { resilience, logger, entry: resilience.breakers.entry(config.providers[0]!, 'm') };
  }

  it('an open breaker written by one instance is taken up by the other within a read, and alerted once', async () => {
    const store = freshStore();
    const alerts: Alert[] = [];
    const a = instance(store, alerts);
    const b = instance(store, alerts);
    for (let i = 0; i < 3; i++) a.entry.breaker.onFailure(Date.now(), false, '500');
    for (let i = 0; i < 3; i++) b.entry.breaker.onFailure(Date.now(), false, '500');
    await Promise.all([a.resilience.sync(), b.resilience.sync()]);
    expect(alerts.filter((x) => x.kind === 'breaker_opened')).toHaveLength(1);
    expect([...a.logger.find('breaker opened'), ...b.logger.find('breaker opened')]).toHaveLength(1);
    const c = instance(store, alerts);
    expect(c.entry.breaker.phase(Date.now())).toBe('closed');
    await c.resilience.breakers.ensureFresh([c.entry]);
    expect(c.entry.breaker.phase(Date.now())).toBe('open');
    expect(a.entry.breaker.state.version).toBe(b.entry.breaker.state.version);
  });

  it('opens on failures spread over instances that each saw too few to decide', async () => {
    const store = freshStore();
    const cfg = validateGatewayConfig({ providers: [{ id: 'p', type: 'openai', breaker: { minimumRequests: 6, failureRateThreshold: 0.5, consecutiveFailures: 100 } }] });
    const make = () => new Resilience(cfg, { store, clock: { now: () => Date.now() }, logger: new MemoryLogger(), metrics: { add: () => {}, flush: () => {} }, alerts: { publish: async () => {} } });
    const [x, y] = [make(), make()];
    const ex = x.breakers.entry(cfg.providers[0]!, 'm');
    const ey = y.breakers.entry(cfg.providers[0]!, 'm');
    for (const e of [ex, ey]) {
      e.breaker.onFailure(Date.now(), false, '500');
      e.breaker.onFailure(Date.now(), false, '500');
      e.breaker.onSuccess(Date.now(), false);
    }
    expect(ex.breaker.phase(Date.now())).toBe('closed');
    await x.sync();
    await y.sync(); // y's write returns x's counts too: 4 of 6 failed
    expect(ey.breaker.phase(Date.now())).toBe('open');
  });
});
