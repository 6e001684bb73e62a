// The order in which a request tries a model's targets: the alias's strategy (or the request's override)
// — fallback (as configured), weighted (random by weight), latency (lowest recent p50), cost (cheapest
// for the estimated tokens) — shaped by the request's policy hints. Hard hints (sensitivity, max cost)
// remove targets; soft ones (task, max latency) only reorder, so a request is never refused that another
// target could have served.
import type { GatewayConfig, ProviderConfig } from '../config/schema';
import { errors } from '../errors';
import { costNanoUsd, usdToNano } from '../pricing/cost';
import type { CallKind } from '../resilience/latency';
import type { Resilience } from '../resilience/resilience';
import type { PolicyHints } from './policy';
import type { PricedTarget } from './resolve';

/** below this many samples a target's p50 is unknown, and the latency strategy tries it first to learn it */
export const LATENCY_MIN_SAMPLES = 3;

export interface TokenEstimate {
  inputTokens: number;
  outputTokens: number;
}

export interface PlanContext {
  strategy: GatewayConfig['models'][number]['strategy'];
  policy: PolicyHints;
  kind: CallKind;
  estimate?: TokenEstimate;
  config: Pick<GatewayConfig, 'providers'>;
  resilience: Resilience;
  now: number;
}

interface Candidate {
  target: PricedTarget;
  provider: ProviderConfig | undefined;
  /** estimated cost in nano-USD; undefined: no estimate */
  cost: number | undefined;
  p50: number | undefined;
  healthy: boolean;
}

export function planTargets(targets: readonly PricedTarget[], ctx: PlanContext): PricedTarget[] {
  let candidates = targets.map((target) => describe(target, ctx));
  candidates = applyHardHints(candidates, ctx);
  const strategy = ctx.policy.strategy ?? ctx.strategy;
  let ordered = order(candidates, strategy, ctx.resilience.random);
  const { task, maxLatencyMs } = ctx.policy;
  if (task) ordered = partition(ordered, (c) => c.target.tasks?.includes(task) ?? false);
  if (maxLatencyMs) ordered = partition(ordered, (c) => c.p50 === undefined || c.p50 <= maxLatencyMs);
  // "among healthy": the ranked strategies put what is known to be failing last
  if (strategy === 'latency' || strategy === 'cost') ordered = partition(ordered, (c) => c.healthy);
  return ordered.map((c) => c.target);
}

function describe(target: PricedTarget, ctx: PlanContext): Candidate {
  const provider = ctx.config.providers.find((p) => p.id === target.provider);
  const est = ctx.estimate;
  const cost = est ? costNanoUsd({ input: est.inputTokens, output: est.outputTokens, cachedInput: 0, cacheWrite: 0 }, target.price) : undefined;
  const { resilience, now } = ctx;
  const p50 = resilience.latency.percentile(target.provider, target.model, ctx.kind, 50, now, LATENCY_MIN_SAMPLES);
  const failedCheck = resilience.breakers.failedHealthCheck(target.provider, now);
  const open = provider ? resilience.breakers.entry(provider, target.model).breaker.phase(now) === 'open' : true;
  const throttled = resilience.throttledUntil(target.provider, target.model, now) !== undefined;
  return { target, provider, cost, p50, healthy: !open && !failedCheck && !throttled };
}

function applyHardHints(candidates: Candidate[], ctx: PlanContext): Candidate[] {
  const { sensitivity, maxCostUsd } = ctx.policy;
  let kept = candidates;
  if (sensitivity === 'high') {
    kept = kept.filter((c) => c.provider?.private === true || c.provider?.type === 'mock');
    if (!kept.length) {
      throw errors.invalidRequest('sensitivity=high requests may only use providers marked private, and no target of this model is.', 'metadata.sensitivity');
    }
  }
  if (maxCostUsd !== undefined) {
    const limit = usdToNano(maxCostUsd);
    kept = kept.filter((c) => (c.cost ?? 0) <= limit);
    if (!kept.length) throw errors.invalidRequest(`No target of this model is estimated to cost at most $${maxCostUsd} for this request.`, 'metadata.max_cost_usd');
  }
  return kept;
}

function order(candidates: Candidate[], strategy: PlanContext['strategy'], random: () => number): Candidate[] {
  switch (strategy) {
    case 'weighted':
      // exponential clocks: sorting by -ln(u)/w draws without replacement in proportion to weight
      return candidates
        .map((c) => ({ c, key: -Math.log(1 - random()) / (c.target.weight ?? 1) }))
        .sort((a, b) => a.key - b.key)
        .map((x) => x.c);
    case 'latency':
      // targets with no recent p50 first (one try each teaches it), then the fastest
      return stableSort(candidates, (c) => c.p50 ?? -1);
    case 'cost':
      return stableSort(candidates, (c) => c.cost ?? Number.POSITIVE_INFINITY);
    default:
      return candidates;
  }
}

function stableSort<T>(items: T[], key: (item: T) => number): T[] {
  return items
    .map((item, i) => ({ item, i, k: key(item) }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map((x) => x.item);
}

/** those that pass first, each side in its current order */
function partition<T>(items: T[], pass: (item: T) => boolean): T[] {
  return [...items.filter(pass), ...items.filter((x) => !pass(x))];
}
