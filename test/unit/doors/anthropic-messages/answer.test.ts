import { describe, expect, it } from 'vitest';
import { messageFromChat, nativeAnswer } from '../../../../lambdas/doors/anthropic-messages/answer';
import { chatCompletion } from '../../../../lambdas/providers/shared/answer';

describe('a chat answer as an Anthropic Message', () => {
  it('has text then tool_use blocks (arguments parsed), tool_use as its stop reason, and usage with cache reads apart from input', () => {
    const completion = chatCompletion({
      id: 'chatcmpl-xyz',
      created: 1,
      model: 'gemini-2.5-flash',
      text: 'Checking.',
      toolCalls: [{ id: 'call_9', type: 'function', function: { name: 'read', arguments: '{"path":"a.txt"}' } }],
      finishReason: 'tool_calls',
      usage: { prompt_tokens: 1000, completion_tokens: 20, total_tokens: 1020, prompt_tokens_details: { cached_tokens: 600, cache_write_tokens: 100 } },
    });
    expect(messageFromChat(completion)).toEqual({
      id: 'msg_xyz',
      type: 'message',
      role: 'assistant',
      model: 'gemini-2.5-flash',
      content: [
        { type: 'text', text: 'Checking.', citations: null },
        { type: 'tool_use', id: 'call_9', name: 'read', input: { path: 'a.txt' }, caller: { type: 'direct' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      stop_details: null,
      container: null,
      diagnostics: null,
      usage: {
        input_tokens: 300,
        output_tokens: 20,
        cache_creation_input_tokens: 100,
        cache_read_input_tokens: 600,
        cache_creation: null,
        server_tool_use: null,
        service_tier: 'standard',
        inference_geo: null,
        output_tokens_details: null,
        speed: null,
      },
    });
  });

  it('keeps tool arguments that are not a JSON object under `arguments`, and an empty answer as no blocks', () => {
    const odd = chatCompletion({ id: 'c', created: 1, model: 'm', text: '', toolCalls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: 'not json' } }], finishReason: 'tool_calls' });
    expect(messageFromChat(odd).content).toEqual([{ type: 'tool_use', id: 'c1', name: 'f', input: { arguments: 'not json' }, caller: { type: 'direct' } }]);
    const empty = chatCompletion({ id: 'c', created: 1, model: 'm', text: '', toolCalls: [], finishReason: 'length' });
    expect(messageFromChat(empty)).toMatchObject({ content: [], stop_reason: 'max_tokens' });
  });
});

describe("an Anthropic target's answer", () => {
  it('goes out as it came, priced with its cache writes (one-hour ones apart) and reads', () => {
    const message = {
      id: 'msg_1',
      type: 'message' as const,
      role: 'assistant' as const,
      model: 'claude-sonnet-4-5',
      content: [{ type: 'redacted_thinking', data: 'abc' }, { type: 'text', text: 'Hi', citations: null }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 300, cache_read_input_tokens: 40, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 } },
    };
    const answer = nativeAnswer(message);
    expect(answer.body).toBe(message);
    expect(answer.usage).toEqual({ prompt_tokens: 350, completion_tokens: 5, total_tokens: 355, prompt_tokens_details: { cached_tokens: 40, cache_write_tokens: 300, cache_write_1h_tokens: 200 } });
    expect(answer.text).toBe('Hi');
  });
});
