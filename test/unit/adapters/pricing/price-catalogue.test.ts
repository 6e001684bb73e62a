// The catalogue resolved into the config prices a model as genai-prices itself does: the same model for the same
// name (match rules, dated snapshots), at today's base rates; and only the models the config names travel with it.
import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { withCatalogPrices } from '../../../../lambdas/adapters/pricing/price-catalogue';
import { validateGatewayConfig } from '../../../../lambdas/core/config/load';
import { PriceBook } from '../../../../lambdas/core/pricing/price-book';

const config = withCatalogPrices(
  validateGatewayConfig({
    providers: [
      { id: 'oai', type: 'openai', models: ['*'] },
      { id: 'claude', type: 'anthropic', models: ['*'] },
      { id: 'gem', type: 'gemini', models: ['*'] },
      { id: 'aws', type: 'bedrock', models: ['*'] },
      { id: 'groq', type: 'openai', preset: 'groq', models: ['*'] },
      { id: 'named', type: 'openai', models: ['gpt-4o-mini'] },
      { id: 'ollama', type: 'openai', preset: 'ollama' },
    ],
  }),
);
const book = new PriceBook(config);

describe('the price catalogue in the config', () => {
  it.each([
    ['oai', 'openai', 'gpt-4o-mini'],
    ['oai', 'openai', 'gpt-4o-mini-2024-07-18'],
    ['oai', 'openai', 'gpt-4o'],
    ['oai', 'openai', 'text-embedding-3-small'],
    ['claude', 'anthropic', 'claude-sonnet-4-5-20250929'],
    ['claude', 'anthropic', 'claude-3-5-haiku-20241022'],
    ['claude', 'anthropic', 'claude-opus-4-1'],
    ['gem', 'google', 'gemini-2.5-pro'],
    ['gem', 'google', 'gemini-2.5-flash'],
    ['aws', 'aws', 'anthropic.claude-sonnet-4-5-20250929-v1:0'],
    ['aws', 'aws', 'amazon.nova-lite-v1:0'],
    ['groq', 'groq', 'llama-3.3-70b-versatile'],
  ])('%s/%s: the catalogue’s own price for %s', (provider, catalogue, model) => {
    const theirs = calcPrice({ input_tokens: 1_000_000, output_tokens: 1_000_000 }, model, { providerId: catalogue });
    const ours = book.priceOf(provider, model);
    expect(theirs).not.toBeNull();
    expect(ours?.source).toBe('catalogue');
    const base = (v: unknown) => (typeof v === 'number' ? v : (v as { base: number }).base);
    expect(ours!.price.inputPerMTok).toBe(base(theirs!.model_price.input_mtok));
    expect(ours!.price.outputPerMTok).toBe(base(theirs!.model_price.output_mtok ?? 0));
  });

  it('keeps a dearer audio input rate apart from the text rate', () => {
    const flash = book.priceOf('gem', 'gemini-2.5-flash')!.price;
    expect(flash.inputPerMTok).toBe(0.3);
    expect(flash.audioInputPerMTok).toBe(1);
  });

  it('keeps long-context tiers', () => {
    expect(book.priceOf('claude', 'claude-sonnet-4-5')!.price.tiers).toEqual([expect.objectContaining({ aboveInputTokens: 200_000, inputPerMTok: 6, outputPerMTok: 22.5 })]);
  });

  it('carries only the models the config names, with their snapshots, unless the provider lists "*"', () => {
    expect(config.catalogPrices!.named!.models.map((m) => m.id)).toEqual(['gpt-4o-mini']);
    expect(book.priceOf('named', 'gpt-4o-mini-2024-07-18')?.price.inputPerMTok).toBe(0.15);
    expect(book.priceOf('named', 'gpt-4o')).toBeUndefined();
    expect(config.catalogPrices!.oai!.models.length).toBeGreaterThan(50);
  });

  it('has nothing for a self-hosted preset or a name the catalogue does not know', () => {
    expect(config.catalogPrices!.ollama).toBeUndefined();
    expect(book.priceOf('oai', 'gpt-4o-2099-01-01')).toBeUndefined();
  });
});
