import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../lambdas/core/errors';
import { estimateChatInputTokens } from '../../../../lambdas/core/tokens';
import { HIDDEN_BLOCKS, translatedChat } from '../../../../lambdas/doors/anthropic-messages/chat-view';
import { betasOf, parseCountTokensRequest, parseMessagesRequest } from '../../../../lambdas/doors/anthropic-messages/request';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function parse(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return parseMessagesRequest(JSON.stringify({ model: 'claude', max_tokens: 1024, ...body }), { req: { headers } });
}

function refusal(run: () => unknown): GatewayError {
  try {
    run();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('the Messages request as the door checks it', () => {
  it('keeps the request whole for a native target, unknown block fields included', () => {
    const body = {
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', citations: null, future_field: { a: 1 } }] }],
      thinking: { type: 'adaptive' },
      output_config: { effort: 'high' },
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
    };
    const parsed = parse(body);
    expect(parsed.native).toEqual({ model: 'claude', max_tokens: 1024, ...body });
    expect(parsed.stream).toBe(false);
  });

  it('refuses a field it does not know, and the ones billed beyond tokens, naming them', () => {
    expect(refusal(() => parse({ messages: [{ role: 'user', content: 'x' }], inference_geo: 'us' })).options.param).toBe('inference_geo');
    expect(refusal(() => parse({ messages: [{ role: 'user', content: 'x' }], speed: 'fast' })).message).toMatch(/fast mode/);
    const search = refusal(() => parse({ messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 5 }] }));
    expect(search.options.param).toBe('tools[0].type');
    expect(search.message).toMatch(/billed per use/);
  });

  it('names the field of a malformed request (a 400 before any call)', () => {
    expect(refusal(() => parse({ messages: [] })).options.param).toBe('messages');
    expect(refusal(() => parse({ messages: [{ role: 'tool', content: 'x' }] })).options.param).toBe('messages[0].role');
    expect(refusal(() => parseMessagesRequest(JSON.stringify({ model: 'claude', messages: [{ role: 'user', content: 'x' }] }), { req: { headers: {} } })).options.param).toBe('max_tokens');
    expect(refusal(() => parse({ messages: [{ role: 'user', content: 'x' }], temperature: 1.5 })).options.param).toBe('temperature');
  });

  it('count_tokens takes the request without max_tokens', () => {
    const parsed = parseCountTokensRequest(JSON.stringify({ model: 'claude', messages: [{ role: 'user', content: 'x' }] }), { headers: {} });
    expect(parsed.native.messages).toEqual([{ role: 'user', content: 'x' }]);
    expect(parsed.chat.messages).toEqual([{ role: 'user', content: 'x' }]);
  });

  it('reads the betas from anthropic-beta, one header, comma-separated, and refuses what is not a beta name', () => {
    expect(betasOf({ 'anthropic-beta': 'claude-code-20250219, interleaved-thinking-2025-05-14,,claude-code-20250219' })).toEqual(['claude-code-20250219', 'interleaved-thinking-2025-05-14']);
    expect(betasOf({})).toEqual([]);
    expect(refusal(() => betasOf({ 'anthropic-beta': 'ok-2025, bad beta\r\nx: y' })).options.param).toBe('anthropic-beta');
  });
});

