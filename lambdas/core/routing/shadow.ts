// Shadow traffic: after the caller has the whole answer, mirror a configured share of a model's requests
// to its shadow target and record latency, cost and answer length beside the primary's. The shadow call is
// the operator's (it starts only on an operator hold of its worst case, and is in the request's ledger entry
// as such), never touches the caller's response, and its failures are only logged.
import type { Bill, BilledCall } from '../admission/bill';
import type { CallBounds } from '../admission/admit';
import type { ChatRequest } from '../openai/chat-request';
import type { ModelAlias } from '../config/schema';
import type { GatewayDeps, RequestScope } from '../gateway';
import { METRICS } from '../observability';
import { costNanoUsd, formatUsd } from '../pricing/cost';
import { estimateChatUsage } from '../tokens';
import { ProviderError } from '../../providers/types';
import { canonicalModel } from './model-names';
import type { PricedTarget } from './resolve';

/** whether this request is one of the shadow's sampled share */
export function sampledForShadow(alias: ModelAlias | undefined, random: () => number): boolean {
  return Boolean(alias?.shadow && alias.shadow.percent > 0 && random() * 100 < alias.shadow.percent);
}

export interface ShadowContext {
  /** each target's input bound and output cap */
  bounds: (target: PricedTarget) => CallBounds;
  bill: Bill;
  /** the call that answered the caller */
  served: BilledCall | undefined;
}

export async function runShadow(body: ChatRequest, alias: ModelAlias, ctx: ShadowContext, scope: RequestScope, deps: Pick<GatewayDeps, 'providers' | 'prices' | 'config' | 'clock' | 'logger' | 'metrics'>): Promise<void> {
  const shadow = alias.shadow!;
  const requestId = scope.requestId;
  const provider = deps.providers.get(shadow.provider);
  if (!provider || !(await provider.isConfigured())) {
    deps.logger.debug('shadow skipped: provider not configured here', { requestId, provider: shadow.provider });
    return;
  }
  const model = canonicalModel(provider.type, shadow.model);
  const quote = deps.prices.priceOf(provider.id, model);
  if (!quote) {
    deps.logger.warn('shadow skipped: its model has no known price', { requestId, provider: provider.id, model });
    return;
  }
  const target = { provider: provider.id, model, price: quote.price };
  const bounds = ctx.bounds(target);
  const worst = costNanoUsd({ input: bounds.inputTokens, output: bounds.outputCap, cachedInput: 0, cacheWrite: 0 }, quote.price);
  if (!(await ctx.bill.extra(worst))) {
    deps.logger.warn('shadow skipped: the operator budget has no room', { requestId, provider: provider.id });
    return;
  }
  const { stream: _stream, stream_options: _options, max_tokens: _max, ...request } = body;
  const call = ctx.bill.open(provider.id, model, quote.price);
  const primary = ctx.served;
  const comparison = {
    requestId,
    alias: alias.name,
    primary: primary && { provider: primary.provider, model: primary.model, latencyMs: deps.clock.now() - scope.receivedAt, costUsd: formatUsd(primary.costNanoUsd), chars: primary.text.length },
  };
  const started = deps.clock.now();
  const dims = { Provider: provider.id };
  try {
    const signal = AbortSignal.timeout(provider.config.timeoutMs ?? deps.config.gateway.requestTimeoutMs);
    const answer = await provider.chat({ ...request, max_completion_tokens: bounds.outputCap }, model, { signal, requestId: `${requestId}-shadow` });
    const latencyMs = deps.clock.now() - started;
    const text = answer.choices.map((c) => c.message.content ?? '').join('');
    call.finish({ usage: answer.usage ?? estimateChatUsage(body, text, provider.type, model) }, 200);
    const cost = call.costNanoUsd;
    deps.logger.info('shadow compared', {
      ...comparison,
      shadow: { provider: provider.id, model, latencyMs, costNanoUsd: cost, costUsd: formatUsd(cost), chars: text.length },
    });
    deps.metrics.add(METRICS.shadowCalls, 1, 'Count', { ...dims, Outcome: 'ok' });
    deps.metrics.add(METRICS.shadowLatency, latencyMs, 'Milliseconds', dims);
    deps.metrics.add(METRICS.shadowCostUsd, cost / 1e9, 'None', dims);
  } catch (err) {
    if (err instanceof ProviderError) call.finish({ error: true }, err.status);
    else call.finish({ cut: true });
    const code = err instanceof ProviderError ? `${err.status} ${err.code}` : (err as Error).name;
    deps.logger.warn('shadow call failed', { ...comparison, shadow: { provider: provider.id, model, latencyMs: deps.clock.now() - started, error: code } });
    deps.metrics.add(METRICS.shadowCalls, 1, 'Count', { ...dims, Outcome: 'error' });
  }
}
