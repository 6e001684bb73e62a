// Each provider's image formula against the worked examples its documentation publishes (docs/token-estimates.md
// cites each page), and the bounds for an image of unknown size against every size the provider accepts.
import { describe, expect, it } from 'vitest';
import {
  anthropicImageTokens,
  anyImage,
  CLAUDE_1568_UNKNOWN_SIZE,
  CLAUDE_UNKNOWN_SIZE,
  cohereImageTokens,
  familyBounds,
  GEMINI_UNKNOWN_SIZE,
  geminiImageTokens,
  openAIPatchTokens,
  openAITileTokens,
  openAIVision,
} from '../../../lambdas/core/tokens/families';

const size = (width: number, height: number) => ({ width, height });

/** sizes from 1 px to `max` px a side, with both sides of every tile and patch edge where ceilings jump */
function grid(max: number): Array<{ width: number; height: number }> {
  const sides = new Set<number>([1, 2, max]);
  const step = Math.max(32, Math.ceil(max / 96 / 32) * 32);
  for (let s = step; s <= max; s += step) for (const d of [-1, 0, 1]) if (s + d >= 1 && s + d <= max) sides.add(s + d);
  for (const s of [28, 383, 384, 385, 511, 512, 513, 767, 768, 769, 1092, 1152, 1536, 1568, 2048, 2576, 3072]) if (s <= max) sides.add(s);
  const out = [];
  for (const w of sides) for (const h of sides) out.push(size(w, h));
  return out;
}

/** the sizes where `f` is above `limit` (none expected) */
function over(limit: number, f: (s: { width: number; height: number }) => number, sizes = grid(4096)) {
  return sizes.filter((s) => f(s) > limit).slice(0, 3);
}

describe('OpenAI image tokens', () => {
  it('tile models: the guide’s worked examples for GPT-4o', () => {
    expect(openAITileTokens(size(1024, 1024), 'high', 85, 170)).toBe(765);
    expect(openAITileTokens(size(2048, 4096), 'high', 85, 170)).toBe(1105);
    expect(openAITileTokens(size(4096, 8192), 'low', 85, 170)).toBe(85);
    // auto may pick high: counted as high
    expect(openAITileTokens(size(1024, 1024), 'auto', 85, 170)).toBe(765);
  });

  it('patch models: the guide’s worked examples (1024 patches, and 1452 after shrinking 1800 x 2400), times the multiplier', () => {
    expect(openAIPatchTokens(size(1024, 1024), 1)).toBe(1024);
    expect(openAIPatchTokens(size(1800, 2400), 1)).toBe(1452);
    expect(openAIPatchTokens(size(1800, 2400), 1.62)).toBe(Math.ceil(1452 * 1.62));
    expect(openAIPatchTokens(size(100_000, 100_000), 1)).toBeLessThanOrEqual(1536);
  });

  it('names each model’s scheme, GPT-4o mini’s 2833 + 5667 a tile included; unknown names get none', () => {
    const bounds = (model: string) => familyBounds('openai', model).image(size(1024, 1024), 'high');
    expect(bounds('gpt-4o-2024-08-06')).toBe(765);
    expect(bounds('gpt-4o-mini')).toBe(2833 + 4 * 5667);
    expect(bounds('ft:gpt-4o-mini-2024-07-18:acme::abc')).toBe(2833 + 4 * 5667);
    expect(bounds('gpt-4.1-mini')).toBe(Math.ceil(1024 * 1.62));
    expect(bounds('o4-mini')).toBe(Math.ceil(1024 * 1.72));
    expect(bounds('o3')).toBe(75 + 4 * 150);
    expect(bounds('gpt-5')).toBe(70 + 4 * 140);
    // GPT-4.1: tiles (765) or patches (1024), the dearer
    expect(bounds('gpt-4.1')).toBe(1024);
    expect(openAIVision('gpt-9-turbo')).toBeUndefined();
  });

  it('an OpenAI-series model it does not know is bounded by every OpenAI formula, at every size', () => {
    const unknown = familyBounds('openai', 'gpt-9-turbo');
    for (const model of ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'gpt-4.1-nano', 'o4-mini', 'o1', 'gpt-5', 'computer-use-preview']) {
      const known = familyBounds('openai', model);
      expect(grid(4096).filter((s) => unknown.image(s, 'high') < known.image(s, 'high'))).toEqual([]);
      expect(unknown.image(undefined, 'high')).toBeGreaterThanOrEqual(known.image(undefined, 'high'));
    }
  });

  it('an image of unknown size (an http URL) costs the most any size can', () => {
    for (const model of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-5-nano']) {
      const b = familyBounds('openai', model);
      const most = grid(8192).reduce((m, s) => Math.max(m, b.image(s, 'high')), 0);
      expect(b.image(undefined, 'high')).toBe(most);
    }
  });
});