describe('the chat view of a Messages request', () => {
  it('puts system text (string or blocks with cache marks) first, and a mid-conversation system turn where it stands', () => {
    const { chat } = parse({
      system: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: 'Manual…', cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'system', content: 'The user is an admin.' },
        { role: 'user', content: 'Go on' },
      ],
      stop_sequences: ['END'],
      temperature: 0.2,
      metadata: { user_id: 'u-42' },
    });
    expect(chat).toEqual({
      model: 'claude',
      max_tokens: 1024,
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: 'Manual…', cache_control: { type: 'ephemeral', ttl: '1h' } }] },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'system', content: 'The user is an admin.' },
        { role: 'user', content: 'Go on' },
      ],
      stop: ['END'],
      temperature: 0.2,
      user: 'u-42',
    });
  });

  it('turns tool_use into tool_calls, and tool results (errors and images too) into tool messages followed by the rest of the turn', () => {
    const { chat, untranslatable } = parse({
      tools: [{ name: 'read', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      messages: [
        { role: 'user', content: 'Read both' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Reading.' },
            { type: 'tool_use', id: 'toolu_1', name: 'read', input: { path: 'a' } },
            { type: 'tool_use', id: 'toolu_2', name: 'read', input: { path: 'b.png' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'no such file', is_error: true },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'b.png:' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] },
            { type: 'text', text: 'What now?' },
          ],
        },
      ],
    });
    expect(untranslatable).toBeUndefined();
    expect(chat.tools).toEqual([{ type: 'function', function: { name: 'read', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } } } } }]);
    expect(chat.tool_choice).toBe('required');
    expect(chat.parallel_tool_calls).toBe(false);
    expect(chat.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: 'Reading.',
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'read', arguments: '{"path":"a"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'read', arguments: '{"path":"b.png"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'Error: no such file' },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'b.png:' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }, { type: 'text', text: 'What now?' }] },
    ]);
  });

  it('maps images and documents to chat parts: base64 and URL images, PDFs as files, text and content documents as text', () => {
    const pdf = Buffer.from('%PDF-1.4 /Type /Page').toString('base64');
    const { chat, untranslatable } = parse({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf }, title: 'spec.pdf', cache_control: { type: 'ephemeral' } },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain words' }, title: 'Notes' },
            { type: 'document', source: { type: 'content', content: [{ type: 'text', text: 'chunk one' }] } },
          ],
        },
      ],
    });
    expect(untranslatable).toBeUndefined();
    expect(chat.messages[0]).toEqual({
      role: 'user',
      content: [
        { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
        { type: 'file', file: { file_data: `data:application/pdf;base64,${pdf}`, filename: 'spec.pdf' }, cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Notes\n\nplain words' },
        { type: 'text', text: 'chunk one' },
      ],
    });
  });

  it('maps tool_choice tool, auto and none, and output_config.format to a JSON schema answer', () => {
    const tools = [{ name: 'get', input_schema: { type: 'object' } }];
    expect(parse({ messages: [{ role: 'user', content: 'x' }], tools, tool_choice: { type: 'tool', name: 'get' } }).chat.tool_choice).toEqual({ type: 'function', function: { name: 'get' } });
    expect(parse({ messages: [{ role: 'user', content: 'x' }], tools, tool_choice: { type: 'none' } }).chat.tool_choice).toBe('none');
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(parse({ messages: [{ role: 'user', content: 'x' }], output_config: { format: { type: 'json_schema', schema } } }).chat.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'output', schema, strict: true },
    });
  });

  it('weighs thinking blocks for the input bound but never sends them to a chat target', () => {
    const thinking = { type: 'thinking', thinking: 'Let me think about this at length. '.repeat(50), signature: 'EqQBCkgIARABGAIiQL' };
    const withThinking = parse({ messages: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: [thinking, { type: 'text', text: 'A' }] }, { role: 'user', content: 'Q2' }] });
    const without = parse({ messages: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: [{ type: 'text', text: 'A' }] }, { role: 'user', content: 'Q2' }] });
    expect(withThinking.untranslatable).toBeUndefined();
    expect(withThinking.chat.messages[1]).toMatchObject({ role: 'assistant', content: 'A', [HIDDEN_BLOCKS]: [thinking] });
    expect(estimateChatInputTokens(withThinking.chat, 'anthropic', 'claude')).toBeGreaterThan(estimateChatInputTokens(without.chat, 'anthropic', 'claude') + 1_700);
    expect(translatedChat(withThinking.chat).messages[1]).toEqual({ role: 'assistant', content: 'A' });
  });

  it('names what a chat target cannot take (Anthropic-defined tools, documents by URL), and still weighs it', () => {
    const typed = parse({ messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'bash_20250124', name: 'bash' }] });
    expect(typed.untranslatable).toBe("Anthropic-defined tools ('bash_20250124')");
    const plain = parse({ messages: [{ role: 'user', content: 'x' }], tools: [{ name: 'bash', input_schema: { type: 'object' } }] });
    expect(estimateChatInputTokens(typed.chat, 'anthropic', 'claude')).toBeGreaterThan(estimateChatInputTokens(plain.chat, 'anthropic', 'claude') + 1_400);
    const byUrl = parse({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } }] }] });
    expect(byUrl.untranslatable).toBe('documents by url source (send base64, text or content)');
  });

  it('carries a tool or request cache mark into the view, so the cache-write bound sees an hour-long write', () => {
    const { chat } = parse({
      system: 'Rules.',
      messages: [{ role: 'user', content: 'x' }],
      tools: [{ name: 't', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral', ttl: '1h' } }],
    });
    expect(chat.messages[0]).toEqual({ role: 'system', content: [{ type: 'text', text: 'Rules.', cache_control: { type: 'ephemeral', ttl: '1h' } }] });
  });
});
