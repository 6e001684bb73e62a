// The maintained price catalogue (@pydantic/genai-prices: ~1,100 models of every provider type Switchboard
// speaks, updated weekly) resolved into the config for the providers it names: each provider's models with
// their match logic and today's price in the gateway's form. It runs where the gateway starts (npm start) and
// at synth, never in a function: the Lambda bundle carries the resolved prices, not the catalogue.
import { findProvider, type ModelInfo, type ModelPrice as CatalogPrice, type Provider as CatalogProvider } from '@pydantic/genai-prices';
import type { CatalogPrices, GatewayConfig, ModelPrice, ProviderConfig } from '../../core/config/schema';
import { catalogModel } from '../../core/pricing/price-book';
import { canonicalModel, EVERY_MODEL } from '../../core/routing/model-names';
import { OPENAI_PRESETS } from '../../providers/openai/presets';

const CATALOGUE = 'genai-prices';

/** the catalogue's provider for each provider type that is not OpenAI-compatible */
const CATALOG_BY_TYPE: Partial<Record<ProviderConfig['type'], string>> = {
  anthropic: 'anthropic',
  gemini: 'google',
  bedrock: 'aws',
  cohere: 'cohere',
};

/** presets of self-hosted servers: nothing prices them but the operator (`free: true` or `pricing`) */
const SELF_HOSTED_PRESETS = new Set(['ollama', 'vllm']);

/** The config with `catalogPrices` filled in for every provider the catalogue knows (a config that has them is kept). */
export function withCatalogPrices(config: GatewayConfig, now = new Date()): GatewayConfig {
  if (config.catalogPrices) return config;
  const catalogPrices: Record<string, CatalogPrices> = {};
  for (const provider of config.providers) {
    const resolved = catalogFor(provider, config, now);
    if (resolved) catalogPrices[provider.id] = resolved;
  }
  return { ...config, catalogPrices };
}

/** The catalogue's provider id for a provider entry, or undefined when it has none (self-hosted, mock, unknown host). */
function catalogIdOf(provider: ProviderConfig): string | undefined {
  if (provider.priceCatalog) return provider.priceCatalog;
  if (provider.free || provider.type === 'mock') return undefined;
  if (provider.type !== 'openai') return CATALOG_BY_TYPE[provider.type];
  if (provider.preset) return SELF_HOSTED_PRESETS.has(provider.preset) ? undefined : provider.preset;
  const baseUrl = provider.baseUrl ?? OPENAI_PRESETS.openai.baseUrl;
  return findProvider({ providerApiUrl: baseUrl })?.id;
}

function catalogFor(provider: ProviderConfig, config: GatewayConfig, now: Date): CatalogPrices | undefined {
  const id = catalogIdOf(provider);
  if (!id) return undefined;
  const source = findProvider({ providerId: id });
  if (!source) throw new Error(`provider "${provider.id}": the price catalogue has no provider "${id}" (priceCatalog)`);
  const models = [source, ...fallbacks(source)].flatMap((p) => p.models.flatMap((m) => convert(m, now)));
  const resolved: CatalogPrices = { source: `${CATALOGUE}: ${source.id}`, models };
  // Only the catalogue models the config names are kept (their dated snapshots with them), unless the entry
  // lists "*": a function carries what it may call, and a provider's whole catalogue is 20-200 KB of bundle.
  if (!(config.gateway.allowDirectModels && provider.models?.includes(EVERY_MODEL))) {
    const named = namedModels(config, provider);
    resolved.models = models.filter((m) => named.some((name) => catalogModel({ ...resolved, models: [m] }, name)));
  }
  return resolved;
}

function fallbacks(source: CatalogProvider): CatalogProvider[] {
  return (source.fallback_model_providers ?? []).flatMap((id) => findProvider({ providerId: id }) ?? []);
}

/** every model name the config routes to at this provider (alias targets, shadows, its `models` list) */
export function namedModels(config: GatewayConfig, provider: ProviderConfig): string[] {
  const names = new Set((provider.models ?? []).filter((m) => m !== EVERY_MODEL));
  for (const alias of config.models) {
    for (const t of [...alias.targets, ...(alias.shadow ? [alias.shadow] : [])]) if (t.provider === provider.id) names.add(t.model);
  }
  return [...names].map((name) => canonicalModel(provider.type, name));
}

