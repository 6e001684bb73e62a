// Whole requests: every part of a chat request counts (text of every role, names, tool calls and results,
// refusals, tool definitions, response schemas, tool_choice, images, audio, files, unknown fields), per family,
// and the estimate for a route is the dearest of its targets.
import { encode as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { chatRequest, embeddingsRequest, type ChatRequest } from '../../../lambdas/core/openai/chat-request';
import {
  estimateChatInputTokens,
  estimateChatUsage,
  estimateEmbeddingsInputTokens,
  estimateForTargets,
  tokenTargets,
  type ProviderFamily,
} from '../../../lambdas/core/tokens';
import { CLAUDE_1568_UNKNOWN_SIZE, GEMINI_UNKNOWN_SIZE } from '../../../lambdas/core/tokens/families';
import { dataUrl, mp3, mp3Seconds, pdf, png, wav } from '../../helpers/media-fixtures';

const tokens = (text: string) => o200k(text).length;
const chat = (body: Record<string, unknown>): ChatRequest => chatRequest.parse({ model: 'm', ...body });
const user = (content: unknown) => ({ role: 'user', content });
const FAMILIES: Array<[ProviderFamily, string]> = [
  ['openai', 'gpt-4o'],
  ['openai', 'gpt-4o-mini'],
  ['anthropic', 'claude-sonnet-4-5'],
  ['gemini', 'gemini-2.5-pro'],
  ['bedrock', 'anthropic.claude-3-5-sonnet-20240620-v1:0'],
  ['bedrock', 'amazon.nova-pro-v1:0'],
  ['cohere', 'command-a-vision-07-2025'],
  ['mock', 'echo'],
];

/** what the estimate adds for `extra` over the same request without it */
function added(base: Record<string, unknown>, extra: Record<string, unknown>, family: ProviderFamily = 'openai', model = 'gpt-4o'): number {
  return estimateChatInputTokens(chat({ ...base, ...extra }), family, model) - estimateChatInputTokens(chat(base), family, model);
}

describe('chat input estimates', () => {
  it("is at least what OpenAI bills for a conversation by its own recipe (o200k tokens, 3 a message, 1 a name, 3 to prime the reply)", () => {
    const messages = [
      { role: 'system', content: 'You are a terse assistant. 回答は日本語で。' },
      { role: 'user', name: 'ana', content: 'Summarise: 网关为每一次调用记账，这样运营方就能知道谁在什么时候花了多少钱。' },
      { role: 'assistant', content: 'function f(x) { return x ** 2 }; // 🚀🚀' },
      { role: 'user', content: [{ type: 'text', text: 'And in Korean? 게이트웨이는 모든 호출을 기록합니다.' }] },
    ];
    let real = 3;
    for (const m of messages) {
      const text = typeof m.content === 'string' ? m.content : m.content.map((p) => p.text).join('');
      real += 3 + tokens(m.role) + tokens(text) + ('name' in m && m.name ? 1 + tokens(m.name) : 0);
    }
    for (const [family, model] of FAMILIES) expect(estimateChatInputTokens(chat({ messages }), family, model)).toBeGreaterThanOrEqual(real);
  });

  const base = { messages: [user('hi')] };
  const weather = {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a city. Températures en °C, 天气.',
      parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name' }, unit: { enum: ['c', 'f'] } }, required: ['city'] },
    },
  };

  it('counts tool definitions with their schemas, and the tool prompt providers add', () => {
    const json = JSON.stringify(weather);
    expect(added(base, { tools: [weather] })).toBeGreaterThanOrEqual(tokens(json));
    // Anthropic's tool-use system prompt is up to 530 tokens
    expect(added(base, { tools: [weather] }, 'anthropic', 'claude-sonnet-4-5')).toBeGreaterThanOrEqual(tokens(json) + 530);
  });

  it('counts a response_format JSON schema and tool_choice', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string', description: 'the answer, in full sentences' }, confidence: { type: 'number' } } };
    const format = { type: 'json_schema', json_schema: { name: 'reply', schema } };
    expect(added(base, { response_format: format })).toBeGreaterThanOrEqual(tokens(JSON.stringify(schema)));
    // Claude gets the schema as a forced tool: its tool prompt too
    expect(added(base, { response_format: format }, 'anthropic', 'claude-sonnet-4-5')).toBeGreaterThanOrEqual(tokens(JSON.stringify(schema)) + 530);
    const choice = { type: 'function', function: { name: 'get_weather' } };
    expect(added({ ...base, tools: [weather] }, { tool_choice: choice })).toBeGreaterThanOrEqual(tokens(JSON.stringify(choice)));
  });

  it('counts tool calls (id, name, arguments), tool results, refusals and names', () => {
    const args = JSON.stringify({ city: 'Zürich', note: '天气很好'.repeat(20) });
    const call = { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc123', type: 'function', function: { name: 'get_weather', arguments: args } }] };
    const result = { role: 'tool', tool_call_id: 'call_abc123', content: '{"temp": 21, "sky": "晴れ"}'.repeat(10) };
    const messages = [user('weather?'), call, result];
    expect(estimateChatInputTokens(chat({ messages }), 'openai', 'gpt-4o')).toBeGreaterThanOrEqual(tokens(args) + tokens('get_weather') + tokens(result.content));
    const refusal = { role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot help with that request, sorry. '.repeat(20) }] };
    expect(added(base, { messages: [user("x"), refusal, user("y")] })).toBeGreaterThanOrEqual(tokens(refusal.content[0]!.refusal));
    const named = { messages: [{ role: 'user', name: 'a_rather_long_participant_name_0123456789', content: 'hi' }] };
    expect(estimateChatInputTokens(chat(named), 'openai', 'gpt-4o')).toBeGreaterThan(estimateChatInputTokens(chat(base), 'openai', 'gpt-4o') + 10);
  });

  it('counts fields it passes through to OpenAI-compatible upstreams (prediction, …)', () => {
    const prediction = { type: 'content', content: 'const x = 1;\n'.repeat(50) };
    expect(added(base, { prediction })).toBeGreaterThanOrEqual(tokens(prediction.content));
  });

  it('bounds a message for any tokenizer: CJK at 1 token a UTF-8 byte, not 4 characters a token', () => {
    const text = '中文文本的令牌数量'.repeat(200);
    const estimate = estimateChatInputTokens(chat({ messages: [user(text)] }), 'openai', 'gpt-4o');
    expect(estimate).toBeGreaterThanOrEqual(Buffer.byteLength(text));
    expect(estimate).toBeGreaterThan(tokens(text));
  });

  it('caps at the largest context window of the family: a longer prompt is refused, not billed', () => {
    const huge = chat({ messages: [user('x'.repeat(1_200_000))] });
    expect(estimateChatInputTokens(huge, 'anthropic', 'claude-sonnet-4-5')).toBe(1_000_000);
    expect(estimateChatInputTokens(huge, 'openai', 'llama3.2')).toBeGreaterThan(1_200_000);
  });
});

describe('non-text parts', () => {
  const image = (url: string, detail?: string) => ({ messages: [user([{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url, ...(detail ? { detail } : {}) } }])] });
  const text = { messages: [user([{ type: 'text', text: 'what is this?' }])] };
  const png1024 = dataUrl('image/png', png(1024, 1024));

  it("counts an image by each family's formula at the size its header gives, not its base64 text", () => {
    const gpt4o = added(text, image(png1024), 'openai', 'gpt-4o');
    expect(gpt4o).toBeGreaterThanOrEqual(765);
    expect(gpt4o).toBeLessThan(765 + 20);
    expect(added(text, image(png1024, 'low'), 'openai', 'gpt-4o')).toBeLessThan(85 + 20);
    expect(added(text, image(png1024), 'openai', 'gpt-4o-mini')).toBeGreaterThanOrEqual(2833 + 4 * 5667);
    expect(added(text, image(png1024), 'anthropic', 'claude-sonnet-4-5')).toBeGreaterThanOrEqual(Math.ceil((1024 * 1024) / 750));
    expect(added(text, image(png1024), 'gemini', 'gemini-2.5-flash')).toBeGreaterThanOrEqual(4 * 258);
    // a 4000 x 3000 photo is capped by the resize, though its base64 is long
    const photo = dataUrl('image/png', png(4000, 3000));
    expect(added(text, image(photo), 'anthropic', 'claude-sonnet-4-5')).toBeLessThan(CLAUDE_1568_UNKNOWN_SIZE + 20);
  });

  it("takes an http image (size unknown) at the family's most for one image", () => {
    const url = 'https://example.com/cat.jpg';
    expect(added(text, image(url), 'openai', 'gpt-4o')).toBeGreaterThanOrEqual(85 + 8 * 170);
    expect(added(text, image(url), 'anthropic', 'claude-sonnet-4-5')).toBeGreaterThanOrEqual(CLAUDE_1568_UNKNOWN_SIZE);
    expect(added(text, image(url), 'gemini', 'gemini-2.5-flash')).toBeGreaterThanOrEqual(GEMINI_UNKNOWN_SIZE);
  });

  it('counts audio at 32 tokens a second: WAV by its header, MP3 by its frames', () => {
    const audio = (data: Buffer, format: string) => ({ messages: [user([{ type: 'input_audio', input_audio: { data: data.toString('base64'), format } }])] });
    const empty = { messages: [user([{ type: 'text', text: '' }])] };
    expect(added(empty, audio(wav(10), 'wav'), 'gemini', 'gemini-2.5-flash')).toBeGreaterThanOrEqual(320);
    expect(added(empty, audio(mp3(400), 'mp3'), 'gemini', 'gemini-2.5-flash')).toBeGreaterThanOrEqual(Math.ceil(mp3Seconds(400) * 32));
  });

  it('counts a PDF by its pages, a file by id at the page limit, a text file by its text', () => {
    const file = (f: Record<string, unknown>) => ({ messages: [user([{ type: 'text', text: 'read' }, { type: 'file', file: f }])] });
    const read = { messages: [user([{ type: 'text', text: 'read' }])] };
    const three = added(read, file({ file_data: dataUrl('application/pdf', pdf(3)) }), 'anthropic', 'claude-sonnet-4-5');
    const six = added(read, file({ file_data: dataUrl('application/pdf', pdf(6)) }), 'anthropic', 'claude-sonnet-4-5');
    expect(three).toBeGreaterThanOrEqual(3 * 1_500);
    expect(six - three).toBeGreaterThanOrEqual(3 * 1_500);
    // bare base64 is a PDF, as the adapters take it
    expect(added(read, file({ file_data: pdf(3).toString('base64') }), 'anthropic', 'claude-sonnet-4-5')).toBe(three);
    expect(added(read, file({ file_id: 'file-abc' }), 'openai', 'gpt-4o')).toBeGreaterThanOrEqual(100 * 3_000);
    const notes = '日本語のメモ。'.repeat(300);
    expect(added(read, file({ file_data: dataUrl('text/plain', Buffer.from(notes)) }), 'anthropic', 'claude-sonnet-4-5')).toBeGreaterThanOrEqual(Buffer.byteLength(notes));
  });
});