describe('Anthropic image tokens', () => {
  it('meets the vision guide’s examples: 200 px ~54, 1000 px ~1334, 1092 px ~1590', () => {
    expect(anthropicImageTokens(size(200, 200), 'claude-sonnet-4-5')).toBeGreaterThanOrEqual(54);
    expect(anthropicImageTokens(size(1000, 1000), 'claude-sonnet-4-5')).toBe(1334);
    expect(anthropicImageTokens(size(1092, 1092), 'claude-3-5-sonnet-20241022')).toBe(1590);
  });

  it('resizes before counting: models before Opus 4.7 to 1568 px and about 1.15 MP, later ones to 2576 px', () => {
    const big = size(6000, 4000);
    expect(anthropicImageTokens(big, 'claude-sonnet-4-20250514')).toBeLessThanOrEqual(CLAUDE_1568_UNKNOWN_SIZE);
    expect(anthropicImageTokens(big, 'claude-sonnet-4-20250514')).toBeGreaterThanOrEqual(1_590);
    expect(anthropicImageTokens(big, 'claude-opus-4-7')).toBeGreaterThan(CLAUDE_1568_UNKNOWN_SIZE);
    expect(anthropicImageTokens(big, 'claude-opus-4-7')).toBeLessThanOrEqual(CLAUDE_UNKNOWN_SIZE);
    // Bedrock and Vertex spell model names their own way
    expect(familyBounds('bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0').image(big, 'auto')).toBeLessThanOrEqual(CLAUDE_1568_UNKNOWN_SIZE);
    expect(familyBounds('anthropic', 'claude-opus-4-1@20250805').image(big, 'auto')).toBeLessThanOrEqual(CLAUDE_1568_UNKNOWN_SIZE);
  });

  it('an image of unknown size costs at least what any size does', () => {
    const sizes = grid(8000);
    expect(over(anthropicImageTokens(undefined, 'claude-haiku-4-5'), (s) => anthropicImageTokens(s, 'claude-haiku-4-5'), sizes)).toEqual([]);
    expect(over(anthropicImageTokens(undefined, 'claude-opus-4-7'), (s) => anthropicImageTokens(s, 'claude-opus-4-7'), sizes)).toEqual([]);
  });
});

describe('Gemini image tokens', () => {
  it('meets the token guide: 258 for an image within 384 px, 258 per 768 px tile, and Gemini 3’s 1120 at high resolution', () => {
    expect(geminiImageTokens(size(384, 384))).toBeGreaterThanOrEqual(258);
    expect(geminiImageTokens(size(1536, 1536))).toBeGreaterThanOrEqual(4 * 258);
    expect(geminiImageTokens(size(3072, 3072))).toBeGreaterThanOrEqual(16 * 258);
    expect(geminiImageTokens(size(1000, 1000))).toBeGreaterThanOrEqual(1120);
  });

  it('an image of unknown size (a file URI) costs at least what any image within 3072 x 3072 does', () => {
    const sizes = grid(3072);
    for (let w = 1; w <= 3072; w++) sizes.push(size(w, 3072), size(w, 257), size(w, 385));
    expect(over(GEMINI_UNKNOWN_SIZE, geminiImageTokens, sizes)).toEqual([]);
  });
});

describe('other families', () => {
  it('Cohere: 256 a 512 px tile plus a thumbnail, and at least the 1,610 Oracle gives a 512 px image', () => {
    expect(cohereImageTokens(size(512, 512))).toBe(1610);
    expect(cohereImageTokens(size(1536, 2048))).toBe(256 * 13);
    expect(cohereImageTokens(undefined)).toBe(256 * 13);
  });

  it('Amazon Nova: above every example of its user guide (900 x 450 ~800 … 1.3K x 1.3K ~2,600)', () => {
    const nova = familyBounds('bedrock', 'us.amazon.nova-pro-v1:0');
    expect(nova.image(size(900, 450), 'auto')).toBeGreaterThanOrEqual(800);
    expect(nova.image(size(1300, 1300), 'auto')).toBeGreaterThanOrEqual(2600);
  });

  it('a model no family names (Llama, Qwen, Pixtral behind an OpenAI-compatible API) costs the dearest non-OpenAI scheme', () => {
    const open = familyBounds('openai', 'qwen2.5-vl-72b-instruct');
    const below = grid(4096).filter((s) => {
      const img = open.image(s, 'high');
      const qwen = Math.min(16_384, Math.ceil(s.width / 28) * Math.ceil(s.height / 28));
      return img < Math.max(anthropicImageTokens(s, 'claude-opus-4-7'), geminiImageTokens(s), cohereImageTokens(s), qwen);
    });
    expect(below).toEqual([]);
    expect(anyImage(undefined, 'high')).toBe(16_384);
  });
});
