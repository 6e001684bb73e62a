// Which targets may serve a request: a model alias from the config, or provider-id/model addressing one
// target directly; whether this tenant may use it; and each target's price. A target nothing prices is left
// out, so no call reaches a provider unpriced; a request left with no priced target is refused.
import type { GatewayConfig, ModelAlias, ModelPrice, ModelTarget } from '../config/schema';
import { errors } from '../errors';
import type { PriceBook } from '../pricing/price-book';
import type { Tenant } from '../tenants/directory';
import { canonicalModel } from './model-names';

/** a target with its model's canonical name and the price its calls are charged at */
export interface PricedTarget extends ModelTarget {
  price: ModelPrice;
}

export interface ResolvedModel {
  /** what the caller asked for */
  requested: string;
  alias?: ModelAlias;
  strategy: ModelAlias['strategy'];
  targets: PricedTarget[];
  /** the caller named provider-id/model itself rather than an alias */
  direct: boolean;
  /** targets of the alias that nothing prices: never called */
  unpriced: ModelTarget[];
}

export function resolveModel(model: string, config: GatewayConfig, tenant: Tenant, prices: PriceBook): ResolvedModel {
  const alias = config.models.find((m) => m.name === model);
  if (alias) {
    if (!tenantMayUse(tenant, model)) throw errors.modelNotAllowed(model);
    const targets: PricedTarget[] = [];
    const unpriced: ModelTarget[] = [];
    for (const target of alias.targets) {
      const type = config.providers.find((p) => p.id === target.provider)?.type;
      const canonical = type ? { ...target, model: canonicalModel(type, target.model) } : target;
      const quote = prices.priceOf(canonical.provider, canonical.model);
      if (quote) targets.push({ ...canonical, price: quote.price });
      else unpriced.push(canonical);
    }
    if (!targets.length) throw errors.modelNotPriced(model);
    return { requested: model, alias, strategy: alias.strategy, targets, direct: false, unpriced };
  }
  const slash = model.indexOf('/');
  const provider = slash > 0 && config.gateway.allowDirectModels ? config.providers.find((p) => p.id === model.slice(0, slash)) : undefined;
  if (!provider || slash === model.length - 1) throw errors.modelNotFound(model);
  const name = canonicalModel(provider.type, model.slice(slash + 1));
  const addressed = `${provider.id}/${name}`;
  if (!tenantMayUse(tenant, addressed) && !tenantMayUse(tenant, model)) throw errors.modelNotAllowed(model);
  // direct addressing reaches what the provider lists or something prices, and never an unpriced model
  const quote = prices.priceOf(provider.id, name);
  if (!quote) throw errors.modelNotPriced(model);
  return { requested: model, strategy: 'fallback', targets: [{ provider: provider.id, model: name, price: quote.price }], direct: true, unpriced: [] };
}

/** An allow-list entry is an alias, a provider-id/model name, or provider-id/* for all of a provider. */
export function tenantMayUse(tenant: Tenant, model: string): boolean {
  if (!tenant.models) return true;
  if (tenant.models.includes(model)) return true;
  const slash = model.indexOf('/');
  return slash > 0 && tenant.models.includes(`${model.slice(0, slash)}/*`);
}
