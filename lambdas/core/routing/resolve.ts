// Which targets may serve a request: a model alias from the config, or provider-id/model addressing one
// target directly; and whether this tenant may use it.
import type { GatewayConfig, ModelAlias, ModelTarget } from '../config/schema';
import { errors } from '../errors';
import type { Tenant } from '../tenants/directory';

export interface ResolvedModel {
  /** what the caller asked for */
  requested: string;
  alias?: ModelAlias;
  strategy: ModelAlias['strategy'];
  targets: ModelTarget[];
}

export function resolveModel(model: string, config: GatewayConfig, tenant: Tenant): ResolvedModel {
  const alias = config.models.find((m) => m.name === model);
  let resolved: ResolvedModel;
  if (alias) {
    resolved = { requested: model, alias, strategy: alias.strategy, targets: alias.targets };
  } else {
    const slash = model.indexOf('/');
    const providerId = slash > 0 ? model.slice(0, slash) : undefined;
    const target = providerId ? { provider: providerId, model: model.slice(slash + 1) } : undefined;
    if (!target || !target.model || !config.gateway.allowDirectModels || !config.providers.some((p) => p.id === target.provider)) {
      throw errors.modelNotFound(model);
    }
    resolved = { requested: model, strategy: 'fallback', targets: [target] };
  }
  if (!tenantMayUse(tenant, model)) throw errors.modelNotAllowed(model);
  return resolved;
}

/** An allow-list entry is an alias, a provider-id/model name, or provider-id/* for all of a provider. */
export function tenantMayUse(tenant: Tenant, model: string): boolean {
  if (!tenant.models) return true;
  if (tenant.models.includes(model)) return true;
  const slash = model.indexOf('/');
  return slash > 0 && tenant.models.includes(`${model.slice(0, slash)}/*`);
}
