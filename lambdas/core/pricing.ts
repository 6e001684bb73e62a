// What a call cost, from the provider's reported usage and the config's price table. Money is integer
// nano-dollars, so the ledger's sums are exact.
import type { GatewayConfig, ModelPrice } from './config/schema';
import type { Usage } from './openai/chat-response';
import type { TokenCounts } from './ports';

const NANO_PER_USD = 1_000_000_000;

/** `provider-id/model` first, so one model can be priced per provider, then the bare model name. */
export function priceFor(pricing: GatewayConfig['pricing'], provider: string, model: string): ModelPrice | undefined {
  return pricing[`${provider}/${model}`] ?? pricing[model];
}

/** OpenAI's usage counts cached and cache-written tokens inside prompt_tokens; split them out. */
export function tokenCounts(usage: Usage | undefined | null): TokenCounts {
  const cachedInput = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  const cacheWrite = usage?.prompt_tokens_details?.cache_write_tokens ?? 0;
  return { input: usage?.prompt_tokens ?? 0, output: usage?.completion_tokens ?? 0, cachedInput, cacheWrite };
}

export function costNanoUsd(tokens: TokenCounts, price: ModelPrice | undefined): number {
  if (!price) return 0;
  const freshInput = Math.max(0, tokens.input - tokens.cachedInput - tokens.cacheWrite);
  // per-million-token prices: USD per token × 1e9 nano = price × 1e3
  const nano =
    freshInput * price.inputPerMTok * 1e3 +
    tokens.cachedInput * (price.cachedInputPerMTok ?? price.inputPerMTok) * 1e3 +
    tokens.cacheWrite * (price.cacheWritePerMTok ?? price.inputPerMTok) * 1e3 +
    tokens.output * price.outputPerMTok * 1e3;
  return Math.round(nano);
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
