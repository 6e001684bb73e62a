// After a provider answered: price the usage, fill the request's record, and settle the admission (budgets,
// token counts, ledger entry).
import type { Admission } from '../admission/admit';
import type { Usage } from '../openai/chat-response';
import type { GatewayDeps, RequestScope } from '../gateway';
import type { Executed } from '../routing/execute';
import { costNanoUsd, formatUsd, priceFor, tokenCounts } from '../pricing';
import { METRICS } from '../observability';
import type { LedgerEntry } from '../ports';

export interface Settled {
  costNanoUsd: number;
  /** settle the admission and write the ledger entry; runs after the response is sent */
  record: () => Promise<void>;
}

export function settle(
  scope: RequestScope,
  run: Executed<unknown>,
  usage: Usage,
  deps: GatewayDeps,
  info: { route: LedgerEntry['route']; stream: boolean; status: number },
  admission: Admission,
): Settled {
  const price = priceFor(deps.config.pricing, run.provider.id, run.target.model);
  if (!price) deps.logger.warn('no price configured; the call is recorded at $0', { provider: run.provider.id, model: run.target.model });
  const tokens = tokenCounts(usage);
  const cost = costNanoUsd(tokens, price);
  scope.provider = run.provider.id;
  scope.providerModel = run.target.model;
  scope.attempts = attemptCount(run);
  scope.costNanoUsd = cost;
  return {
    costNanoUsd: cost,
    record: async () => {
      await admission.settle({
        requestId: scope.requestId,
        tenantId: scope.tenant!,
        // charged to the day and month the request arrived in, like its budget reservation
        at: scope.receivedAt,
        route: info.route,
        alias: scope.model ?? run.target.model,
        provider: run.provider.id,
        model: run.target.model,
        tokens,
        costNanoUsd: cost,
        latencyMs: deps.clock.now() - scope.receivedAt,
        status: info.status,
        attempts: attemptCount(run),
        stream: info.stream,
      });
      deps.metrics.add(METRICS.costUsd, cost / 1e9, 'None', { Tenant: scope.tenant! });
      deps.metrics.add(METRICS.costUsd, cost / 1e9, 'None', { Provider: run.provider.id });
    },
  };
}

/** calls actually made (skipped targets are not attempts) */
function attemptCount(run: Executed<unknown>): number {
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
