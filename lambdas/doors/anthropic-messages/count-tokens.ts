// POST /v1/messages/count_tokens: the input tokens of a Messages request for the model it names, as the first
// target that counts natively says (Anthropic's endpoint, Bedrock's CountTokens for Claude), else the bound
// budgets reserve for the first target. Counting calls no model: nothing is billed, reserved or rate-limited,
// and a count that fails falls back to the bound rather than to an error.
import type { DoorHandler } from '../../core/gateway';
import { jsonResponse } from '../../core/http';
import { resolveModel } from '../../core/routing/resolve';
import { estimateChatInputTokens } from '../../core/tokens';
import { nativeMessagesOf } from '../../providers/anthropic/wire';
import { anthropicErrorResponse } from './errors';
import { parseCountTokensRequest } from './request';

/** how long a native count may take before the bound answers instead */
export const COUNT_TIMEOUT_MS = 5_000;

export const countTokensRoute: DoorHandler = {
  async handle(req, scope, deps) {
    const tenant = await deps.tenants.identify(req);
    scope.tenant = tenant.id;
    const parsed = parseCountTokensRequest(req.body, req);
    scope.model = parsed.chat.model;
    const route = resolveModel(parsed.chat.model, deps.config, tenant, deps.prices);
    for (const target of route.targets) {
      const provider = deps.providers.get(target.provider);
      const native = provider && nativeMessagesOf(provider, target.model);
      if (!native || !(await provider.isConfigured())) continue;
      const signal = AbortSignal.any([AbortSignal.timeout(COUNT_TIMEOUT_MS), ...(req.signal ? [req.signal] : [])]);
      try {
        const tokens = await native.countTokens(parsed.native, target.model, { signal, requestId: req.requestId, betas: native.betasFor(parsed.betas) });
        scope.provider = provider.id;
        scope.providerModel = target.model;
        return jsonResponse(200, { input_tokens: tokens }, { 'x-gateway-provider': provider.id, 'x-gateway-model': target.model, 'x-gateway-token-count': 'provider' });
      } catch (err) {
        deps.logger.warn('count_tokens: the provider did not count; trying the next or the bound', { requestId: req.requestId, provider: provider.id, error: (err as Error).message });
      }
    }
    const first = route.targets[0]!;
    const family = deps.config.providers.find((p) => p.id === first.provider)?.type;
    return jsonResponse(200, { input_tokens: estimateChatInputTokens(parsed.chat, family, first.model) }, { 'x-gateway-token-count': 'estimate' });
  },
  error: anthropicErrorResponse,
};
