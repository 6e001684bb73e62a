// Which price applies to a provider's model. In order: the config's `pricing` for `provider-id/model`, the
// provider's `free: true`, the config's `pricing` for the bare model name, then the price catalogue resolved at
// start or synth (config.catalogPrices). A model none of them prices has no price, and no call reaches it.
import type { CatalogMatch, CatalogPrices, GatewayConfig, ModelPrice } from '../config/schema';
import { FREE } from './cost';

export interface PriceQuote {
  price: ModelPrice;
  /** where the price came from, for logs and the ledger */
  source: 'config' | 'free' | 'catalogue';
}

/** distinct names remembered per book; past this the memo starts over (names are tenant-chosen) */
const MEMO_LIMIT = 4_096;

export class PriceBook {
  readonly #config: Pick<GatewayConfig, 'providers' | 'pricing' | 'catalogPrices'>;
  readonly #free: Set<string>;
  readonly #memo = new Map<string, PriceQuote | null>();

  constructor(config: Pick<GatewayConfig, 'providers' | 'pricing' | 'catalogPrices'>) {
    this.#config = config;
    this.#free = new Set(config.providers.filter((p) => p.free).map((p) => p.id));
  }

  /** The price of `model` (its canonical name) at `providerId`, or undefined: nothing prices it. */
  priceOf(providerId: string, model: string): PriceQuote | undefined {
    const key = `${providerId}/${model}`;
    let quote = this.#memo.get(key);
    if (quote === undefined) {
      quote = this.#lookup(providerId, model) ?? null;
      if (this.#memo.size >= MEMO_LIMIT) this.#memo.clear();
      this.#memo.set(key, quote);
    }
    return quote ?? undefined;
  }

  #lookup(providerId: string, model: string): PriceQuote | undefined {
    const { pricing, catalogPrices } = this.#config;
    const own = pricing[`${providerId}/${model}`];
    if (own) return { price: own, source: 'config' };
    if (this.#free.has(providerId)) return { price: FREE, source: 'free' };
    const bare = pricing[model];
    if (bare) return { price: bare, source: 'config' };
    const catalogue = catalogPrices?.[providerId];
    const price = catalogue && catalogModel(catalogue, model)?.price;
    return price ? { price, source: 'catalogue' } : undefined;
  }
}

/**
 * The catalogue's model for a name, as genai-prices finds it: the first whose match logic takes the lower-cased
 * name, else the first that takes it with a compact date suffix spelled out (-20250929 → -2025-09-29).
 */
export function catalogModel(catalogue: CatalogPrices, model: string): CatalogPrices['models'][number] | undefined {
  const name = model.toLowerCase().trim();
  const found = catalogue.models.find((m) => matches(m.match, name));
  if (found) return found;
  const dated = withDashedDates(name);
  return dated === name ? undefined : catalogue.models.find((m) => matches(m.match, dated));
}

function matches(logic: CatalogMatch, name: string): boolean {
  if ('or' in logic) return logic.or.some((l) => matches(l, name));
  if ('and' in logic) return logic.and.every((l) => matches(l, name));
  if ('equals' in logic) return name === logic.equals.toLowerCase();
  if ('starts_with' in logic) return name.startsWith(logic.starts_with.toLowerCase());
  if ('ends_with' in logic) return name.endsWith(logic.ends_with.toLowerCase());
  if ('contains' in logic) return name.includes(logic.contains.toLowerCase());
  return new RegExp(logic.regex).test(name);
}

const COMPACT_DATE = /(-)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g;

function withDashedDates(name: string): string {
  return name.replace(COMPACT_DATE, (whole, dash: string, y: string, m: string, d: string) => {
    const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
    return date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d) ? `${dash}${y}-${m}-${d}` : whole;
  });
}
