// After a request's upstream calls are all over: who bears each (the request's Bill), the tenant's settlement
// (budgets, token counts, ledger entry with every call) and the operator's, whatever way the request ended.
import type { Admission } from '../admission/admit';
import type { Bill, BilledCall } from '../admission/bill';
import type { Settlement } from '../admission/budgets';
import type { Deadline } from '../deadline';
import type { GatewayDeps, RequestScope } from '../gateway';
import { METRICS } from '../observability';
import type { LedgerCall, LedgerEntry } from '../ports';
import { formatUsd } from '../pricing/cost';
import type { Executed } from '../routing/execute';

/** A request's money once it was admitted: settled by `settleRequest` after the response. */
export interface RequestMoney {
  bill: Bill;
  admission: Admission;
  deadline: Deadline;
  route: LedgerEntry['route'];
  stream: boolean;
  /** the response cache's part (a miss, or a request that did not read it) */
  cache?: LedgerEntry['cache'];
}

/** How the request ended: the call that served it (if one did), and the status the client got. */
export interface RequestEnd {
  served?: BilledCall;
  status: number;
  /** where the request's payload is logged (the tenant logs payloads); recorded in its ledger entry */
  payloadKey?: string;
}

/**
 * Wait for every call of the request to end, then settle: the tenant pays for its call (the served one, or
 * the first), the operator for the rest. A request that made no call gives its reservation back. Whether a
 * ledger entry was written (a call was made).
 */
export async function settleRequest(scope: RequestScope, money: RequestMoney, end: RequestEnd, deps: GatewayDeps): Promise<boolean> {
  const { bill, admission } = money;
  const lines = await bill.lines(end.served);
  money.deadline.clear();
  const tenant = lines.tenant;
  if (!tenant) {
    await admission.release();
    return false;
  }
  const cost = tenant.costNanoUsd;
  const operatorCost = lines.operator.reduce((sum, c) => sum + c.costNanoUsd, 0);
  scope.costNanoUsd = cost;
  scope.usage = { input: tenant.tokens.input, output: tenant.tokens.output };
  if (operatorCost) scope.operatorCostNanoUsd = operatorCost;
  const calls = bill.calls.map((c): LedgerCall => ({
    provider: c.provider,
    model: c.model,
    status: c.status ?? 0,
    inputTokens: c.tokens.input,
    outputTokens: c.tokens.output,
    costNanoUsd: c.costNanoUsd,
    bearer: c === tenant ? 'tenant' : 'operator',
    ...(c.estimated ? { estimated: true } : {}),
  }));
  const entry: LedgerEntry = {
    requestId: scope.requestId,
    tenantId: scope.tenant!,
    // charged to the day and month the request arrived in, like its budget reservation
    at: scope.receivedAt,
    route: money.route,
    alias: scope.model ?? tenant.model,
    provider: tenant.provider,
    model: tenant.model,
    tokens: tenant.tokens,
    costNanoUsd: cost,
    operatorCostNanoUsd: operatorCost,
    calls,
    latencyMs: deps.clock.now() - scope.receivedAt,
    status: end.status,
    attempts: bill.calls.length,
    stream: money.stream,
    ...(money.cache ? { cache: money.cache } : {}),
    ...(scope.guardrails?.length ? { guardrails: scope.guardrails } : {}),
    ...(scope.firstByteMs !== undefined ? { firstByteMs: scope.firstByteMs } : {}),
    ...(end.payloadKey ? { payloadKey: end.payloadKey } : {}),
    ...(scope.batchId ? { batchId: scope.batchId } : {}),
  };
  await Promise.all([admission.settle(entry), bill.settleOperator(lines.operator, settlementOf)]);
  deps.metrics.add(METRICS.costUsd, cost / 1e9, 'None', { Tenant: scope.tenant! });
  deps.metrics.add(METRICS.costUsd, cost / 1e9, 'None', { Provider: tenant.provider });
  return true;
}

function settlementOf(call: BilledCall): Settlement {
  const tokens = call.tokens;
  return {
    costNanoUsd: call.costNanoUsd,
    inputTokens: tokens.input,
    outputTokens: tokens.output,
    cachedInputTokens: tokens.cachedInput,
    provider: call.provider,
    model: `${call.provider}/${call.model}`,
  };
}

/** what token-rate limits count for a request at admission: a token per 4 bytes of its body, corrected after */
export function rateTokensOf(req: { bodyBytes: number }): number {
  return Math.ceil(req.bodyBytes / 4);
}

/** calls actually made (skipped targets are not attempts) */
export function attemptCount(run: Pick<Executed<unknown>, 'attempts'>): number {
  return run.attempts.filter((a) => !a.skipped).length;
}

export function gatewayHeaders(run: Executed<unknown>, cost?: number): Record<string, string> {
  const headers: Record<string, string> = {
    'x-gateway-provider': run.provider.id,
    'x-gateway-model': run.target.model,
    'x-gateway-attempts': String(attemptCount(run)),
  };
  if (cost !== undefined) headers['x-gateway-cost-usd'] = formatUsd(cost);
  return headers;
}
