import { describe, expect, it } from 'vitest';
import { validateGatewayConfig } from '../../../../lambdas/core/config/load';
import type { GatewayConfig, ModelTarget } from '../../../../lambdas/core/config/schema';
import type { GatewayError } from '../../../../lambdas/core/errors';
import { readPolicy } from '../../../../lambdas/core/routing/policy';
import { planTargets, type PlanContext } from '../../../../lambdas/core/routing/strategies';
import type { PricedTarget } from '../../../../lambdas/core/routing/resolve';
import { Resilience } from '../../../../lambdas/core/resilience/resilience';
import { MemoryLogger } from '../../../helpers/logs';

function setup(random = Math.random) {
  const config: GatewayConfig = validateGatewayConfig({
    providers: [
      { id: 'cloud', type: 'openai' },
      { id: 'cheap', type: 'openai' },
      { id: 'onprem', type: 'openai', private: true },
    ],
    pricing: { big: { inputPerMTok: 10, outputPerMTok: 30 }, small: { inputPerMTok: 0.1, outputPerMTok: 0.4 }, local: { inputPerMTok: 0, outputPerMTok: 0 } },
  });
  const resilience = new Resilience(config, { clock: { now: () => 0 }, logger: new MemoryLogger(), metrics: { add: () => {}, flush: () => {} }, alerts: { publish: async () => {} } }, random);
  const targets: PricedTarget[] = ([
    { provider: 'cloud', model: 'big', weight: 1, tasks: ['reasoning'] },
    { provider: 'cheap', model: 'small', weight: 3 },
    { provider: 'onprem', model: 'local', tasks: ['summarize'] },
  ] as ModelTarget[]).map((t) => ({ ...t, price: config.pricing[t.model]! }));
  const ctx = (over: Partial<PlanContext> = {}): PlanContext => ({
    strategy: 'fallback',
    policy: {},
    kind: 'chat',
    estimate: { inputTokens: 1_000, outputTokens: 500 },
    config,
    resilience,
    now: 1_000,
    ...over,
  });
  const order = (over: Partial<PlanContext> = {}, priced = targets) => planTargets(priced, ctx(over)).map((t) => t.provider);
  return { resilience, order, config, targets };
}

describe('planTargets', () => {
  it('fallback keeps the configured order', () => {
    expect(setup().order()).toEqual(['cloud', 'cheap', 'onprem']);
  });

  it('weighted draws the first target in proportion to its weight', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const { order } = setup(random);
    const firsts = new Map<string, number>();
    for (let i = 0; i < 2_000; i++) {
      const first = order({ strategy: 'weighted' })[0]!;
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    // weights 1 : 3 : 1
    expect(firsts.get('cheap')! / 2_000).toBeGreaterThan(0.5);
    expect(firsts.get('cheap')! / 2_000).toBeLessThan(0.7);
    expect(firsts.get('cloud')! / 2_000).toBeGreaterThan(0.1);
  });

  it('latency puts the lowest recent p50 first, after targets it has not measured yet', () => {
    const { order, resilience } = setup();
    for (let i = 0; i < 5; i++) {
      resilience.latency.record('cloud', 'big', 'chat', 300, 900);
      resilience.latency.record('cheap', 'small', 'chat', 80, 900);
    }
    expect(order({ strategy: 'latency' })).toEqual(['onprem', 'cheap', 'cloud']);
    for (let i = 0; i < 5; i++) resilience.latency.record('onprem', 'local', 'chat', 150, 900);
    expect(order({ strategy: 'latency' })).toEqual(['cheap', 'onprem', 'cloud']);
  });

  it('cost puts the cheapest for the estimated tokens first, and healthy targets before failing ones', () => {
    const { order, resilience, config } = setup();
    expect(order({ strategy: 'cost' })).toEqual(['onprem', 'cheap', 'cloud']);
    const { breaker } = resilience.breakers.entry(config.providers[2]!, 'local');
    for (let i = 0; i < 5; i++) breaker.onFailure(900, false, '500');
    expect(order({ strategy: 'cost' })).toEqual(['cheap', 'cloud', 'onprem']);
  });

  it('a request may override the strategy', () => {
    expect(setup().order({ policy: { strategy: 'cost' } })[0]).toBe('onprem');
  });

  it('sensitivity=high keeps only private providers, and refuses when there are none', () => {
    const { order, config, resilience } = setup();
    expect(order({ policy: { sensitivity: 'high' } })).toEqual(['onprem']);
    expect(() => planTargets([{ provider: 'cloud', model: 'big', price: config.pricing.big! }], { strategy: 'fallback', policy: { sensitivity: 'high' }, kind: 'chat', config, resilience, now: 0 })).toThrow(
      expect.objectContaining({ status: 400, code: 'invalid_request' }),
    );
  });

  it('max cost drops targets estimated above it, and refuses when none is under it', () => {
    const { order, targets } = setup();
    // 1000 in + 500 out: big ≈ $0.025, small ≈ $0.0003, local $0
    expect(order({ policy: { maxCostUsd: 0.001 } })).toEqual(['cheap', 'onprem']);
    const dear = { inputPerMTok: 10, outputPerMTok: 30 };
    expect(() => order({ policy: { maxCostUsd: 0.001 } }, targets.map((t) => ({ ...t, price: dear })))).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('a task puts the targets suited to it first; max latency moves the known-slow ones last', () => {
    const { order, resilience } = setup();
    expect(order({ policy: { task: 'summarize' } })).toEqual(['onprem', 'cloud', 'cheap']);
    for (let i = 0; i < 5; i++) resilience.latency.record('cloud', 'big', 'chat', 3_000, 900);
    expect(order({ policy: { maxLatencyMs: 1_000 } })).toEqual(['cheap', 'onprem', 'cloud']);
  });
});

describe('readPolicy', () => {
  it('reads the hints from metadata, ignoring the caller\'s other metadata keys', () => {
    expect(readPolicy({}, { sensitivity: 'high', maxLatencyMs: '800', customer: 'x' })).toMatchObject({ sensitivity: 'high', maxLatencyMs: 800 });
  });

  it('reads the header as key=value pairs or JSON, and lets it win over metadata', () => {
    expect(readPolicy({ 'x-gateway-policy': 'task=summarize; max-cost-usd=0.01' }, { task: 'code' })).toMatchObject({ task: 'summarize', maxCostUsd: 0.01 });
    expect(readPolicy({ 'x-gateway-policy': '{"strategy":"latency"}' }, undefined)).toMatchObject({ strategy: 'latency' });
  });

  it('answers a bad hint with 400 naming it', () => {
    const refusal = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return { status: (err as GatewayError).status, ...(err as GatewayError).toBody().error };
      }
      throw new Error('accepted');
    };
    expect(refusal(() => readPolicy({ 'x-gateway-policy': 'sensitivity=secret' }, undefined))).toMatchObject({ status: 400, param: 'x-gateway-policy.sensitivity' });
    expect(refusal(() => readPolicy({ 'x-gateway-policy': 'speed=fast' }, undefined))).toMatchObject({ status: 400, param: 'x-gateway-policy.speed' });
    expect(refusal(() => readPolicy({}, { max_latency_ms: 'soon' }))).toMatchObject({ status: 400, param: 'metadata.max_latency_ms' });
  });
});