describe('targets', () => {
  const req = chat({ messages: [user([{ type: 'text', text: 'describe' }, { type: 'image_url', image_url: { url: dataUrl('image/png', png(1024, 1024)) } }])] });

  it('reserves the dearest target: the max over their families', () => {
    const targets = [
      { family: 'openai' as const, model: 'gpt-4o' },
      { family: 'anthropic' as const, model: 'claude-sonnet-4-5' },
      { family: 'gemini' as const, model: 'gemini-2.5-pro' },
    ];
    const each = targets.map((t) => estimateChatInputTokens(req, t.family, t.model));
    expect(estimateForTargets(req, targets)).toBe(Math.max(...each));
    expect(new Set(each).size).toBe(3);
  });

  it('names each target’s family from the config; a provider it does not know is bounded as the dearest', () => {
    const providers = [
      { id: 'oai', type: 'openai' as const },
      { id: 'claude', type: 'anthropic' as const },
    ];
    const targets = tokenTargets([{ provider: 'oai', model: 'gpt-4o' }, { provider: 'claude', model: 'claude-haiku-4-5' }, { provider: 'gone', model: 'x' }], providers);
    expect(targets).toEqual([
      { family: 'openai', model: 'gpt-4o' },
      { family: 'anthropic', model: 'claude-haiku-4-5' },
      { family: undefined, model: 'x' },
    ]);
    expect(estimateForTargets(req, targets.slice(2))).toBeGreaterThanOrEqual(estimateForTargets(req, targets.slice(0, 2)));
  });
});

