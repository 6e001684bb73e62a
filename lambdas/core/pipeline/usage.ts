// GET /v1/usage: the calling tenant's spend today and this month (settled, reserved, by model and provider),
// with its budget and limits.
import { jsonResponse, type GatewayRequest, type GatewayResponse } from '../http';
import { formatUsd } from '../pricing/cost';
import type { PeriodUsage, UsageBreakdown } from '../ports';
import type { GatewayDeps, RequestScope } from '../gateway';
import { dayOf, monthOf } from '../periods';

export async function handleUsage(req: GatewayRequest, scope: RequestScope, deps: GatewayDeps): Promise<GatewayResponse> {
  const tenant = await deps.tenants.identify(req);
  scope.tenant = tenant.id;
  const now = deps.clock.now();
  const { day, month } = await deps.ledger.usage(tenant.id, dayOf(now), monthOf(now));
  return jsonResponse(200, {
    object: 'usage',
    tenant: tenant.id,
    tier: tenant.tier ?? null,
    day: period(day),
    month: period(month),
    budget: {
      per_request_usd: tenant.budget.perRequestUsd ?? null,
      daily_usd: tenant.budget.dailyUsd ?? null,
      monthly_usd: tenant.budget.monthlyUsd ?? null,
    },
    limits: {
      requests_per_minute: tenant.limits.requestsPerMinute ?? null,
      requests_per_hour: tenant.limits.requestsPerHour ?? null,
      requests_per_day: tenant.limits.requestsPerDay ?? null,
      tokens_per_minute: tenant.limits.tokensPerMinute ?? null,
      expensive_calls_per_hour: tenant.budget.expensiveCallsPerHour ?? null,
    },
  });
}

function period(p: PeriodUsage) {
  return {
    period: p.period,
    cost_usd: formatUsd(p.costNanoUsd),
    /** what the operator bore for this tenant's requests beside its own cost (retried failures, hedge losers, shadows) */
    operator_cost_usd: formatUsd(p.operatorCostNanoUsd),
    reserved_usd: formatUsd(p.reservedNanoUsd),
    requests: p.requests,
    input_tokens: p.inputTokens,
    output_tokens: p.outputTokens,
    cached_input_tokens: p.cachedInputTokens,
    /** requests answered from the response cache, and what they saved (their original cost less what a hit was charged) */
    cache_hits: p.cacheHits ?? 0,
    cache_saved_usd: formatUsd(p.cacheSavedNanoUsd ?? 0),
    by_model: breakdown(p.byModel),
    by_provider: breakdown(p.byProvider),
    by_route: breakdown(p.byRoute ?? {}),
  };
}

function breakdown(totals: Record<string, UsageBreakdown>) {
  return Object.fromEntries(
    Object.entries(totals).map(([name, b]) => [
      name,
      { cost_usd: formatUsd(b.costNanoUsd), requests: b.requests, input_tokens: b.inputTokens, output_tokens: b.outputTokens },
    ]),
  );
}
