import { describe, expect, it } from 'vitest';
import { audioRated, costNanoUsd, formatUsd, tokenCounts } from '../../../lambdas/core/pricing/cost';
import { catalogModel, PriceBook } from '../../../lambdas/core/pricing/price-book';
import { validateGatewayConfig } from '../../../lambdas/core/config/load';

describe('pricing', () => {
  const price = { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3, cacheWritePerMTok: 3.75, cacheWrite1hPerMTok: 6 };

  it('prices fresh, cached and cache-written input and output separately', () => {
    const tokens = tokenCounts({
      prompt_tokens: 1_000_000 + 200_000 + 100_000,
      completion_tokens: 10_000,
      total_tokens: 0,
      prompt_tokens_details: { cached_tokens: 200_000, cache_write_tokens: 100_000 },
    });
    // 1M fresh × $3 + 0.2M × $0.30 + 0.1M × $3.75 + 0.01M × $15 = 3 + 0.06 + 0.375 + 0.15
    expect(costNanoUsd(tokens, price)).toBe(3_585_000_000);
  });

  it('prices one-hour cache writes at their rate, and all writes at it when the provider does not split them', () => {
    const usage = { prompt_tokens: 100_000, completion_tokens: 0, total_tokens: 100_000, prompt_tokens_details: { cache_write_tokens: 100_000 } };
    expect(costNanoUsd(tokenCounts(usage), price)).toBe(375_000_000);
    expect(costNanoUsd(tokenCounts(usage, { oneHourCache: true }), price)).toBe(600_000_000);
    const split = { ...usage, prompt_tokens_details: { cache_write_tokens: 100_000, cache_write_1h_tokens: 40_000 } };
    expect(costNanoUsd(tokenCounts(split, { oneHourCache: true }), price)).toBe(60_000 * 3750 + 40_000 * 6000);
  });

  it('charges cached tokens at the input price when no cache price is set', () => {
    const tokens = tokenCounts({ prompt_tokens: 100, completion_tokens: 0, total_tokens: 100, prompt_tokens_details: { cached_tokens: 40 } });
    expect(costNanoUsd(tokens, { inputPerMTok: 1, outputPerMTok: 2 })).toBe(100_000);
  });

  it('charges every token of a call at a tier once its input passes the tier threshold', () => {
    const tiered = { inputPerMTok: 3, outputPerMTok: 15, tiers: [{ aboveInputTokens: 200_000, inputPerMTok: 6, outputPerMTok: 22.5 }] };
    expect(costNanoUsd({ input: 200_000, output: 1_000, cachedInput: 0, cacheWrite: 0 }, tiered)).toBe(200_000 * 3_000 + 1_000 * 15_000);
    expect(costNanoUsd({ input: 200_001, output: 1_000, cachedInput: 0, cacheWrite: 0 }, tiered)).toBe(200_001 * 6_000 + 1_000 * 22_500);
  });

  it('charges all the input of a call that sends audio at the audio rate, when that is dearer', () => {
    const flash = { inputPerMTok: 0.3, outputPerMTok: 2.5, audioInputPerMTok: 1 };
    expect(audioRated(flash).inputPerMTok).toBe(1);
    expect(audioRated({ inputPerMTok: 2, outputPerMTok: 2, audioInputPerMTok: 1 }).inputPerMTok).toBe(2);
    expect(audioRated({ inputPerMTok: 2, outputPerMTok: 2 }).inputPerMTok).toBe(2);
  });

  it('formats nano-dollars as an exact decimal', () => {
    expect(formatUsd(2_550)).toBe('0.00000255');
    expect(formatUsd(1_000_000_000)).toBe('1');
    expect(formatUsd(12_345_678_901)).toBe('12.345678901');
    expect(formatUsd(0)).toBe('0');
  });
});

describe('PriceBook', () => {
  const model = (id: string, match: object, inputPerMTok: number) => ({ id, match, price: { inputPerMTok, outputPerMTok: inputPerMTok } });
  const config = validateGatewayConfig({
    providers: [
      { id: 'groq', type: 'openai', preset: 'groq' },
      { id: 'ollama', type: 'openai', preset: 'ollama', free: true },
      { id: 'claude', type: 'anthropic' },
    ],
    pricing: { 'groq/llama': { inputPerMTok: 0.1, outputPerMTok: 0.1 }, llama: { inputPerMTok: 9, outputPerMTok: 9 }, 'ollama/special': { inputPerMTok: 1, outputPerMTok: 1 } },
    catalogPrices: {
      claude: {
        source: 'test',
        models: [
          model('claude-sonnet-4-5', { or: [{ starts_with: 'claude-sonnet-4-5' }, { starts_with: 'claude-sonnet-4.5' }] }, 3),
          model('claude-fable-5', { or: [{ equals: 'claude-fable-5' }, { regex: '^claude-fable-5-\\d{8}$' }] }, 10),
          model('claude-dated', { equals: 'claude-dated-2025-09-29' }, 7),
        ],
      },
    },
  });
  const book = new PriceBook(config);

  it('takes provider/model from the config first, then a free provider, the bare model name, and the catalogue', () => {
    expect(book.priceOf('groq', 'llama')).toMatchObject({ source: 'config', price: { inputPerMTok: 0.1 } });
    expect(book.priceOf('ollama', 'special')).toMatchObject({ source: 'config', price: { inputPerMTok: 1 } });
    expect(book.priceOf('ollama', 'llama')).toMatchObject({ source: 'free', price: { inputPerMTok: 0 } });
    expect(book.priceOf('claude', 'llama')).toMatchObject({ source: 'config', price: { inputPerMTok: 9 } });
    expect(book.priceOf('claude', 'claude-sonnet-4-5-20250929')).toMatchObject({ source: 'catalogue', price: { inputPerMTok: 3 } });
    expect(book.priceOf('groq', 'unknown')).toBeUndefined();
  });

  it('matches as the catalogue does: case-insensitive rules, regexes, and compact dates spelled out', () => {
    const catalogue = config.catalogPrices!.claude!;
    expect(catalogModel(catalogue, 'Claude-Sonnet-4.5')?.id).toBe('claude-sonnet-4-5');
    expect(catalogModel(catalogue, 'claude-fable-5-20261001')?.id).toBe('claude-fable-5');
    expect(catalogModel(catalogue, 'claude-fable-5-evil')).toBeUndefined();
    expect(catalogModel(catalogue, 'claude-dated-20250929')?.id).toBe('claude-dated');
    expect(catalogModel(catalogue, 'claude-dated-20250931')).toBeUndefined();
  });
});
