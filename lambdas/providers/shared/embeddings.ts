// Embeddings in OpenAI's shape from any provider's vectors, in float or base64 (the OpenAI SDKs ask for base64
// by default and decode it themselves).
import type { EmbeddingsRequest } from '../../core/openai/chat-request';
import type { EmbeddingsResponse } from '../../core/openai/chat-response';
import { estimateEmbeddingsInputTokens } from '../../core/tokens';
import { unsupported } from './errors';

/** The texts to embed; token-id inputs are OpenAI's own and no other provider reads them. */
export function embeddingTexts(provider: string, req: EmbeddingsRequest): string[] {
  if (typeof req.input === 'string') return [req.input];
  const texts: string[] = [];
  for (const item of req.input) {
    if (typeof item !== 'string') throw unsupported(provider, 'token-id embedding inputs (send text)');
    texts.push(item);
  }
  return texts;
}

export function toBase64(vector: readonly number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

/** `promptTokens` as the provider reported it; estimated when it reports none. */
export function embeddingsList(req: EmbeddingsRequest, model: string, vectors: readonly number[][], promptTokens?: number): EmbeddingsResponse {
  const tokens = promptTokens ?? estimateEmbeddingsInputTokens(req);
  return {
    object: 'list',
    model,
    data: vectors.map((vector, index) => ({ object: 'embedding', index, embedding: req.encoding_format === 'base64' ? toBase64(vector) : vector })),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
