import { describe, expect, it } from 'vitest';
import { costNanoUsd, formatUsd, priceFor, tokenCounts } from '../../../lambdas/core/pricing/cost';

describe('pricing', () => {
  const price = { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3, cacheWritePerMTok: 3.75 };

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

  it('charges cached tokens at the input price when no cache price is set', () => {
    const tokens = tokenCounts({ prompt_tokens: 100, completion_tokens: 0, total_tokens: 100, prompt_tokens_details: { cached_tokens: 40 } });
    expect(costNanoUsd(tokens, { inputPerMTok: 1, outputPerMTok: 2 })).toBe(100_000);
  });

  it('looks up provider/model before the bare model name', () => {
    const table = { 'groq/llama': { inputPerMTok: 0.1, outputPerMTok: 0.1 }, llama: { inputPerMTok: 9, outputPerMTok: 9 } };
    expect(priceFor(table, 'groq', 'llama')?.inputPerMTok).toBe(0.1);
    expect(priceFor(table, 'ollama', 'llama')?.inputPerMTok).toBe(9);
    expect(priceFor(table, 'x', 'unknown')).toBeUndefined();
  });

  it('formats nano-dollars as an exact decimal', () => {
    expect(formatUsd(2_550)).toBe('0.00000255');
    expect(formatUsd(1_000_000_000)).toBe('1');
    expect(formatUsd(12_345_678_901)).toBe('12.345678901');
    expect(formatUsd(0)).toBe('0');
  });
});
