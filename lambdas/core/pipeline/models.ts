// GET /v1/models: the aliases and provider-id/model targets this tenant may call, in OpenAI's list format.
import type { ModelList } from '../openai/chat-response';
import { jsonResponse, type GatewayRequest, type GatewayResponse } from '../http';
import { tenantMayUse } from '../routing/resolve';
import { canonicalModel, EVERY_MODEL } from '../routing/model-names';
import type { GatewayDeps, RequestScope } from '../gateway';

export async function handleModels(req: GatewayRequest, scope: RequestScope, deps: GatewayDeps): Promise<GatewayResponse> {
  const tenant = await deps.tenants.identify(req);
  scope.tenant = tenant.id;
  const { config } = deps;
  const ids = new Map<string, string>();
  for (const alias of config.models) ids.set(alias.name, 'switchboard');
  if (config.gateway.allowDirectModels) {
    for (const provider of config.providers) {
      const names = new Set([...(provider.models ?? []), ...config.models.flatMap((m) => m.targets.filter((t) => t.provider === provider.id).map((t) => t.model))]);
      // only what a call can reach: a model nothing prices is refused
      for (const name of names) if (name !== EVERY_MODEL && deps.prices.priceOf(provider.id, canonicalModel(provider.type, name))) ids.set(`${provider.id}/${name}`, provider.id);
    }
  }
  const created = Math.floor(deps.clock.now() / 1000);
  const list: ModelList = {
    object: 'list',
    data: [...ids].filter(([id]) => tenantMayUse(tenant, id)).map(([id, owner]) => ({ id, object: 'model', created, owned_by: owner })),
  };
  return jsonResponse(200, list);
}