/**
 * A catalogue model's price in force at `now`, in the gateway's form. Rates the gateway cannot tell apart in
 * reported usage fail closed: input is charged at the dearest of the text, image and video input rates (a call
 * that sends audio: at the audio rate, when dearer), output at the dearest of the text, reasoning, image, audio
 * and video output rates. A model with no token prices (image generation, transcription) is left out.
 */
function convert(model: ModelInfo, now: Date): Array<CatalogPrices['models'][number]> {
  const p = activePrice(model, now);
  const input = dearest(p, ['input_mtok', 'input_image_mtok', 'input_video_mtok']);
  const audio = rate(p.input_audio_mtok);
  const output = dearest(p, ['output_mtok', 'output_reasoning_mtok', 'output_image_mtok', 'output_audio_mtok', 'output_video_mtok']);
  if (!input) return [];
  const price: ModelPrice = { inputPerMTok: input.base, outputPerMTok: output?.base ?? 0 };
  if (audio && audio.base > input.base) price.audioInputPerMTok = audio.base;
  const extras = { cachedInputPerMTok: rate(p.cache_read_mtok), cacheWritePerMTok: rate(p.cache_write_mtok), cacheWrite1hPerMTok: rate(p.cache_write_1h_mtok) };
  for (const [key, value] of Object.entries(extras)) if (value) Object.assign(price, { [key]: value.base });
  const starts = [...new Set([input, output, ...Object.values(extras)].flatMap((r) => r?.tiers.map((t) => t.start) ?? []))].sort((a, b) => a - b);
  if (starts.length) {
    price.tiers = starts.map((start) => ({
      aboveInputTokens: start,
      inputPerMTok: at(input, start),
      outputPerMTok: output ? at(output, start) : 0,
      ...Object.fromEntries(Object.entries(extras).flatMap(([key, value]) => (value ? [[key, at(value, start)]] : []))),
    }));
  }
  return [{ id: model.id, match: model.match as CatalogPrices['models'][number]['match'], price }];
}

function activePrice(model: ModelInfo, now: Date): CatalogPrice {
  if (!Array.isArray(model.prices)) return model.prices;
  // the last entry whose start date has come, as the catalogue itself chooses
  for (let i = model.prices.length - 1; i >= 0; i--) {
    const entry = model.prices[i]!;
    const c = entry.constraint;
    if (!c || (c.type === 'start_date' && now >= new Date(c.start_date))) return entry.prices;
  }
  return model.prices[0]!.prices;
}

interface Rate {
  base: number;
  tiers: Array<{ start: number; price: number }>;
}

function rate(value: CatalogPrice[string]): Rate | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return { base: value, tiers: [] };
  return { base: value.base, tiers: [...value.tiers].sort((a, b) => a.start - b.start) };
}

/** the rate in force once input passes `start` */
function at(r: Rate, start: number): number {
  let price = r.base;
  for (const tier of r.tiers) if (tier.start <= start) price = tier.price;
  return price;
}

/** the highest of several rates, tier by tier */
function dearest(p: CatalogPrice, keys: string[]): Rate | undefined {
  const rates = keys.flatMap((k) => rate(p[k]) ?? []);
  if (!rates.length) return undefined;
  const starts = [...new Set(rates.flatMap((r) => r.tiers.map((t) => t.start)))].sort((a, b) => a - b);
  return { base: Math.max(...rates.map((r) => r.base)), tiers: starts.map((start) => ({ start, price: Math.max(...rates.map((r) => at(r, start))) })) };
}

/** Targets the config routes to that nothing prices: each would be skipped at every call. */
export function unpricedTargets(config: GatewayConfig, priceOf: (provider: string, model: string) => unknown): string[] {
  const out = new Set<string>();
  for (const alias of config.models) {
    for (const t of [...alias.targets, ...(alias.shadow ? [alias.shadow] : [])]) {
      const provider = config.providers.find((p) => p.id === t.provider);
      if (provider && !priceOf(provider.id, canonicalModel(provider.type, t.model))) out.add(`${alias.name} → ${t.provider}/${t.model}`);
    }
  }
  return [...out];
}
