// The `mock` provider: answers without a network so `npm start` works with no keys. It echoes the last
// user message (or calls the forced tool with it), streams word by word, and reports usage.
import { createHash, randomUUID } from 'node:crypto';
import { maxOutputTokens, messageText, type ChatRequest } from '../../core/openai/chat-request';
import type { ChatCompletionChunk, Usage } from '../../core/openai/chat-response';
import { estimateChatInputTokens, estimateTextTokens } from '../../core/tokens';
import type { ProviderFactory } from '../types';
import { chatCompletion } from '../shared/answer';
import { embeddingsList } from '../shared/embeddings';
import { epochSeconds, newId } from '../shared/ids';
import { ChunkBuilder } from '../shared/stream';

const DEFAULT_EMBEDDING_DIMENSIONS = 256;

export const createMockProvider: ProviderFactory = (config, deps) => ({
  id: config.id,
  type: config.type,
  config,
  isConfigured: async () => true,

  async chat(req, model) {
    const answer = mockAnswer(req);
    return chatCompletion({
      id: newId('chatcmpl-'),
      created: epochSeconds(deps.clock.now()),
      model,
      text: answer.toolCall ? '' : answer.text,
      toolCalls: answer.toolCall ? [answer.toolCall] : [],
      finishReason: answer.finishReason,
      usage: answer.usage,
    });
  },

  async chatStream(req, model, opts) {
    const answer = mockAnswer(req);
    const chunks = new ChunkBuilder(newId('chatcmpl-'), model, epochSeconds(deps.clock.now()));
    return (async function* (): AsyncGenerator<ChatCompletionChunk> {
      yield chunks.delta({ role: 'assistant', content: '' });
      if (answer.toolCall) {
        yield chunks.delta({ tool_calls: [{ index: 0, ...answer.toolCall }] });
      } else {
        const words = answer.text.split(/(?<= )/);
        for (const word of words) {
          if (opts.signal.aborted) return;
          // let each word leave as its own chunk, as a real provider's tokens do
          await new Promise<void>((resolve) => setImmediate(resolve));
          yield chunks.delta({ content: word });
        }
      }
      yield chunks.delta({}, answer.finishReason);
      yield chunks.usage(answer.usage);
    })();
  },

  async embeddings(req, model) {
    // token-id inputs too: the mock embeds whatever it is given
    const inputs = typeof req.input === 'string' ? [req.input] : req.input.map((i) => (typeof i === 'string' ? i : JSON.stringify(i)));
    return embeddingsList(req, model, inputs.map((input) => embed(input, req.dimensions ?? DEFAULT_EMBEDDING_DIMENSIONS)));
  },

  async probe() {},
});

interface MockAnswer {
  text: string;
  finishReason: 'stop' | 'length' | 'tool_calls';
  toolCall?: { id: string; type: 'function'; function: { name: string; arguments: string } };
  usage: Usage;
}

function mockAnswer(req: ChatRequest): MockAnswer {
  const last = req.messages[req.messages.length - 1];
  const lastUser = [...req.messages].reverse().find((m) => m.role === 'user');
  // after a tool result, report it, so a tool round trip can be tried end to end
  const echoed = last?.role === 'tool' ? `Tool result: ${messageText(last.content)}` : messageText(lastUser?.content ?? '') || '(no user message)';
  // a word a token, and no more words than the output cap, as a provider honours max_tokens
  const cap = maxOutputTokens(req);
  const words = echoed.split(/(?<= )/);
  const cut = cap !== undefined && words.filter((w) => w.trim()).length > cap;
  const text = cut ? words.slice(0, cap).join('').trimEnd() : echoed;
  const forced = forcedTool(req);
  const toolCall = forced && last?.role !== 'tool'
    ? { id: `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`, type: 'function' as const, function: { name: forced, arguments: JSON.stringify({ input: text }) } }
    : undefined;
  const prompt = estimateChatInputTokens(req, 'mock');
  const completion = toolCall ? estimateTextTokens(toolCall.function.arguments) : text.split(/\s+/).filter(Boolean).length;
  const finishReason = toolCall ? 'tool_calls' : cut ? 'length' : 'stop';
  return { text, toolCall, finishReason, usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } };
}

/** the tool the request forces (tool_choice required / a named function), if any */
function forcedTool(req: ChatRequest): string | undefined {
  if (!req.tools?.length) return undefined;
  if (typeof req.tool_choice === 'object') return req.tool_choice.function.name;
  if (req.tool_choice === 'required') return req.tools[0]!.function.name;
  return undefined;
}

/** A deterministic unit vector: the same text always embeds the same way. */
function embed(text: string, dimensions: number): number[] {
  const vector: number[] = [];
  let block = createHash('sha256').update(text).digest();
  for (let i = 0; i < dimensions; i++) {
    const offset = (i % 8) * 4;
    if (i > 0 && offset === 0) block = createHash('sha256').update(block).digest();
    vector.push(block.readInt32LE(offset) / 2 ** 31);
  }
  const norm = Math.sqrt(vector.reduce((s, v) => s + v * v, 0)) || 1;
  return vector.map((v) => v / norm);
}
