// What a call cost, from the provider's reported usage and the model's price. Money is integer nano-dollars,
// so the ledger's sums are exact.
import type { ModelPrice } from '../config/schema';
import type { Usage } from '../openai/chat-response';
import type { TokenCounts } from '../ports';

const NANO_PER_USD = 1_000_000_000;

/** A price with no charge at all: self-hosted providers (`free: true`). */
export const FREE: ModelPrice = { inputPerMTok: 0, outputPerMTok: 0 };

/**
 * OpenAI's usage counts cached and cache-written tokens inside prompt_tokens; split them out. `oneHourCache`:
 * the request asked for one-hour cache entries and the provider did not say how many of its writes were
 * such, so every write is priced at the one-hour rate (never less than what was bought).
 */
export function tokenCounts(usage: Usage | undefined | null, opts: { oneHourCache?: boolean } = {}): TokenCounts {
  const details = usage?.prompt_tokens_details;
  const cachedInput = details?.cached_tokens ?? 0;
  const cacheWrite = details?.cache_write_tokens ?? 0;
  const reported1h = typeof details?.cache_write_1h_tokens === 'number' ? details.cache_write_1h_tokens : undefined;
  const tokens: TokenCounts = { input: usage?.prompt_tokens ?? 0, output: usage?.completion_tokens ?? 0, cachedInput, cacheWrite };
  const cacheWrite1h = reported1h ?? (opts.oneHourCache ? cacheWrite : 0);
  if (cacheWrite1h > 0) tokens.cacheWrite1h = Math.min(cacheWrite1h, cacheWrite);
  return tokens;
}

/** The rates that apply to a call with this much input: a tier's, once the input passes its threshold. */
function ratesFor(price: ModelPrice, inputTokens: number): ModelPrice {
  let rates = price;
  for (const tier of price.tiers ?? []) if (inputTokens > tier.aboveInputTokens) rates = { ...price, ...tier };
  return rates;
}

export function costNanoUsd(tokens: TokenCounts, price: ModelPrice): number {
  const r = ratesFor(price, tokens.input);
  const cacheWrite1h = tokens.cacheWrite1h ?? 0;
  const freshInput = Math.max(0, tokens.input - tokens.cachedInput - tokens.cacheWrite);
  const input = r.inputPerMTok;
  // per-million-token prices: USD per token × 1e9 nano = price × 1e3
  const nano =
    freshInput * input * 1e3 +
    tokens.cachedInput * (r.cachedInputPerMTok ?? input) * 1e3 +
    (tokens.cacheWrite - cacheWrite1h) * (r.cacheWritePerMTok ?? input) * 1e3 +
    cacheWrite1h * (r.cacheWrite1hPerMTok ?? r.cacheWritePerMTok ?? input) * 1e3 +
    tokens.output * r.outputPerMTok * 1e3;
  return Math.round(nano);
}

/**
 * The price of a call that sends audio: all of its input at the audio rate when that is dearer (providers do not
 * always say how much of the input was audio, so none of it is charged below the audio rate).
 */
export function audioRated(price: ModelPrice): ModelPrice {
  const audio = price.audioInputPerMTok;
  if (audio === undefined || audio <= price.inputPerMTok) return price;
  return { ...price, inputPerMTok: audio, tiers: price.tiers?.map((t) => ({ ...t, inputPerMTok: Math.max(t.inputPerMTok ?? 0, audio) })) };
}

export function usdToNano(usd: number): number {
  return Math.round(usd * NANO_PER_USD);
}

/** "0.000123" style: exact decimal of the nano-dollar integer, without trailing zeros. */
export function formatUsd(nano: number): string {
  const sign = nano < 0 ? '-' : '';
  const abs = Math.abs(Math.round(nano));
  const whole = Math.floor(abs / NANO_PER_USD);
  const frac = String(abs % NANO_PER_USD).padStart(9, '0').replace(/0+$/, '');
  return `${sign}${whole}${frac ? `.${frac}` : ''}`;
}