describe('usage of an answer the provider did not report', () => {
  it('counts the output shown by the same bound, so a cut CJK stream is never undercharged', () => {
    const output = '这是一个被截断的回答，'.repeat(50);
    const usage = estimateChatUsage(chat({ messages: [user('q')] }), output, 'openai', 'gpt-4o');
    expect(usage.completion_tokens).toBeGreaterThanOrEqual(tokens(output));
    expect(usage.completion_tokens).toBeGreaterThan(Math.ceil(output.length / 4)); // the old estimate
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
  });
});

describe('embeddings input estimates', () => {
  it('counts token-id inputs exactly', () => {
    expect(estimateEmbeddingsInputTokens(embeddingsRequest.parse({ model: 'e', input: [[1, 2, 3], [4, 5]] }), 'openai')).toBe(5);
    expect(estimateEmbeddingsInputTokens(embeddingsRequest.parse({ model: 'e', input: [7, 8, 9] }), 'openai')).toBe(3);
  });

  it('bounds text inputs like chat text, per item', () => {
    const items = ['hello world', '中文文本', '🚀'];
    const req = embeddingsRequest.parse({ model: 'e', input: items });
    const estimate = estimateEmbeddingsInputTokens(req, 'gemini', 'gemini-embedding-001');
    expect(estimate).toBeGreaterThanOrEqual(items.reduce((n, t) => n + tokens(t), 0));
    expect(estimate).toBe(items.reduce((n, t) => n + Buffer.byteLength(t) + 2, 0));
  });
});
